"""Read access to the published graphs: an interface and its embedded Oxigraph implementation.

The web app only ever calls :class:`Store`. :class:`OxigraphStore` reads the on-disk store that
``planlod build`` writes; a remote SPARQL implementation can stand in for it by implementing the
same three members. Terms are pyoxigraph terms (``NamedNode``, ``Literal``, ``BlankNode``)
whatever the backend, so a remote store can parse its answers with
``pyoxigraph.parse_query_results``.

>>> import pyoxigraph as ox
>>> mem = ox.Store()
>>> mem.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"), ox.Literal("x"),
...                 ox.NamedNode("http://ex/g")))
>>> store = OxigraphStore(mem)
>>> [row["o"].value for row in store.query("SELECT ?o { ?s ?p ?o }")]
['x']
>>> store.query('ASK { ?s ?p "y" }')
False
>>> len(store.describe("http://ex/a"))
1
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = dict[str, Term]
Result = list[Row] | bool | list[ox.Triple]

BUILD_INFO = "build-info.json"


@dataclass(frozen=True)
class Release:
    """Which publication a store holds: an id (the build digest) and when it was made."""

    id: str
    modified: dt.datetime


class Store(ABC):
    """What the web app reads from. Implementations: :class:`OxigraphStore` (embedded)."""

    @abstractmethod
    def query(self, sparql: str, *, timeout: float | None = None) -> Result:
        """Run one of our fixed queries over the union of all graphs.

        Values from requests reach it only as ``VALUES`` blocks written from validated terms
        (see :mod:`publisher.web.service.reader`). SELECT gives a list of rows (variable name →
        term, unbound variables left out), ASK a bool, CONSTRUCT and DESCRIBE a list of triples.
        ``timeout`` is honoured where the backend can cancel; the embedded store cannot, so the
        /sparql endpoint runs user queries in worker processes instead (see
        :mod:`publisher.web.pool`).
        """

    @abstractmethod
    def describe(self, iri: str, limit: int = 10_000) -> list[ox.Triple]:
        """Every triple about ``iri`` in any graph: outgoing ones (with the blank nodes they
        reach) and incoming ones, without duplicates, at most ``limit`` incoming (0: none)."""

    @property
    @abstractmethod
    def release(self) -> Release:
        """The publication this store holds (for ETag and Last-Modified)."""

    @property
    def location(self) -> Path | None:
        """An on-disk store that other processes may open read-only, if there is one."""
        return None


class OxigraphStore(Store):
    """The embedded store: a pyoxigraph ``Store``, normally opened read-only from disk."""

    def __init__(self, store: ox.Store, path: Path | None = None, release: Release | None = None):
        self._store = store
        self._path = path
        self._release = release or _release_of(store, path)

    @classmethod
    def open(cls, path: Path) -> OxigraphStore:
        """Open the store at ``path`` read-only (as ``planlod build`` wrote it)."""
        path = Path(path).resolve()
        return cls(ox.Store.read_only(str(path)), path)

    @property
    def release(self) -> Release:
        return self._release

    @property
    def location(self) -> Path | None:
        return self._path

    def query(self, sparql: str, *, timeout: float | None = None) -> Result:
        result = self._store.query(sparql, use_default_graph_as_union=True)
        if isinstance(result, ox.QueryBoolean):
            return bool(result)
        if isinstance(result, ox.QueryTriples):
            return list(result)
        names = [v.value for v in result.variables]
        rows = []
        for solution in result:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = value
            rows.append(row)
        return rows

    def describe(self, iri: str, limit: int = 10_000) -> list[ox.Triple]:
        node = ox.NamedNode(iri)
        seen: set[ox.Triple] = set()
        out: list[ox.Triple] = []
        todo: list[ox.NamedNode | ox.BlankNode] = [node]
        visited = set()
        while todo:
            subject = todo.pop()
            if subject in visited:
                continue
            visited.add(subject)
            for quad in self._store.quads_for_pattern(subject, None, None, None):
                t = quad.triple
                if t not in seen:
                    seen.add(t)
                    out.append(t)
                    if isinstance(t.object, ox.BlankNode):
                        todo.append(t.object)
        if limit <= 0:
            return out
        incoming = 0
        for quad in self._store.quads_for_pattern(None, None, node, None):
            t = quad.triple
            if t not in seen:
                seen.add(t)
                out.append(t)
                incoming += 1
                if incoming >= limit:
                    break
        return out


def _release_of(store: ox.Store, path: Path | None) -> Release:
    """The release of a store: from build-info.json beside it, else from what is on disk."""
    if path is not None:
        info = path.parent / BUILD_INFO
        if info.is_file():
            try:
                digest = json.loads(info.read_text(encoding="utf-8"))["digest"]
            except (ValueError, KeyError):
                digest = None
            if digest:
                return Release(str(digest), _mtime(info))
        if path.is_dir():
            h = hashlib.sha256()
            newest = 0.0
            for f in sorted(path.iterdir()):
                st = f.stat()
                h.update(f"{f.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
                newest = max(newest, st.st_mtime)
            return Release(h.hexdigest(), dt.datetime.fromtimestamp(int(newest), dt.UTC))
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    h = hashlib.sha256(f"{id(store)}:{len(store)}:{now.isoformat()}".encode())
    return Release(h.hexdigest(), now)


def _mtime(path: Path) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(path.stat().st_mtime), dt.UTC)
