"""``views.sqlite``: what /search and /compare read, computed at build time for one release.

A release is immutable, so its search index and its cross-city matrices are too. The file sits
beside the store (not among the downloads) and holds:

- ``resources``: every labelled IRI, with what search shows and facets on: its kind (shared
  level, else class), plan, municipality, prefecture and the SDG goals it links to;
- ``labels``: each label of a resource (``rdfs:label``, ``skos:prefLabel``, ``dcterms:title``,
  ``foaf:name``, every language) as written and normalised (NFKC, lower case, trimmed);
- ``trigrams``: an FTS5 index (``trigram`` tokenizer) of the normalised labels, for queries of
  three characters or more, and ``grams``: an FTS5 index of each label's pairs of adjacent
  characters (CJK-bigram style, each written as one ASCII token; positions not kept), for
  queries of two characters (防災), which trigrams cannot match. A query of one character
  reads the labels themselves (one pass in SQLite: an index of single characters cost more to
  build than it saved, and such a query matches a large part of the country anyway);
- ``plans`` (plan, municipality, code, prefecture, links) and ``cells``: distinct linked items
  per municipality × SDG goal and × policy domain, per basis (declared, curated, suggested,
  asserted), what /compare shows.

A plan's rows are computed in the worker that converts it (:func:`plan_view_rows`) and cached
with its other files; the shared graphs (ontology, schemes, registry, catalog) are small and
read at each build (:func:`write_views`, the one entry point the build calls). Every row
records its ``source`` (``sources``: a plan's id, or the shared graphs), so that a rebuild
after a few plans changed updates the previous release's file instead of writing 1.6 M labels
again; ``claims`` keeps what each source says of a resource that several label (a
municipality: the registry and its plan).

>>> import sqlite3, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / VIEWS_FILE
>>> write_views(path, {}, [])
False
>>> sorted(r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%\\_%' ESCAPE '\\\\'"))
['cells', 'claims', 'grams', 'labels', 'plans', 'resources', 'sources', 'trigrams']
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from contextlib import closing
from itertools import pairwise
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS

from ..namespaces import DEF, MPLAN

VIEWS_FILE = "views.sqlite"
LABELS = (str(RDFS.label), str(SKOS.prefLabel), str(DCTERMS.title), str(FOAF.name))
#: The classes a search result's kind may be, in order of preference (after a shared level).
KIND_TYPES = tuple(str(t) for t in (
    MPLAN.Plan, MPLAN.Indicator, MPLAN.Municipality, SKOS.Concept, MPLAN.IndicatorValue,
    URIRef("http://www.w3.org/2002/07/owl#Class"), URIRef("http://www.w3.org/2002/07/owl#ObjectProperty"),
    URIRef("http://www.w3.org/2002/07/owl#DatatypeProperty"), URIRef("http://www.w3.org/ns/dcat#Dataset"),
    MPLAN.SourceDocument, MPLAN.Viewpoint))
SDG_NS = "http://metadata.un.org/sdg/"
POLICY_DOMAIN = f"{DEF}/policy-domain/"
_SDG_LINK = re.compile(r"^([1-9]|1[0-7])(\.([1-9][0-9]?|[a-z]))?$")
SHARED = ""  # the source name of the shared graphs (a plan's is its id)
VERSION = 2  # PRAGMA user_version: the layout below; a database of another is written afresh
SCHEMA = (
    f"PRAGMA user_version = {VERSION}",
    "CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT UNIQUE)",
    "CREATE TABLE resources (id INTEGER PRIMARY KEY, iri TEXT UNIQUE, kind TEXT, plan TEXT, "
    "municipality TEXT, prefecture TEXT, goals TEXT, source INTEGER)",
    "CREATE TABLE claims (resource INTEGER, source INTEGER, kind TEXT, plan TEXT, municipality TEXT, "
    "prefecture TEXT, goals TEXT)",
    "CREATE TABLE labels (id INTEGER PRIMARY KEY, resource INTEGER, label TEXT, text TEXT, source INTEGER)",
    "CREATE VIRTUAL TABLE trigrams USING fts5(text, content='', tokenize='trigram')",
    "CREATE VIRTUAL TABLE grams USING fts5(text, content='', tokenize='ascii', detail=none)",
    "CREATE TABLE plans (plan TEXT PRIMARY KEY, municipality TEXT, code TEXT, prefecture TEXT, links INTEGER, "
    "source INTEGER)",
    "CREATE TABLE cells (grid TEXT, municipality TEXT, prefecture TEXT, target TEXT, basis TEXT, items INTEGER, "
    "source INTEGER)",
)
#: Made after the rows are in (cheaper than keeping them up to date row by row).
INDEXES = (
    "CREATE INDEX cells_prefecture ON cells (prefecture)",
    "CREATE INDEX cells_source ON cells (source)",
    "CREATE INDEX labels_source ON labels (source)",
    "CREATE INDEX claims_resource ON claims (resource)",
    "CREATE INDEX claims_source ON claims (source)",
)


def normalize(text: str) -> str:
    """What search compares: NFKC (full-width → half-width), lower case, trimmed.

    >>> normalize(" ＡＢＣ防災 ")
    'abc防災'
    """
    return unicodedata.normalize("NFKC", text).strip().lower()


def gram_token(chars: str) -> str:
    """Two characters as one ASCII token: their code points in hexadecimal, ``x`` between.

    >>> gram_token("防災")
    'g9632x707d'
    """
    return "g" + "x".join(f"{ord(c):x}" for c in chars)


def grams_of(text: str) -> str:
    """The tokens of every pair of adjacent characters of ``text``, each once, in order.

    >>> grams_of("防災防災")
    'g9632x707d g707dx9632'
    """
    codes = [f"{ord(c):x}" for c in text]
    return " ".join(dict.fromkeys(f"g{a}x{b}" for a, b in pairwise(codes)))


def sdg_goal(target: str) -> int | None:
    """The goal number of an SDG goal or target IRI (``…/sdg/13.2`` → 13), else None."""
    if not target.startswith(SDG_NS):
        return None
    m = _SDG_LINK.match(target[len(SDG_NS):])
    return int(m.group(1)) if m else None


def basis_key(iri: Any) -> str:
    """``…/link-basis/curated`` → ``curated``; no basis (a bare ``mplan:alignedWith``) → ``asserted``."""
    return str(iri).rsplit("/", 1)[-1] if iri is not None else "asserted"


def prefecture_of(municipality: str) -> str:
    """The prefecture's IRI of a municipality's IRI (``…/municipality/152021`` → ``…/150002``)."""
    from ..registry import registry

    head, _, code = municipality.rpartition("/")
    return f"{head}/{registry()[code].prefecture_code}" if code in registry() else ""


def _kind(types: set[str], level: str | None) -> str | None:
    return level or next((t for t in KIND_TYPES if t in types), None)


def _links(g: Graph) -> list[tuple[str, str, str]]:
    """Every (item, target, basis) of the graph: qualified links, and bare ``mplan:alignedWith``
    that no qualified link of the same item and target stands behind."""
    out = [(str(item), str(g.value(a, MPLAN.alignmentTarget)), basis_key(g.value(a, MPLAN.basis)))
           for item, a in g.subject_objects(MPLAN.alignment) if g.value(a, MPLAN.alignmentTarget) is not None]
    qualified = {(i, t) for i, t, _ in out}
    out += [(str(i), str(t), "asserted") for i, t in g.subject_objects(MPLAN.alignedWith)
            if (str(i), str(t)) not in qualified]
    return out


def _column(target: str) -> tuple[str, str] | None:
    """The grid and column of /compare a link target counts in, if any."""
    goal = sdg_goal(target)
    if goal is not None:
        return "sdg", f"{SDG_NS}{goal}"
    return ("domain", target) if target.startswith(POLICY_DOMAIN) else None


def plan_view_rows(g: Graph) -> dict[str, list]:
    """The rows of one plan graph: its labelled resources, the plan, and its cells of /compare."""
    plan = next(g.subjects(MPLAN.municipality, None))
    muni = str(g.value(plan, MPLAN.municipality))
    pref = prefecture_of(muni)
    links = _links(g)
    goals: dict[str, set[int]] = {}
    cells: dict[tuple[str, str, str], set[str]] = {}
    for item, target, basis in links:
        goal = sdg_goal(target)
        if goal is not None:
            goals.setdefault(item, set()).add(goal)
        column = _column(target)
        if column is not None:
            cells.setdefault((*column, basis), set()).add(item)
    resources = []
    for s in sorted({s for p in LABELS for s, o in g.subject_objects(URIRef(p))
                     if isinstance(s, URIRef) and isinstance(o, Literal)}):
        level = g.value(s, MPLAN.level)
        labels = sorted({str(o) for p in LABELS for o in g.objects(s, URIRef(p)) if isinstance(o, Literal)})
        owner = g.value(s, MPLAN.inPlan) or (plan if str(s).startswith(str(plan) + "/") else None)
        resources.append([str(s), _kind({str(t) for t in g.objects(s, RDF.type)}, str(level) if level else None),
                          str(owner) if owner is not None else None, muni, pref,
                          sorted(goals.get(str(s), ())), labels])
    code = muni.rsplit("/", 1)[-1]
    return {"resources": resources, "plan": [str(plan), muni, code, pref, len(links)],
            "cells": sorted([grid, muni, pref, column, basis, len(items)]
                            for (grid, column, basis), items in cells.items())}


def plan_view_rows_bytes(g: Graph) -> bytes:
    """:func:`plan_view_rows` as JSON, the form the cache keeps."""
    return json.dumps(plan_view_rows(g), ensure_ascii=False).encode("utf-8")


def shared_resources(nquads: Iterable[bytes]) -> list[list]:
    """The labelled resources of the shared graphs (ontology, schemes, registry, catalog), given
    as N-Quads (or N-Triples); they belong to no plan."""
    labels: dict[str, set[str]] = {}
    types: dict[str, set[str]] = {}
    levels: dict[str, str] = {}
    for data in nquads:
        for q in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            if not isinstance(q.subject, ox.NamedNode):
                continue
            s, p = q.subject.value, q.predicate.value
            if p in LABELS and isinstance(q.object, ox.Literal):
                labels.setdefault(s, set()).add(q.object.value)
            elif p == str(RDF.type):
                types.setdefault(s, set()).add(q.object.value)
            elif p == str(MPLAN.level):
                levels[s] = q.object.value
    return [[s, _kind(types.get(s, set()), levels.get(s)), None, None, None, [], sorted(labels[s])]
            for s in sorted(labels)]


def write_views(path: Path, plans: Mapping[str, Callable[[], dict[str, list]]], shared: Iterable[bytes],
                previous: Path | None = None, changed: Collection[str] = ()) -> bool:
    """Write the database at ``path`` for the ``plans`` (each plan id's rows, :func:`plan_view_rows`,
    read when needed) and the shared graphs' N-Quads. Returns whether it was an update.

    With the ``previous`` release's database (which the caller knows was written by the same
    code, from the same cached rows), the new one is that file with only what changed replaced: the rows of the ``changed``
    plans and of those gone, and the shared graphs' (the catalog changes at each build), their
    labels taken out of and put into the two full-text indexes. The result holds the same rows
    and finds the same labels as one written from nothing (tests/test_incremental_store.py),
    at the cost of the changed plans, not of the country's 1.6 M labels. Otherwise the file is
    written from nothing: the rows in batches, then the two full-text indexes from the
    ``labels`` table in one statement each.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    update = previous is not None and _layout(previous) == VERSION
    if update:
        shutil.copyfile(previous, tmp)
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode = OFF")  # a file being written; the release swaps it in whole
    db.execute("PRAGMA synchronous = OFF")
    db.create_function("grams_of", 1, grams_of, deterministic=True)
    with db:
        if update:
            _update(db, plans, shared_resources(shared), set(changed))
        else:
            for statement in SCHEMA:
                db.execute(statement)
            index = _Resources(db)
            for pid in sorted(plans):
                index.add(*_add_plan(index, pid, plans[pid]()))
            index.add(shared_resources(shared), index.source(SHARED))
            db.execute("INSERT INTO trigrams (rowid, text) SELECT id, text FROM labels")
            db.execute("INSERT INTO grams (rowid, text) SELECT id, grams_of(text) FROM labels")
            for table in ("trigrams", "grams"):
                db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
            for statement in INDEXES:
                db.execute(statement)
    db.close()
    tmp.replace(path)
    return update


