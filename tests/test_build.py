"""`planlod build`: what it publishes, and that it publishes it safely and reproducibly."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from publisher.formats import DUMP_FORMATS, by_extension

ROOT = Path(__file__).resolve().parents[1]


def _files(publication: Path) -> dict[str, bytes]:
    real = publication.resolve()
    return {str(p.relative_to(real)): p.read_bytes()
            for p in sorted(real.rglob("*")) if p.is_file() and "store" not in p.parts}


def _parse(path: Path) -> Dataset:
    """A dump, gzipped (``.gz``) or not."""
    ds = Dataset()
    if path.suffix == ".gz":
        ds.parse(data=gzip.decompress(path.read_bytes()), format=by_extension(path.suffixes[-2][1:]).rdflib)
    else:
        ds.parse(path, format=by_extension(path.suffix[1:]).rdflib)
    return ds


def _union(ds: Dataset) -> Graph:
    g = Graph()
    for quad in ds.quads((None, None, None, None)):
        g.add(quad[:3])
    return g


def test_dcat_catalog_conforms_to_dcat_ap_3(seed_publication, shared):
    """Zero violations against the official shapes (the ranges file is not usable on its own:
    it lists property shapes that neither file defines, which pySHACL rightly refuses)."""
    shapes = Graph().parse(shared / "external" / "dcat-ap-3.0.1-SHACL.ttl")
    catalog = Graph().parse(seed_publication / "downloads" / "catalog.ttl")
    conforms, report, text = pyshacl.validate(catalog, shacl_graph=shapes, inference="none",
                                              allow_warnings=True)
    assert conforms, text
    assert len(catalog) > 500  # the catalog really describes the datasets it is checked for


def test_catalog_describes_every_file_truthfully(seed_publication):
    """Byte size and SHA-256 in the catalog are those of the published files."""
    downloads = seed_publication / "downloads"
    g = Graph().parse(downloads / "catalog.ttl")
    q = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX spdx: <http://spdx.org/rdf/terms#>
    SELECT ?url ?size ?sum WHERE { ?d dcat:downloadURL ?url ; dcat:byteSize ?size ;
      spdx:checksum/spdx:checksumValue ?sum }"""
    rows = list(g.query(q))
    assert len(rows) == 5 * len(DUMP_FORMATS) + len(DUMP_FORMATS) + 1
    for url, size, digest in rows:
        data = (downloads / str(url).split("/downloads/", 1)[1]).read_bytes()
        assert int(size) == len(data)
        assert str(digest) == hashlib.sha256(data).hexdigest()
    datasets = set(g.subjects(predicate=None, object=None))
    assert datasets


def test_catalog_files_hold_the_same_graph_as_the_store(seed_publication):
    """catalog.ttl and catalog.jsonld, composed from per-dataset pieces, are one graph; with
    void.ttl it is the catalog graph of the store; the all-plans dumps say they are gzip."""
    downloads = seed_publication / "downloads"
    ttl = Graph().parse(downloads / "catalog.ttl")
    jsonld = Graph().parse(downloads / "catalog.jsonld", format="json-ld")
    assert len(ttl) > 500 and isomorphic(ttl, jsonld)
    store = pyoxigraph.Store.read_only(str(seed_publication / "store"))
    name = pyoxigraph.NamedNode("https://w3id.org/mplan/id/catalog")
    files = pyoxigraph.Store()  # the same store, so that literals are normalised the same way
    for f in ("catalog.ttl", "void.ttl"):
        files.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object, name) for t in pyoxigraph.parse(
            path=str(downloads / f), format=pyoxigraph.RdfFormat.TURTLE))
    assert set(store.quads_for_pattern(None, None, None, name)) == set(files)
    q = """PREFIX dcat: <http://www.w3.org/ns/dcat#>
    SELECT ?url WHERE { ?d dcat:downloadURL ?url ; dcat:compressFormat
      <http://www.iana.org/assignments/media-types/application/gzip> }"""
    gz = sorted(str(r.url).rsplit("/", 1)[1] for r in ttl.query(q))
    assert gz == sorted(f"all.{ext}.gz" for ext in DUMP_FORMATS)


def test_all_dumps_hold_the_same_triples(seed_publication):
    downloads = seed_publication / "downloads"
    reference = _parse(downloads / "all.nq.gz")
    graphs = {str(g.identifier) for g in reference.graphs() if len(g)}
    assert len(graphs) == 5, graphs
    ref_union = _union(reference)
    for ext in DUMP_FORMATS:
        parsed = _parse(downloads / f"all.{ext}.gz")
        assert isomorphic(_union(parsed), ref_union), f"all.{ext}.gz differs from all.nq.gz"
        if by_extension(ext).dataset and ext != "jsonld":
            assert {str(g.identifier) for g in parsed.graphs() if len(g)} == graphs
    for plan in (downloads / "plans").glob("*.nq"):
        ref = _union(_parse(plan))
        for ext in DUMP_FORMATS:
            assert isomorphic(_union(_parse(plan.with_suffix(f".{ext}"))), ref), f"{plan.stem}.{ext}"


