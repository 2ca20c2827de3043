"""An incremental build (one plan changed) publishes the same store and files as a build from
nothing, and reuses the unchanged plans' files from the cache."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pyoxigraph
import pytest

from publisher.publish import writer as build_module
from publisher.build import build
from publisher.publish import splice
from publisher.publish.answers import downloaded
from publisher.publish.views import VIEWS_FILE, write_views
from publisher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def _quads(publication: Path) -> tuple[set[str], int]:
    """The quads without blank nodes (the ontology's are labelled afresh on each parse), and
    how many quads there are in all."""
    store = pyoxigraph.Store.read_only(str(publication / "store"))
    quads = [str(q) for q in store]
    return {q for q in quads if "_:" not in q}, len(quads)


def _files(publication: Path) -> dict[str, bytes]:
    real = publication.resolve()
    return {str(p.relative_to(real)): p.read_bytes()
            for p in sorted(real.rglob("*")) if p.is_file() and "store" not in p.parts and p.name != VIEWS_FILE}


def _views(publication: Path) -> dict[str, list]:
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


def test_incremental_build_equals_a_build_from_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    datasets = tmp_path / "datasets"
    shutil.copytree(ROOT / "datasets", datasets)
    settings = Settings(datasets=datasets, out=tmp_path / "public", cache_dir=tmp_path / "cache",
                        progress=False, source_date_epoch=1767225600, workers=1)
    first = build(settings)
    assert first.changed
    plan = datasets / "422011-nagasaki-2025" / "indicators.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("75.0", "76.0", 1), encoding="utf-8")
    copied: dict[str, int] = {}

    def spy(path: Path, *args: object, **kw: object) -> splice.Written:
        written = splice.write_parts(path, *args, **kw)  # type: ignore[arg-type]
        copied[path.name] = written.copied
        return written

    updated: list[bool] = []

    def views_spy(*args: object, **kw: object) -> bool:
        updated.append(write_views(*args, **kw))  # type: ignore[arg-type]
        return updated[-1]

    monkeypatch.setattr(build_module, "write_parts", spy)
    monkeypatch.setattr(build_module, "write_views", views_spy)
    second = build(settings)
    monkeypatch.undo()
    # every all-plans file was written by copying the unchanged plans' parts from the first
    assert set(copied) == {*(f"all.{e}.gz" for e in ("ttl", "nt", "jsonld", "trig", "nq")), "indicators.csv",
                           "indicators-excel.csv",
                           "catalog.ttl", "catalog.jsonld", "void.ttl", "catalog.nt",
                           *(f"{q.name}.{ext}" for q in downloaded() for ext in ("csv", "rq"))}
    assert all(n > 0 for n in copied.values()), copied
    assert second.changed and second.revalidated == ["422011-nagasaki-2025"]
    # an unchanged plan's dump is the cached file itself (a hard link), not a copy
    kept = second.release / "downloads" / "plans" / "202151-shiojiri-6.nq"
    assert kept.stat().st_nlink >= 2
    fresh = Settings(datasets=datasets, out=tmp_path / "fresh", cache_dir=tmp_path / "cache2",
                     progress=False, source_date_epoch=1767225600, workers=1)
    build(fresh)
    assert _quads(settings.out) == _quads(fresh.out)
    # the same bytes, except the modification dates the first build recorded
    a, b = _files(settings.out), _files(fresh.out)
    assert set(a) == set(b)
    # search and compare: the previous release's views.sqlite with the changed plan's rows
    # replaced holds what one written from nothing does (not the same bytes: ids and pages)
    assert updated == [True]
    assert _views(settings.out) == _views(fresh.out)
    assert sum(len(v) for v in _views(fresh.out).values()) > 10_000
    dated = {"downloads/catalog.ttl", "downloads/catalog.jsonld", "downloads/SHA256SUMS", "build-info.json"}
    assert {k for k in a if a[k] != b[k]} <= dated
    # and a second build from nothing gives the very same bytes, dates included
    again = Settings(datasets=datasets, out=tmp_path / "again", cache_dir=tmp_path / "cache3",
                     progress=False, source_date_epoch=1767225600, workers=2)
    build(again)
    c = _files(again.out)
    assert {k for k in b if b[k] != c[k]} == set()
    assert (fresh.out / VIEWS_FILE).read_bytes() == (again.out / VIEWS_FILE).read_bytes()


def test_views_follow_a_plan_removed_and_added_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """views.sqlite is updated, not written afresh, when a plan goes and when it comes back (its
    municipality is labelled by the registry too), and holds what a build from nothing would."""
    datasets = tmp_path / "datasets"
    shutil.copytree(ROOT / "datasets", datasets)

    def settings(name: str) -> Settings:
        return Settings(datasets=datasets, out=tmp_path / name, cache_dir=tmp_path / f"{name}-cache",
                        progress=False, source_date_epoch=1767225600, workers=1)

    updated: list[bool] = []

    def views_spy(*args: object, **kw: object) -> bool:
        updated.append(write_views(*args, **kw))  # type: ignore[arg-type]
        return updated[-1]

    monkeypatch.setattr(build_module, "write_views", views_spy)
    build(settings("public"))
    complete = _views(settings("public").out)
    shutil.move(datasets / "152021-nagaoka-next", tmp_path / "aside")
    build(settings("public"))
    without = _views(settings("public").out)
    assert not any("152021-nagaoka-next" in row[-1] for row in without["labels"])
    build(settings("fresh"))
    assert without == _views(settings("fresh").out)
    shutil.move(tmp_path / "aside", datasets / "152021-nagaoka-next")
    build(settings("public"))
    assert updated == [False, True, False, True]
    assert _views(settings("public").out) == complete
