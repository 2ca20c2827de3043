"""Reading a publication from any SPARQL 1.1 store: :class:`SparqlStore` and its /sparql runner.

``planlod serve --sparql-endpoint URL`` serves the same pages, RDF and query answers from a
store that ``planlod publish`` wrote (Oxigraph server, Virtuoso, QLever, …) as from the embedded
one. Queries go out with SPARQLWrapper (POST, SPARQL 1.1 Protocol); the raw answer is parsed with
pyoxigraph (``parse_query_results`` for SPARQL JSON, ``parse`` for N-Triples/Turtle), so the rest
of the app gets the same pyoxigraph terms whatever the backend.

The dataset: the web app's queries read the union of all the publication's graphs. A store's
own default graph is not that everywhere (Virtuoso's holds its system graphs too, Oxigraph
server's is empty unless it runs with ``--union-default-graph``), so every query names the
graphs listed in the store's ``<BASE>publication-state`` graph (written by ``planlod publish``)
as ``default-graph-uri`` and ``named-graph-uri``. A store without that graph is read through
its own default graph (then Oxigraph server needs ``--union-default-graph``).

The release (ETag, Last-Modified) is derived from the same state graph (the content hash of every
graph) and the catalog's ``dct:modified``, re-read at most every ``release_ttl`` seconds, so the
ETags change on every web node soon after a new publish lands, and are the same on all of them.

Failures of the store (down, 401, 5xx, time limit, an unreadable answer) become one
:class:`~publisher.web.errors.WebError`: 503 ``store_unavailable`` / ``timeout``, or 502
``store_error``; never a traceback.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import io
import logging
import socket
import threading
import time
import urllib.error
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import pyoxigraph as ox
from SPARQLWrapper import ASK, CONSTRUCT, POST, SELECT
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException, Unauthorized

from ..namespaces import DEFAULT_BASE, MPLAN
from ..settings import Settings
from ..sparqlclient import SparqlClient, check_store_url
from .errors import WebError
from .paths import whole_number
from .pool import Source
from .sparql import (
    Answer,
    QueryJob,
    Solutions,
    refusal,
    render,
    syntax_error,
)
from .sparql_text import Shape, read_shape
from .store import Release, Result, Store

log = logging.getLogger("planlod.serve")
SELECT_ACCEPT = "application/sparql-results+json"
GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9"
STATE_PREDICATE = str(MPLAN.contentHash)
QUERY_FORMS = {"select": SELECT, "ask": ASK, "graph": CONSTRUCT}
DCT_MODIFIED = "http://purl.org/dc/terms/modified"
DESCRIBE_DEPTH = 2  # blank-node hops asked for when there are some; doubled while deeper ones exist
MAX_DESCRIBE_DEPTH = 128


class StoreFailure(Exception):
    """The store failed (not the query): becomes a 502/503 :class:`WebError`."""

    def __init__(self, error: WebError):
        super().__init__(error.message_en)
        self.error = error


class QueryRefused(Exception):
    """The store refused the query itself (HTTP 400): the client's fault on /sparql."""


def _unavailable(endpoint: str, why: str, why_ja: str) -> StoreFailure:
    log.warning("the SPARQL store %s cannot be reached: %s", endpoint, why)
    return StoreFailure(WebError(
        503, "store_unavailable", "The data store is unavailable; try again in a moment.",
        "データストアに接続できません。少し待ってから再度お試しください。", {"Retry-After": "5"}))


def _store_error(endpoint: str, why: str, why_ja: str) -> StoreFailure:
    log.error("the SPARQL store %s failed: %s", endpoint, why)
    return StoreFailure(WebError(
        502, "store_error", "The data store failed to answer; the operators have been told.",
        "データストアでエラーが発生しました（運営者に記録されています）。"))


def _timeout(endpoint: str, seconds: float) -> StoreFailure:
    log.warning("the SPARQL store %s did not answer within %g s", endpoint, seconds)
    return StoreFailure(WebError(
        503, "timeout", f"The data store did not answer within {seconds:g} s.",
        f"データストアが {seconds:g} 秒以内に応答しませんでした。", {"Retry-After": "5"}))


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, SPARQLWrapperException) and "Response:" in text:  # the store's own words
        text = text.split("Response:", 1)[1].strip().removeprefix("b'").removeprefix('b"')
        text = text.replace("\\n", "\n")
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return (" ".join(lines[:3]) or type(exc).__name__)[:300]