def _add_plan(index: _Resources, pid: str, rows: dict[str, list]) -> tuple[list[list], int]:
    """Add a plan's row and its cells of /compare; returns its resources and its source id,
    for :meth:`_Resources.add`."""
    source = index.source(pid)
    index.db.execute("INSERT INTO plans VALUES (?, ?, ?, ?, ?, ?)", (*rows["plan"], source))
    index.db.executemany("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?, ?)",
                         [(*cell, source) for cell in rows["cells"]])
    return rows["resources"], source


def _layout(previous: Path) -> int | None:
    """The layout version of the database at ``previous`` (None when there is none)."""
    if not previous.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{previous.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return db.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        return None


def _order(source: str) -> tuple[bool, str]:
    """The order in which sources give a resource its context: plans by id, then the shared graphs."""
    return source == SHARED, source


def _update(db: sqlite3.Connection, plans: Mapping[str, Callable[[], dict[str, list]]],
            shared: list[list], changed: set[str]) -> None:
    """Replace, in a copy of the previous release's database, the rows of the changed plans, of
    the plans gone and of the shared graphs. A resource that several sources label (a
    municipality: the registry and its plans) keeps the context of the first source, in
    :func:`_order`, that still labels it, as a database written from nothing would."""
    sources = dict(db.execute("SELECT name, id FROM sources"))
    redo = sorted((changed & set(plans)) | (set(sources) - set(plans) - {SHARED}) | {SHARED}, key=_order)
    redone = {sources[name] for name in redo if name in sources}
    touched: set[int] = set()
    for name in redo:
        source = sources.get(name)
        if source is None:
            continue
        touched.update(r for (r,) in db.execute("SELECT DISTINCT resource FROM labels WHERE source = ?", (source,)))
        db.execute("INSERT INTO trigrams (trigrams, rowid, text) SELECT 'delete', id, text FROM labels "
                   "WHERE source = ?", (source,))
        db.execute("INSERT INTO grams (grams, rowid, text) SELECT 'delete', id, grams_of(text) FROM labels "
                   "WHERE source = ?", (source,))
        for table in ("labels", "cells", "plans", "claims"):
            db.execute(f"DELETE FROM {table} WHERE source = ?", (source,))
        if name not in plans:
            db.execute("DELETE FROM sources WHERE id = ?", (source,))
    index = _Resources(db)
    first = index.labels + 1
    given: dict[str, list[list]] = {}
    for name in redo:
        if name == SHARED:
            resources, source = shared, index.source(SHARED)
        elif name in plans:
            resources, source = _add_plan(index, name, plans[name]())
        else:
            continue
        given[name] = resources
        touched.update(index.add(resources, source, claim=False))
    db.execute("INSERT INTO trigrams (rowid, text) SELECT id, text FROM labels WHERE id >= ?", (first,))
    db.execute("INSERT INTO grams (rowid, text) SELECT id, grams_of(text) FROM labels WHERE id >= ?", (first,))
    _settle(db, sorted(touched), given, redone)


def _settle(db: sqlite3.Connection, touched: list[int], given: dict[str, list[list]], redone: set[int]) -> None:
    """Give each touched resource the context of the first source, in :func:`_order`, that
    labels it, and its first kind; drop it when no source labels it any more. What each source
    says of a resource is in ``given`` (the sources written again, by name) or in the database:
    ``claims`` for a resource that several sources label, else the resource's row."""
    names = {i: n for n, i in db.execute("SELECT name, id FROM sources")}
    ids = {n: i for i, n in names.items()}
    said: dict[str, list[tuple[str, list]]] = {}
    for name, resources in given.items():
        for entry in resources:
            said.setdefault(entry[0], []).append((name, entry))
    gone, rows, claims = [], [], []
    for start in range(0, len(touched), 500):
        chunk = touched[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        claimed: dict[int, list[tuple[str, list]]] = {}
        for rid, source, *context in db.execute(
                f"SELECT resource, source, kind, plan, municipality, prefecture, goals FROM claims "
                f"WHERE resource IN ({marks})", chunk):
            claimed.setdefault(rid, []).append((names[source], context))
        for rid, iri, source, *context in db.execute(
                f"SELECT id, iri, source, kind, plan, municipality, prefecture, goals FROM resources "
                f"WHERE id IN ({marks})", chunk):
            kept = claimed.get(rid) or ([(names[source], context)] if source not in redone else [])
            found = sorted([*kept, *((n, [e[1], e[2], e[3], e[4], ",".join(map(str, e[5]))])
                                     for n, e in said.get(iri, ()))], key=lambda f: _order(f[0]))
            if not found:
                gone.append((rid,))
                continue
            _, (_, plan, muni, pref, goals) = found[0]
            kind = next((c[0] for _, c in found if c[0] is not None), None)
            rows.append((kind, plan, muni, pref, goals, ids[found[0][0]], rid))
            if len(found) > 1:
                claims += [(rid, ids[n], *c) for n, c in found]
    db.executemany("DELETE FROM resources WHERE id = ?", gone)
    db.executemany("UPDATE resources SET kind = ?, plan = ?, municipality = ?, prefecture = ?, goals = ?, "
                   "source = ? WHERE id = ?", rows)
    db.executemany("DELETE FROM claims WHERE resource = ?", [(r[-1],) for r in rows])
    db.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?)", claims)


class _Resources:
    """Adds resources and their labels. A resource's row holds the context (kind, plan,
    municipality, prefecture, goals) that its first source gives; one that several sources label
    (a municipality's name in the registry and in its plan) has each source's in ``claims``, and
    the first kind any of them gives."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.ids: dict[str, int] = {}
        self.labels = db.execute("SELECT COALESCE(MAX(id), 0) FROM labels").fetchone()[0]
        self.next = db.execute("SELECT COALESCE(MAX(id), 0) FROM resources").fetchone()[0] + 1
        self.known = self.next > 1
        self.shared: set[int] = set()  # resources several sources label, in a database written afresh

    def source(self, name: str) -> int:
        """The id of source ``name`` (a plan id, or SHARED), added when new."""
        row = self.db.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return row[0]
        return self.db.execute("INSERT INTO sources (name) VALUES (?)", (name,)).lastrowid

    def _id(self, iri: str) -> int | None:
        rid = self.ids.get(iri)
        if rid is None and self.known:
            row = self.db.execute("SELECT id FROM resources WHERE iri = ?", (iri,)).fetchone()
            rid = row[0] if row is not None else None
        return rid

    def add(self, resources: list[list], source: int, claim: bool = True) -> list[int]:
        """Add the resources of one source with their labels; returns the ids of those that were
        already there. With ``claim`` (a database written from nothing, sources in order), the
        context of each source of such a resource goes into ``claims``; otherwise
        :func:`_settle` settles them."""
        new, labels, old, claims = [], [], [], []
        for iri, kind, plan, muni, pref, goals, names in resources:
            rid = self._id(iri)
            context = (kind, plan, muni, pref, ",".join(map(str, goals)))
            if rid is None:
                rid = self.ids[iri] = self.next
                self.next += 1
                new.append((rid, iri, *context, source))
            else:
                old.append(rid)
                if claim:
                    if rid not in self.shared:  # the first source's context, as its row holds it
                        self.shared.add(rid)
                        claims.append(self.db.execute(
                            "SELECT id, source, kind, plan, municipality, prefecture, goals FROM resources "
                            "WHERE id = ?", (rid,)).fetchone())
                    claims.append((rid, source, *context))
                    if kind is not None:  # the registry types the municipality that a plan names
                        self.db.execute("UPDATE resources SET kind = COALESCE(kind, ?) WHERE id = ?", (kind, rid))
            for name in names:
                self.labels += 1
                labels.append((self.labels, rid, name, normalize(name), source))
        self.db.executemany("INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?, ?)", new)
        self.db.executemany("INSERT INTO labels VALUES (?, ?, ?, ?, ?)", labels)
        self.db.executemany("INSERT INTO claims VALUES (?, ?, ?, ?, ?, ?, ?)", claims)
        return old
