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
with its other files, so a rebuild of one plan reads the others' rows from the cache; the
shared graphs (ontology, schemes, registry, catalog) are small and read at each build
(:func:`write_views`, the one entry point the build calls).

>>> import sqlite3, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / VIEWS_FILE
>>> write_views(path, [], [])
>>> sorted(r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%\\_%' ESCAPE '\\\\'"))
['cells', 'grams', 'labels', 'plans', 'resources', 'trigrams']
"""

from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable
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
SCHEMA = (
    "CREATE TABLE resources (id INTEGER PRIMARY KEY, iri TEXT UNIQUE, kind TEXT, plan TEXT, "
    "municipality TEXT, prefecture TEXT, goals TEXT)",
    "CREATE TABLE labels (id INTEGER PRIMARY KEY, resource INTEGER, label TEXT, text TEXT)",
    "CREATE VIRTUAL TABLE trigrams USING fts5(text, content='', tokenize='trigram')",
    "CREATE VIRTUAL TABLE grams USING fts5(text, content='', tokenize='ascii', detail=none)",
    "CREATE TABLE plans (plan TEXT PRIMARY KEY, municipality TEXT, code TEXT, prefecture TEXT, links INTEGER)",
    "CREATE TABLE cells (grid TEXT, municipality TEXT, prefecture TEXT, target TEXT, basis TEXT, items INTEGER)",
    "CREATE INDEX cells_prefecture ON cells (prefecture)",
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


def write_views(path: Path, plans: Iterable[dict[str, list]], shared: Iterable[bytes]) -> None:
    """Write the database at ``path`` (replacing it) from each plan's rows (:func:`plan_view_rows`)
    and the shared graphs' N-Quads. The rows go in first, in batches; the two full-text indexes
    are then built from the ``labels`` table in one statement each."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode = OFF")  # a file being written; the release swaps it in whole
    db.execute("PRAGMA synchronous = OFF")
    db.create_function("grams_of", 1, grams_of, deterministic=True)
    with db:
        for statement in SCHEMA:
            db.execute(statement)
        index = _Resources(db)
        for rows in plans:
            db.execute("INSERT INTO plans VALUES (?, ?, ?, ?, ?)", rows["plan"])
            db.executemany("INSERT INTO cells VALUES (?, ?, ?, ?, ?, ?)", rows["cells"])
            index.add(rows["resources"])
        index.add(shared_resources(shared))
        db.execute("INSERT INTO trigrams (rowid, text) SELECT id, text FROM labels")
        db.execute("INSERT INTO grams (rowid, text) SELECT id, grams_of(text) FROM labels")
        for table in ("trigrams", "grams"):
            db.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    db.close()
    tmp.replace(path)


class _Resources:
    """Adds resources and their labels; one labelled in two graphs (a municipality's name in the
    registry and in its plan) keeps the context of the first, a plan's, and the labels of both."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.ids: dict[str, int] = {}
        self.labels = 0

    def add(self, resources: list[list]) -> None:
        new, labels = [], []
        for iri, kind, plan, muni, pref, goals, names in resources:
            rid = self.ids.get(iri)
            if rid is None:
                rid = self.ids[iri] = len(self.ids) + 1
                new.append((rid, iri, kind, plan, muni, pref, ",".join(map(str, goals))))
            elif kind is not None:  # the registry types the municipality that a plan names
                self.db.execute("UPDATE resources SET kind = COALESCE(kind, ?) WHERE id = ?", (kind, rid))
            for name in names:
                self.labels += 1
                labels.append((self.labels, rid, name, normalize(name)))
        self.db.executemany("INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?)", new)
        self.db.executemany("INSERT INTO labels VALUES (?, ?, ?, ?)", labels)
