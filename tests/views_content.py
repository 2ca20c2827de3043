"""What a release's views.sqlite holds, whatever its ids and pages: a rebuild updates the
previous release's file (publisher/publish/views.py), so it is compared with a file written
from nothing by content, not by bytes."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from publisher.publish.views import VIEWS_FILE


def views_content(publication: Path) -> dict[str, list]:
    """What views.sqlite holds, whatever the ids and the pages: every table's rows with ids
    replaced by what they stand for, and each full-text index's entries (term, label, place)."""
    with closing(sqlite3.connect(publication.resolve() / VIEWS_FILE)) as db:
        for table in ("trigrams", "grams"):  # raises when an index and its rows disagree
            db.execute(f"INSERT INTO {table} ({table}, rank) VALUES ('integrity-check', 0)")
        db.execute("CREATE VIRTUAL TABLE temp.tri USING fts5vocab(main, trigrams, instance)")
        db.execute("CREATE VIRTUAL TABLE temp.bi USING fts5vocab(main, grams, instance)")
        out = {name: sorted(db.execute(sql).fetchall()) for name, sql in {
            "resources": "SELECT r.iri, r.kind, r.plan, r.municipality, r.prefecture, r.goals, s.name "
                         "FROM resources r JOIN sources s ON s.id = r.source",
            "labels": "SELECT r.iri, l.label, l.text, s.name FROM labels l JOIN resources r ON r.id = l.resource "
                      "JOIN sources s ON s.id = l.source",
            "claims": "SELECT r.iri, s.name, c.kind, c.plan, c.municipality, c.prefecture, c.goals FROM claims c "
                      "JOIN resources r ON r.id = c.resource JOIN sources s ON s.id = c.source",
            "plans": "SELECT p.plan, p.municipality, p.code, p.prefecture, p.links, s.name FROM plans p "
                     "JOIN sources s ON s.id = p.source",
            "cells": "SELECT c.grid, c.municipality, c.prefecture, c.target, c.basis, c.items, s.name FROM cells c "
                     "JOIN sources s ON s.id = c.source",
            # an entry whose label is gone shows as (term, None, None)
            "trigrams": "SELECT v.term, r.iri, l.text, v.offset FROM tri v LEFT JOIN labels l ON l.id = v.doc "
                        "LEFT JOIN resources r ON r.id = l.resource",
            "grams": "SELECT v.term, r.iri, l.text FROM bi v LEFT JOIN labels l ON l.id = v.doc "
                     "LEFT JOIN resources r ON r.id = l.resource",
            "orphans": "SELECT COUNT(*) FROM labels l LEFT JOIN resources r ON r.id = l.resource WHERE r.id IS NULL "
                       "UNION ALL SELECT COUNT(*) FROM resources r WHERE NOT EXISTS "
                       "(SELECT 1 FROM labels l WHERE l.resource = r.id)",
            }.items()}
    return out
