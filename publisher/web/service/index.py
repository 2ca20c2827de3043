"""The release's ``views.sqlite`` (:mod:`publisher.publish.views`), read by /search and /compare.

Opened read-only, one connection per thread (Starlette answers pages from a thread pool), for
the life of the release's :class:`~publisher.web.routes.Web`. Nothing here scans every label:
a query of three characters or more is looked up in the trigram index, a shorter one in the
index of single characters and pairs; every candidate is then checked to contain the query.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ...publish.views import gram_token

#: What a search hit carries: resource IRI, kind, plan, municipality, prefecture, SDG goals,
#: the label that matched and its rank key (exact, prefix, contains; then the shorter label).
Hit = tuple[str, str | None, str | None, str | None, str | None, tuple[int, ...], str, tuple]


@dataclass(frozen=True)
class Cell:
    grid: str  # "sdg" or "domain"
    municipality: str
    target: str
    basis: str
    items: int


class ViewsIndex:
    """The search index and comparison matrices of one release."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._db().execute("SELECT 1 FROM resources LIMIT 1")  # fail now, not on a request

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                                  check_same_thread=False)
        return db

    def hits(self, needle: str) -> list[Hit]:
        """Every resource with a label containing ``needle`` (normalised), best first: an exact
        label, then a label that starts with it, then one that contains it; then the shorter."""
        if len(needle) >= 3:
            table, match = "trigrams", '"' + needle.replace('"', '""') + '"'
        else:
            table, match = "grams", gram_token(needle)
        rows = self._db().execute(f"""
            SELECT r.iri, r.kind, r.plan, r.municipality, r.prefecture, r.goals, l.label, l.text
            FROM {table} JOIN labels l ON l.id = {table}.rowid JOIN resources r ON r.id = l.resource
            WHERE {table} MATCH ? AND instr(l.text, ?) > 0""", (match, needle))
        best: dict[str, Hit] = {}
        for iri, kind, plan, muni, pref, goals, label, text in rows:
            key = (text != needle, not text.startswith(needle), len(label), label)
            if iri not in best or key < best[iri][7]:
                best[iri] = (iri, kind, plan, muni, pref,
                             tuple(int(g) for g in goals.split(",") if g), label, key)
        return sorted(best.values(), key=lambda h: (h[7], h[0]))

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


def open_views(path: Path) -> ViewsIndex | None:
    """The release's views, or None when it has none (a remote store, an older release)."""
    if not path.is_file():
        return None
    try:
        return ViewsIndex(path)
    except sqlite3.Error:
        return None