class SparqlStore(Store):
    """A publication in a SPARQL 1.1 store, read through the SPARQL 1.1 Protocol.

    >>> store = SparqlStore("http://127.0.0.1:9/sparql")
    >>> store.location is None
    True
    """

    def __init__(self, endpoint: str, *, base: str = DEFAULT_BASE, user: str | None = None,
                 password: str | None = None, auth: str = "basic", timeout: float = 30.0,
                 release_ttl: float = 5.0):
        self.endpoint = check_store_url(endpoint, "--sparql-endpoint")
        self.base = base if base.endswith("/") else base + "/"
        self.user, self.password, self.auth = user, password, auth
        self.timeout = timeout
        self.release_ttl = release_ttl
        self._lock = threading.Lock()
        self._checked = -1e9
        self._state: tuple[Release, tuple[str, ...]] | None = None
        self._first_seen: dict[str, dt.datetime] = {}

    @property
    def state_graph(self) -> str:
        return f"{self.base}publication-state"

    # --- the protocol ------------------------------------------------------------------------

    def open(self, sparql: str, kind: str, *, timeout: float | None = None,
             default_graphs: Iterable[str] | None = None,
             named_graphs: Iterable[str] | None = None) -> tuple[str, BinaryIO]:
        """POST the query ``sparql`` of ``kind`` (``select``, ``ask``, ``graph``); the answer's
        media type and its body, not yet read."""
        seconds = timeout or self.timeout
        client = SparqlClient(self.endpoint, user=self.user, password=self.password,
                              auth=self.auth)
        client.setQuery(sparql)
        # SPARQLWrapper guesses the query form with a regular expression that a word in a
        # comment or a string fools (it would send a query as ``update=``): we know the form.
        client.queryType = QUERY_FORMS[kind]
        accept = GRAPH_ACCEPT if kind == "graph" else SELECT_ACCEPT
        client.setMethod(POST)
        client.setOnlyConneg(True)
        client.addCustomHttpHeader("Accept", accept)
        client.setTimeout(seconds)  # type: ignore[arg-type]  # urllib takes a float
        for g in default_graphs or ():
            client.addDefaultGraph(g)
        for g in named_graphs or ():
            client.addNamedGraph(g)
        try:
            response = client.query().response
        except QueryBadFormed as exc:
            raise QueryRefused(_reason(exc)) from None
        except Unauthorized:
            raise _store_error(self.endpoint, "HTTP 401: not authorised (check --store-user, "
                               "--store-password)", "HTTP 401: 認証されていません") from None
        except TimeoutError:
            raise _timeout(self.endpoint, seconds) from None
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:
                raise _store_error(self.endpoint, f"HTTP {exc.code}: a redirect (not followed; "
                                   "give the store's final URL)", f"HTTP {exc.code}: リダイレクト"
                                   "（追跡しません。最終的な URL を指定してください）") from None
            if exc.code in (502, 503, 504):
                raise _unavailable(self.endpoint, f"HTTP {exc.code}", f"HTTP {exc.code}") from None
            raise _store_error(self.endpoint, f"HTTP {exc.code}", f"HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise _timeout(self.endpoint, seconds) from None
            raise _unavailable(self.endpoint, _reason(exc.reason if isinstance(exc.reason, Exception)
                                                      else exc), "接続できません") from None
        except SPARQLWrapperException as exc:
            raise _store_error(self.endpoint, _reason(exc), _reason(exc)) from None  # e.g. 500
        except (http.client.HTTPException, OSError) as exc:
            raise _unavailable(self.endpoint, _reason(exc), _reason(exc)) from None
        media = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        return media, response

    def results(self, sparql: str, kind: str, *, timeout: float | None = None,
                default_graphs: Iterable[str] | None = None,
                named_graphs: Iterable[str] | None = None) -> bool | Solutions | Iterator[ox.Triple]:
        """Run a query of ``kind`` (``select``, ``ask`` or ``graph``) and parse the answer as it
        streams in; failures while reading raise :class:`StoreFailure`."""
        media, body = self.open(sparql, kind, timeout=timeout, default_graphs=default_graphs,
                                named_graphs=named_graphs)
        seconds = timeout or self.timeout
        try:
            if kind == "graph":
                try:
                    fmt = ox.RdfFormat.from_media_type(media)
                except ValueError:
                    fmt = None
                if fmt not in (ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE):
                    raise self._unreadable(f"a {media or 'untyped'} answer to a CONSTRUCT")
                quads = ox.parse(body, format=fmt)
                return self._guard((q.triple for q in quads), seconds)
            if media != SELECT_ACCEPT:
                raise self._unreadable(f"a {media or 'untyped'} answer to a {kind.upper()}")
            cap = body.headers.get("X-SPARQL-MaxRows")  # type: ignore[attr-defined]  # Virtuoso
            parsed = ox.parse_query_results(_VirtuosoBlankNodes(body),
                                            format=ox.QueryResultsFormat.JSON)
            if isinstance(parsed, ox.QueryBoolean):
                return bool(parsed)
            names = [v.value for v in parsed.variables]
            return Solutions(names, self._guard(_rows([parsed], names), seconds),
                             (lambda n: n >= cap_rows) if (cap_rows := whole_number(cap or "")) else
                             Solutions.truncated)
        except (SyntaxError, ValueError) as exc:
            raise self._unreadable(str(exc)) from None
        except TimeoutError:
            raise _timeout(self.endpoint, seconds) from None
        except OSError as exc:
            raise _unavailable(self.endpoint, _reason(exc), _reason(exc)) from None

    def _unreadable(self, why: str) -> StoreFailure:
        return _store_error(self.endpoint, f"unreadable answer ({why[:200]})",
                            f"応答を読めません（{why[:200]}）")

    def _guard(self, items: Iterator, seconds: float) -> Iterator:
        """``items``, with failures of the stream (cut, garbled, too slow) as StoreFailure."""
        try:
            yield from items
        except (SyntaxError, ValueError, http.client.HTTPException) as exc:
            raise self._unreadable(str(exc)) from None
        except TimeoutError:
            raise _timeout(self.endpoint, seconds) from None
        except OSError as exc:
            raise _unavailable(self.endpoint, _reason(exc), _reason(exc)) from None

    # --- the Store interface -----------------------------------------------------------------

    def graphs(self) -> tuple[str, ...]:
        """The publication's graphs (the dataset of every query); empty: the store's default."""
        return self._current()[1]

    @property
    def release(self) -> Release:
        return self._current()[0]

    def query(self, sparql: str, *, timeout: float | None = None) -> Result:
        try:
            kind = query_kind(sparql)
        except SyntaxError as exc:  # our own queries are well-formed: a bug, not a 400
            raise RuntimeError(f"bad page query: {exc}") from exc
        graphs = self.graphs() or None
        try:
            result = self.results(sparql, kind, timeout=timeout, default_graphs=graphs,
                                  named_graphs=graphs)
            if isinstance(result, Solutions):
                return list(result.rows)
            if isinstance(result, bool):
                return result
            return list(result)
        except StoreFailure as exc:
            raise exc.error from None
        except QueryRefused as exc:
            raise _store_error(self.endpoint, f"query refused: {exc}",
                               f"クエリが拒否されました: {exc}").error from None

    def describe(self, iri: str, limit: int = 10_000) -> list[ox.Triple]:
        node = str(ox.NamedNode(iri))
        out: list[ox.Triple] = []
        seen: set[ox.Triple] = set()
        depth = 0  # most resources reach no blank node: one simple query
        while True:
            triples = self.query(_describe_query(node, depth))
            assert isinstance(triples, list)
            deeper = _beyond(ox.NamedNode(iri), triples, depth)  # type: ignore[arg-type]
            if not deeper or depth >= MAX_DESCRIBE_DEPTH:
                break
            depth = max(DESCRIBE_DEPTH, depth * 2)
        for t in triples:  # type: ignore[assignment]
            if t not in seen:
                seen.add(t)
                out.append(t)  # type: ignore[arg-type]
        if limit <= 0:
            return out
        self_links = sum(1 for t in out if t.object == ox.NamedNode(iri))
        rows = self.query(f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p {node} }} "
                          f"LIMIT {int(limit) + self_links}")
        assert isinstance(rows, list)
        incoming = 0
        for row in rows:
            t = ox.Triple(row["s"], row["p"], ox.NamedNode(iri))  # type: ignore[index,arg-type]
            if t not in seen:
                seen.add(t)
                out.append(t)
                incoming += 1
                if incoming >= limit:
                    break
        return out

    # --- the release ---------------------------------------------------------------------------

    def _current(self) -> tuple[Release, tuple[str, ...]]:
        with self._lock:
            now = time.monotonic()
            if self._state is None or now - self._checked >= self.release_ttl:
                self._state = self._read_state()
                self._checked = now
            return self._state

    def _read_state(self) -> tuple[Release, tuple[str, ...]]:
        catalog = str(ox.NamedNode(f"{self.base}catalog"))
        sparql = (f"SELECT ?g ?h ?m WHERE {{ {{ GRAPH {ox.NamedNode(self.state_graph)} "
                  f"{{ ?g <{STATE_PREDICATE}> ?h }} }} UNION {{ GRAPH {catalog} "
                  f"{{ {catalog} <{DCT_MODIFIED}> ?m }} }} }}")
        try:
            found = self.results(sparql, "select")
            assert isinstance(found, Solutions)
            rows = list(found.rows)
        except StoreFailure as exc:
            raise exc.error from None
        except QueryRefused as exc:
            raise _store_error(self.endpoint, str(exc), str(exc)).error from None
        hashes = sorted((r["g"].value, r["h"].value) for r in rows if "g" in r and "h" in r)
        dates = sorted(r["m"].value for r in rows if "m" in r)
        digest = hashlib.sha256()
        for g, h in hashes:
            digest.update(f"{g} {h}\n".encode())
        digest.update(f"modified {dates[-1] if dates else ''}\n".encode())
        release_id = digest.hexdigest()
        seen = self._first_seen.setdefault(
            release_id, dt.datetime.now(dt.UTC).replace(microsecond=0))
        modified = max(filter(None, [_as_datetime(dates[-1]) if dates else None, seen]))
        return Release(release_id, modified), tuple(g for g, _ in hashes)


