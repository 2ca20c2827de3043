"""An incremental build (one plan changed) publishes the same store and files as a build from
nothing, and reuses the unchanged plans' files from the cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest

from publisher.build import build
from publisher.publish import splice
from publisher.publish import writer as build_module
from publisher.publish.answers import downloaded
from publisher.publish.views import VIEWS_FILE, write_views
from publisher.settings import Settings
from tests.views_content import views_content

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
    assert views_content(settings.out) == views_content(fresh.out)
    assert sum(len(v) for v in views_content(fresh.out).values()) > 10_000
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
    complete = views_content(settings("public").out)
    shutil.move(datasets / "152021-nagaoka-next", tmp_path / "aside")
    build(settings("public"))
    without = views_content(settings("public").out)
    assert not any("152021-nagaoka-next" in row[-1] for row in without["labels"])
    build(settings("fresh"))
    assert without == views_content(settings("fresh").out)
    shutil.move(tmp_path / "aside", datasets / "152021-nagaoka-next")
    build(settings("public"))
    assert updated == [False, True, False, True]
    assert views_content(settings("public").out) == complete