def test_store_holds_every_plan_graph(seed_publication):
    store = pyoxigraph.Store.read_only(str(seed_publication / "store"))
    names = {g.value for g in store.named_graphs()}
    plans = {p.stem for p in (seed_publication / "downloads" / "plans").glob("*.nq")}
    for pid in plans:
        assert f"https://w3id.org/mplan/id/dataset/{pid}" in names
    assert "https://w3id.org/mplan/def" in names
    assert "https://w3id.org/mplan/id/catalog" in names
    nq = _parse(seed_publication / "downloads" / "all.nq.gz")
    for g in nq.graphs():
        if len(g):
            n = len(list(store.quads_for_pattern(None, None, None, pyoxigraph.NamedNode(str(g.identifier)))))
            assert n == len(g)


def test_indicators_csv_matches_its_csvw_metadata(seed_publication):
    downloads = seed_publication / "downloads"
    meta = json.loads((downloads / "indicators.csv-metadata.json").read_text(encoding="utf-8"))
    rows = list(csv.reader(io.StringIO((downloads / "indicators.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0] == [c["name"] for c in meta["tableSchema"]["columns"]]
    assert len(rows) - 1 == 15  # 10 values in 長崎市, 5 in 塩尻市
    header = rows[0]
    by = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert {"422011", "202151"} == {r["municipality_code"] for r in by}
    nagasaki = [r for r in by if r["indicator_label"] == "地域コミュニティ連絡協議会設立地区数"]
    assert {(r["kind"], r["fiscal_year"], r["value"]) for r in nagasaki} == {
        ("baseline", "2020", "18.0"), ("target", "2025", "68.0")}


def _settings_args(tmp: Path, datasets: Path) -> list[str]:
    return ["--datasets", str(datasets), "--out", str(tmp / "public"), "--cache-dir", str(tmp / "cache")]


def _planlod(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CI": "1", "SOURCE_DATE_EPOCH": "1767225600", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "publisher", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    datasets = tmp_path / "datasets"
    shutil.copytree(ROOT / "datasets", datasets)
    return datasets


def test_rebuild_without_change_changes_no_byte_and_one_change_revalidates_one_plan(tmp_path, corpus):
    args = _settings_args(tmp_path, corpus)
    first = _planlod(*args, "build")
    assert first.returncode == 0, first.stderr
    before = _files(tmp_path / "public")
    target = os.readlink(tmp_path / "public")
    again = _planlod(*args, "build", env_extra={"PYTHONHASHSEED": "7"})
    assert again.returncode == 0, again.stderr
    assert "no change" in again.stdout and "validated: none" in again.stdout
    assert os.readlink(tmp_path / "public") == target
    assert _files(tmp_path / "public") == before
    # a fresh cache and another hash seed still give the very same bytes
    shutil.rmtree(tmp_path / "cache")
    third = _planlod(*args, "build", env_extra={"PYTHONHASHSEED": "99"})
    assert third.returncode == 0 and "no change" in third.stdout
    # editing one plan re-validates that plan only
    plan = corpus / "422011-nagasaki-2025" / "indicators.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("75.0", "76.0", 1), encoding="utf-8")
    changed = _planlod(*args, "build")
    assert changed.returncode == 0, changed.stderr
    assert "validated: 422011-nagasaki-2025\n" in changed.stdout + "\n"
    after = _files(tmp_path / "public")
    differing = {k for k in after if after.get(k) != before.get(k)}
    assert "downloads/plans/422011-nagasaki-2025.ttl" in differing
    assert not {k for k in differing if k.startswith("downloads/plans/") and "nagasaki" not in k}


def test_killed_build_leaves_the_previous_publication(tmp_path, corpus):
    """SIGKILL at points spread over a build: the publication is the old one, untouched, or (a
    kill after the atomic switch, while the process was ending) the whole new one."""
    args = _settings_args(tmp_path, corpus)
    started = time.monotonic()
    assert _planlod(*args, "build").returncode == 0
    duration = time.monotonic() - started  # a cold build: the killed ones below are cold too
    before = _files(tmp_path / "public")
    target = os.readlink(tmp_path / "public")
    plan = corpus / "202151-shiojiri-6" / "indicators.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("65000", "66000"), encoding="utf-8")
    shutil.rmtree(tmp_path / "cache")
    env = {**os.environ, "CI": "1", "SOURCE_DATE_EPOCH": "1767225600"}
    kept, switched = 0, set()
    for share in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85):  # kill at points spread over a build
        proc = subprocess.Popen([sys.executable, "-m", "publisher", *args, "build"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        time.sleep(share * duration)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.returncode == 0:
            break  # the build finished before the kill: nothing more to learn
        now = os.readlink(tmp_path / "public")
        if now == target:  # killed before the switch: the old publication, untouched
            kept += 1
            assert _files(tmp_path / "public") == before
        else:  # killed after the atomic switch: the new release must be whole (checked below)
            switched.add(now)
        store = pyoxigraph.Store.read_only(str(tmp_path / "public" / "store"))
        assert len(store) > 0
    assert kept >= 1, "no build was killed before it switched the publication"
    # the next build completes and cleans up the killed builds' temporary folders
    done = _planlod(*args, "build")
    assert done.returncode == 0, done.stderr
    assert not list((tmp_path / "public.releases").glob(".tmp-*"))
    # a release a killed build had switched to is the one a whole build makes, file for file
    assert switched <= {os.readlink(tmp_path / "public")}
    clean = tmp_path / "clean"
    assert _planlod("--datasets", str(corpus), "--out", str(clean / "public"), "--cache-dir",
                    str(clean / "cache"), "build").returncode == 0
    assert _files(tmp_path / "public") == _files(clean / "public")
    assert b"66000" in (tmp_path / "public" / "downloads" / "plans" / "202151-shiojiri-6.nt").read_bytes()