def query_kind(sparql: str) -> str:
    """``select``, ``ask`` or ``graph`` (CONSTRUCT, DESCRIBE) of one of our own page queries,
    from the tokenizer (no parser runs in the server process).

    >>> query_kind("PREFIX x: <http://x/> ASK { ?s x:p ?o }")
    'ask'
    """
    form = read_shape(sparql).form
    if form is None:
        raise SyntaxError("no SELECT, ASK, CONSTRUCT or DESCRIBE")
    return form


def _kind_of(result: object) -> str:
    # an empty in-memory store: the query is parsed and planned, and reads nothing
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "graph" if isinstance(result, ox.QueryTriples) else "select"


def _rows(holder: list[ox.QuerySolutions], names: list[str]) -> Iterator[dict]:
    """The rows of parsed results. pyoxigraph's results must be dropped by the thread that
    made them: they live only on this generator's stack, freed when it ends or fails here."""
    solution = None
    try:
        for solution in holder.pop():
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = _normal(value)
            yield row
    finally:
        solution = None  # noqa: F841


XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
_BOOLEANS = {"1": "true", "0": "false"}


def _normal(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
    """A term as the embedded store gives it: Virtuoso writes xsd:boolean values as 1 and 0 in
    SPARQL JSON (not in N-Triples), so they are put back to their canonical true and false."""
    if isinstance(term, ox.Literal) and term.datatype == XSD_BOOLEAN and term.value in _BOOLEANS:
        return ox.Literal(_BOOLEANS[term.value], datatype=XSD_BOOLEAN)
    return term


class _VirtuosoBlankNodes(io.RawIOBase):
    """A SPARQL JSON stream with Virtuoso's blank node values (``"nodeID://b1"``, which are not
    blank node labels) written as labels (``"b1"``), rewritten as it is read."""

    MARK = b'"nodeID://'

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self._held = b""
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        keep = len(self.MARK) - 1  # a mark may be cut at the end of what was read
        while True:
            text = self._held.replace(self.MARK, b'"')
            if self._done or len(text) - keep >= len(buffer):
                break
            chunk = self._raw.read(max(len(buffer), 65536))
            self._done = not chunk
            self._held = text + chunk
        n = min(len(buffer), len(text) if self._done else len(text) - keep)
        buffer[:n] = text[:n]
        self._held = text[n:]
        return n


def _describe_query(node: str, depth: int) -> str:
    """Outgoing triples of ``node`` and of the blank nodes they reach, up to ``depth`` hops, in
    one answer (blank node labels are only comparable within one answer)."""
    template = [f"{node} ?p0 ?o0 ."]
    branches = [f"{{ {node} ?p0 ?o0 }}"]
    for k in range(1, depth + 1):
        chain = [f"{node} ?q0 ?b1 . FILTER(isBlank(?b1))"]
        chain += [f"?b{i} ?q{i} ?b{i + 1} . FILTER(isBlank(?b{i + 1}))" for i in range(1, k)]
        branches.append("{ " + " ".join(chain) + f" ?b{k} ?p{k} ?o{k} }}")
        template.append(f"?b{k} ?p{k} ?o{k} .")
    return f"CONSTRUCT {{ {' '.join(template)} }} WHERE {{ {' UNION '.join(branches)} }}"


def _beyond(start: ox.NamedNode, triples: list[ox.Triple], depth: int) -> bool:
    """Does a blank node lie more than ``depth`` hops from ``start`` (so a deeper query is due)?"""
    by_subject: dict[object, list[ox.Triple]] = {}
    for t in triples:
        by_subject.setdefault(t.subject, []).append(t)
    frontier, seen = [start], {start}
    for _ in range(depth + 1):
        nxt = []
        for s in frontier:
            for t in by_subject.get(s, []):
                if isinstance(t.object, ox.BlankNode) and t.object not in seen:
                    seen.add(t.object)
                    nxt.append(t.object)
        frontier = nxt
    return bool(frontier)


def _as_datetime(value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(value[:10] if len(value) <= 11 else value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def execute_remote(store: SparqlStore, job: QueryJob) -> Answer:
    """Check, forward, read and write one /sparql job (in a worker process, like the embedded
    store's: the parsers that read the client's query run there, under the same budgets).
    SERVICE refused, the query parsed here (same syntax errors as the embedded store), the
    time limit as the HTTP timeout to the store (the store's own limit stops the query there),
    the row and byte caps on the parsed results."""
    if (refused := refusal(job.query, job.shape)) is not None:
        return refused
    try:
        kind = _parse_on_a_small_stack(job.query, job.base_iri)
    except SyntaxError as exc:
        return syntax_error(job.query, exc)
    except ValueError as exc:
        return Answer.error(400, "bad_query", f"The query cannot be run: {exc}",
                            f"このクエリは実行できません: {exc}")
    try:
        if job.default_graphs is None and job.named_graphs is None:
            default, named = _dataset(store, job.shape or read_shape(job.query))
        else:
            default, named = job.default_graphs, job.named_graphs
        result = store.results(job.query, kind, default_graphs=default, named_graphs=named)
        return render(result, job)
    except QueryRefused as exc:
        return Answer.error(400, "bad_query", f"The store refused the query: {exc}",
                            f"ストアがクエリを拒否しました: {exc}")
    except StoreFailure as exc:
        e = exc.error
        return Answer.error(e.status, e.code, e.message_en, e.message_ja)
    except WebError as e:  # the release could not be read
        return Answer.error(e.status, e.code, e.message_en, e.message_ja)


def _dataset(store: SparqlStore, shape: Shape) -> tuple[tuple[str, ...] | None, ...]:
    """The graphs to name in the protocol when the request names none: the publication's,
    unless the query names its own dataset (FROM), which is then said again as the protocol's
    (a store that serves the union of its graphs by default, such as Oxigraph server with
    --union-default-graph, would otherwise ignore it)."""
    if not shape.names_dataset:
        graphs = store.graphs() or None
        return graphs, graphs
    if shape.dataset_known and shape.from_graphs:
        return tuple(shape.from_graphs), tuple(shape.from_named)
    return None, None


FILTER_STACK_BYTES = 1024 * 1024  # under the 2 MB of a remote Oxigraph server's request threads


def _parse_on_a_small_stack(query: str, base_iri: str | None) -> str:
    """The query's kind from Oxigraph's parser, run on a thread with a small stack: a query
    that would exhaust the stack of the store's own parser exhausts ours first, so it costs
    this worker, never the store (it is not sent)."""
    out: dict[str, object] = {}

    def parse() -> None:
        try:
            out["kind"] = _kind_of(ox.Store().query(query, base_iri=base_iri))
        except Exception as exc:  # handed to the caller's thread
            out["error"] = exc

    previous = threading.stack_size(FILTER_STACK_BYTES)
    try:
        thread = threading.Thread(target=parse, name="parse")
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if "error" in out:
        raise out["error"]  # type: ignore[misc]
    return out["kind"]  # type: ignore[return-value]


def worker_source(store: SparqlStore, settings: Settings, memory_mb: int) -> Source:
    """What a /sparql worker needs to forward to ``store``."""
    return Source(endpoint=store.endpoint, base=store.base, user=store.user,
                  password=store.password, auth=store.auth, timeout=settings.query_timeout,
                  memory_mb=memory_mb)
