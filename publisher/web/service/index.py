"""The release's ``views.sqlite`` (:mod:`publisher.publish.views`), read by /search and /compare.

Opened read-only, one connection per thread (Starlette answers pages from a thread pool), for
the life of the release's :class:`~publisher.web.routes.Web`. Nothing here scans every label:
a query of three characters or more is looked up in the trigram index, one of two in the index
of pairs; every candidate is then checked to contain the query. A query of one character reads
the labels in one pass.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from ...publish.views import SDG_NS, gram_token

#: The facets, as URLs name them, and the column of ``resources`` each one reads (the SDG
#: facet reads ``goals``, the goal numbers joined by commas).
FACETS = {"prefecture": "prefecture", "municipality": "municipality", "level": "kind", "sdg": "goals"}
SDG_GOALS = range(1, 18)
PROGRESS_STEPS = 10_000  # SQLite virtual-machine steps between two looks at the clock


def local_name(iri: str | None) -> str | None:
    """``…/def/level/measure`` → ``measure``, ``…/def#Plan`` → ``Plan``."""
    return re.split(r"[#/]", iri)[-1] if iri else None


class Hit(NamedTuple):
    """A resource found: its IRI, kind, plan, municipality, and the label that matched."""

    iri: str
    kind: str | None
    plan: str | None
    municipality: str | None
    label: str


class Found(NamedTuple):
    """One page of a search: how many hits the facets let through, the page's hits, and each
    facet's (value, IRI, count) among the hits the other facets let through."""

    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, str, int]]]


@dataclass(frozen=True)
class Cell:
    grid: str  # "sdg" or "domain"
    municipality: str
    target: str
    basis: str
    items: int


class SearchTooBroad(Exception):
    """A search ran past its time budget (``search_timeout``)."""


