"""An incremental build (one plan changed) publishes the same store and files as a build from
nothing, and reuses the unchanged plans' files from the cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest

from publisher import build as build_module
from publisher.build import build
from publisher.publish import splice
from publisher.publish.answers import downloaded
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
            for p in sorted(real.rglob("*")) if p.is_file() and "store" not in p.parts}


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

    monkeypatch.setattr(build_module, "write_parts", spy)
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
    assert "views.sqlite" in a  # search and compare: the unchanged plans' rows from the cache
    dated = {"downloads/catalog.ttl", "downloads/catalog.jsonld", "downloads/SHA256SUMS", "build-info.json"}
    assert {k for k in a if a[k] != b[k]} <= dated
    # and a second build from nothing gives the very same bytes, dates included
    again = Settings(datasets=datasets, out=tmp_path / "again", cache_dir=tmp_path / "cache3",
                     progress=False, source_date_epoch=1767225600, workers=2)
    build(again)
    c = _files(again.out)
    assert {k for k in b if b[k] != c[k]} == set()