class ViewsIndex:
    """The search index and comparison matrices of one release. A search may spend at most
    ``budget`` seconds in SQLite (a progress handler stops it), whatever the query."""

    def __init__(self, path: Path, budget: float = 5.0):
        self.path = path
        self.budget = budget
        self._local = threading.local()
        self._names: dict[str, dict[str, list[str]]] = {}
        self._db().execute("SELECT 1 FROM resources LIMIT 1")  # fail now, not on a request

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                                  check_same_thread=False)
        return db

    def search(self, needle: str, chosen: dict[str, str], offset: int, size: int) -> Found:
        """The resources with a label containing ``needle`` (normalised) that the ``chosen``
        facets let through, best first (an exact label, then a label that starts with it, then
        one that contains it; then the shorter label, the label, the IRI): how many, the ``size``
        from ``offset``, and each facet's counts among the hits the *other* facets let through.

        The hits are gathered once into a temporary table, and ranked, counted and paged there by
        SQLite: even a one-character query that matches a million labels is a few SQL passes."""
        db = self._db()
        deadline = time.monotonic() + self.budget
        db.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
        try:
            return self._search(db, needle, chosen, offset, size)
        except sqlite3.OperationalError as exc:
            if time.monotonic() > deadline:
                raise SearchTooBroad(needle) from exc
            raise
        finally:
            db.set_progress_handler(None, 0)

    def _search(self, db: sqlite3.Connection, needle: str, chosen: dict[str, str], offset: int,
                size: int) -> Found:
        # where the labels containing the needle (?1) are found: an index, else every label
        if len(needle) >= 3:
            found = "trigrams JOIN labels l ON l.id = trigrams.rowid WHERE trigrams MATCH ?2 AND"
            looked: tuple = (needle, '"' + needle.replace('"', '""') + '"')
        elif len(needle) == 2:
            found = "grams JOIN labels l ON l.id = grams.rowid WHERE grams MATCH ?2 AND"
            looked = (needle, gram_token(needle))
        else:
            found, looked = "labels l WHERE", (needle,)
        db.execute("DROP TABLE IF EXISTS temp.hits")
        # rank: 0 exact, 2 starts with, 3 contains; then the label's length (zero-padded, so
        # that the text orders as the tuple) and the label; MIN keeps the best label's row
        db.execute(f"""
            CREATE TEMP TABLE hits AS
            SELECT r.iri, r.kind, r.plan, r.municipality, r.prefecture, r.goals, m.label, m.rank
            FROM (SELECT l.resource AS id, l.label AS label,
                         MIN(((l.text != ?1) * 2 + (substr(l.text, 1, length(?1)) != ?1))
                             || printf('%08d', length(l.label)) || l.label) AS rank
                  FROM {found} instr(l.text, ?1) > 0
                  GROUP BY l.resource) m JOIN resources r ON r.id = m.id""", looked)
        where, params = self._where(chosen)
        total = db.execute(f"SELECT COUNT(*) FROM hits WHERE {where}", params).fetchone()[0]
        shown = [Hit(*row) for row in db.execute(f"""
            SELECT iri, kind, plan, municipality, label FROM hits
            WHERE {where} ORDER BY rank, iri LIMIT ? OFFSET ?""", (*params, size, offset))]
        return Found(total, shown, {name: self._facet(name, chosen) for name in FACETS})

    def _where(self, chosen: dict[str, str], skip: str | None = None) -> tuple[str, list]:
        """The SQL condition (on a row of ``hits``) that the chosen facets, but ``skip``,
        make, and its parameters. A facet value is a local name or an SDG goal's number; the IRIs
        it stands for are looked up in the release, never written into the SQL."""
        terms, params = ["1"], []
        for name, value in chosen.items():
            if name == skip:
                continue
            if name == "sdg":
                terms.append("instr(',' || goals || ',', ',' || ? || ',') > 0")
                params.append(value)
            else:
                iris = self._named(name).get(value, [])
                terms.append(f"{FACETS[name]} IN ({', '.join('?' * len(iris))})")
                params += iris
        return " AND ".join(terms), params

    def _facet(self, name: str, chosen: dict[str, str]) -> list[tuple[str, str, int]]:
        """(value, IRI, count) of facet ``name`` among the hits the other facets let through."""
        where, params = self._where(chosen, skip=name)
        if name == "sdg":  # most hits have no goal: only the others are split
            sums = ", ".join(f"SUM(instr(',' || goals || ',', ',{g},') > 0)" for g in SDG_GOALS)
            counts = self._db().execute(f"SELECT {sums} FROM hits WHERE goals != '' AND {where}",
                                        params).fetchone()
            return [(str(g), f"{SDG_NS}{g}", n) for g, n in zip(SDG_GOALS, counts, strict=True) if n]
        column = FACETS[name]
        rows = self._db().execute(f"SELECT {column}, COUNT(*) FROM hits WHERE {where} AND {column} "
                                  f"IS NOT NULL GROUP BY {column}", params)
        return [(local_name(iri), iri, n) for iri, n in rows]

    def _named(self, name: str) -> dict[str, list[str]]:
        """Facet ``name``'s IRIs in this release, by the local name that URLs give (once)."""
        named = self._names.get(name)
        if named is None:
            named = {}
            column = FACETS[name]
            for (iri,) in self._db().execute(f"SELECT DISTINCT {column} FROM resources WHERE {column} IS NOT NULL"):
                named.setdefault(local_name(iri), []).append(iri)
            self._names[name] = named
        return named

    def plans(self, prefecture: str | None = None) -> list[tuple[str, str]]:
        """(municipality, code) of every municipality with a plan (in ``prefecture``), by code."""
        rows = self._db().execute(
            "SELECT DISTINCT municipality, code FROM plans WHERE ?1 IS NULL OR prefecture = ?1 "
            "ORDER BY code, municipality", (prefecture,))
        return list(rows)

    def cells(self, bases: tuple[str, ...], prefecture: str | None = None) -> list[Cell]:
        """The non-zero cells of both grids, for links on ``bases`` (and asserted ones)."""
        wanted = (*bases, "asserted")
        rows = self._db().execute(
            f"SELECT grid, municipality, target, basis, SUM(items) FROM cells "
            f"WHERE (?1 IS NULL OR prefecture = ?1) AND basis IN ({', '.join('?' * len(wanted))}) "
            "GROUP BY grid, municipality, target, basis", (prefecture, *wanted))
        return [Cell(*row) for row in rows]

    def links(self, prefecture: str | None = None) -> int:
        """How many links the plans (of ``prefecture``) make."""
        row = self._db().execute("SELECT COALESCE(SUM(links), 0) FROM plans "
                                 "WHERE ?1 IS NULL OR prefecture = ?1", (prefecture,)).fetchone()
        return int(row[0])


def open_views(path: Path, budget: float = 5.0) -> ViewsIndex | None:
    """The release's views, or None when it has none (a remote store, an older release)."""
    if not path.is_file():
        return None
    try:
        return ViewsIndex(path, budget)
    except sqlite3.Error:
        return None
