"""`planlod build`: what it publishes, and that it publishes it safely and reproducibly."""

from __future__ import annotations

import csv
import doctest
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
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from publisher import workers as workers_module
from publisher.build import build, check
from publisher.formats import DUMP_FORMATS, by_extension
from publisher.publish.answers import downloaded
from publisher.publish.release import Releases
from publisher.publish.views import VIEWS_FILE
from publisher.settings import Settings
from tests.views_content import views_content

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


def test_catalog_describes_every_file_truthfully(seed_publication):
    """Byte size and SHA-256 in the catalog are those of the published files."""
    downloads = seed_publication / "downloads"
    g = Graph().parse(downloads / "catalog.ttl")
    q = """PREFIX dcat: <http://www.w3.org/ns/dcat#> PREFIX spdx: <http://spdx.org/rdf/terms#>
    SELECT ?url ?size ?sum WHERE { ?d dcat:downloadURL ?url ; dcat:byteSize ?size ;
      spdx:checksum/spdx:checksumValue ?sum }"""
    rows = list(g.query(q))
    # 5 plans in every format; all plans in every format, CSV, Excel's CSV, SQLite and the
    # answer of each whole-country query; the registry in every format and CSV
    assert len(rows) == (5 * len(DUMP_FORMATS) + len(DUMP_FORMATS) + 3 + len(downloaded())
                         + len(DUMP_FORMATS) + 1)
    for url, size, digest in rows:
        data = (downloads / str(url).split("/downloads/", 1)[1]).read_bytes()
        assert int(size) == len(data)
        assert str(digest) == hashlib.sha256(data).hexdigest()
    datasets = set(g.subjects(predicate=None, object=None))
    assert datasets


def test_catalog_files_hold_the_same_graph_as_the_store(seed_publication):
    """catalog.ttl and catalog.jsonld, composed from per-dataset pieces, are one graph; it is
    the catalog graph of the store, and holds void.ttl; the all-plans dumps say they are gzip.
    (tests/test_catalog.py compares them with /catalog and checks them against DCAT-AP.)"""
    downloads = seed_publication / "downloads"
    ttl = Graph().parse(downloads / "catalog.ttl")
    jsonld = Graph().parse(downloads / "catalog.jsonld", format="json-ld")
    assert len(ttl) > 500 and isomorphic(ttl, jsonld)
    store = pyoxigraph.Store.read_only(str(seed_publication / "store"))
    name = pyoxigraph.NamedNode("https://w3id.org/mplan/id/catalog")
    files = pyoxigraph.Store()  # the same store, so that literals are normalised the same way
    files.extend(pyoxigraph.Quad(t.subject, t.predicate, t.object, name) for t in pyoxigraph.parse(
        path=str(downloads / "catalog.ttl"), format=pyoxigraph.RdfFormat.TURTLE))
    assert set(store.quads_for_pattern(None, None, None, name)) == set(files)
    void = Graph().parse(downloads / "void.ttl")
    assert len(void) > 50 and all(t in ttl for t in void)
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
    rows = list(csv.reader(io.StringIO((downloads / "indicators.csv").read_text(encoding="utf-8"))))
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
    rebuilt, fresh = _files(tmp_path / "public"), _files(clean / "public")
    assert rebuilt.pop(VIEWS_FILE) and fresh.pop(VIEWS_FILE)  # updated, not written afresh:
    assert rebuilt == fresh  # the same by content
    assert views_content(tmp_path / "public") == views_content(clean / "public")
    assert b"66000" in (tmp_path / "public" / "downloads" / "plans" / "202151-shiojiri-6.nt").read_bytes()


# -- line and paragraph separators, form feeds, file separators in text ------------------------

SEPARATORS = "\u2028\u2029\x0b\x0c\x1c\x1d\x1e\x85"  # str.splitlines() breaks at every one


def _tiny_plan(datasets: Path, plan_id: str = "422011-bad", title: str | None = None) -> Path:
    """The minimal plan of tests/bad/_base, called ``plan_id``, with ``title`` (YAML, as written)
    as its Japanese title."""
    text = (ROOT / "tests" / "bad" / "_base" / "plan.yaml").read_text(encoding="utf-8")
    text = text.replace("422011-bad", plan_id)
    if title is not None:
        text = text.replace("    ja: テスト用総合計画\n", f"    ja: {title}\n", 1)
    folder = datasets / plan_id
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.yaml").write_text(text, encoding="utf-8")
    return folder


def _literals(data: bytes, ext: str) -> set[str]:
    fmt = pyoxigraph.RdfFormat.from_extension(ext)
    return {q.object.value for q in pyoxigraph.parse(data, format=fmt) if isinstance(q.object, pyoxigraph.Literal)}


def test_text_with_line_separators_builds_and_round_trips(tmp_path: Path) -> None:
    """Text pasted from PDFs brings U+2028, U+2029, VT, FF, FS, GS, RS and NEL: every one is
    in the plan's title (written as YAML escapes; U+2028 and U+2029 also as they are, which
    YAML reads in quotes) and comes out unchanged in the store and in every dump."""
    escaped = "".join(f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}" for c in SEPARATORS)
    title = f"計画{escaped}\u2028\u2029終わり"
    expected = f"計画{SEPARATORS}\u2028\u2029終わり"
    datasets = tmp_path / "datasets"
    folder = _tiny_plan(datasets, title=f'"{title}"')
    settings = Settings(datasets=datasets, out=tmp_path / "public", cache_dir=tmp_path / "cache",
                        progress=False, workers=1)
    assert check(settings).conforms
    result = build(settings)
    assert result.changed and result.checked.conforms
    downloads = settings.out / "downloads"
    for ext in DUMP_FORMATS:
        assert expected in _literals((downloads / "plans" / f"422011-bad.{ext}").read_bytes(), ext), ext
        assert expected in _literals(gzip.decompress((downloads / f"all.{ext}.gz").read_bytes()), ext), ext
    store = pyoxigraph.Store.read_only(str(settings.out / "store"))
    assert expected in {q.object.value for q in store if isinstance(q.object, pyoxigraph.Literal)}
    del store
    # a second build updates the store from the first one's, catalog lines included
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("終わり", "終わり２"), encoding="utf-8")
    assert build(settings).changed
    store = pyoxigraph.Store.read_only(str(settings.out / "store"))
    values = {q.object.value for q in store if isinstance(q.object, pyoxigraph.Literal)}
    assert expected + "２" in values and expected not in values
    catalog = _literals((downloads / "catalog.ttl").read_bytes(), "ttl")
    assert any(expected + "２" in v for v in catalog)
    # what `planlod publish` sends: every graph's N-Triples parse, with the text unchanged
    from publisher.remote import graphs_of_publication

    sent = graphs_of_publication(settings.out)
    assert any(expected + "２" in _literals(nt, "nt") for nt in sent.values())


# -- one build at a time into one publication ----------------------------------------------------

def test_a_second_build_into_the_same_out_stops_and_changes_nothing(tmp_path: Path) -> None:
    datasets = tmp_path / "datasets"
    folder = _tiny_plan(datasets)
    args = _settings_args(tmp_path, datasets)
    assert _planlod(*args, "build").returncode == 0
    out = tmp_path / "public"
    before = _files(out), os.readlink(out)
    plan = folder / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("テスト用総合計画", "改訂版"), encoding="utf-8")
    releases = Releases(out)
    with releases.lock():  # another build is running: it holds the lock and its temporary folder
        (releases.dir / ".tmp-running").mkdir()
        second = _planlod(*args, "build")
        assert second.returncode == 2, second.stdout + second.stderr
        assert f"another build is running into {out}; wait for it or use another --out" in second.stderr
        assert f"別のビルドが {out} に書き込み中です" in second.stderr
        assert "Traceback" not in second.stderr
        assert (_files(out), os.readlink(out)) == before
        assert (releases.dir / ".tmp-running").is_dir(), "the running build's folder was removed"
    # the lock ends with its holder; the next build removes the dead build's folder
    third = _planlod(*args, "build")
    assert third.returncode == 0, third.stderr
    assert "改訂版" in (out / "downloads" / "plans" / "422011-bad.ttl").read_text(encoding="utf-8")
    assert not list(releases.dir.glob(".tmp-*"))


# -- a killed build leaves no worker behind ------------------------------------------------------

def _children(pid: int) -> set[int]:
    try:
        return {int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except OSError:
        return set()


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie is init's to reap)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_a_killed_build_leaves_no_worker_behind(tmp_path: Path, corpus: Path) -> None:
    """SIGKILL a build while its pool works: its workers end within seconds, not never."""
    proc = subprocess.Popen([sys.executable, "-m", "publisher", *_settings_args(tmp_path, corpus),
                             "--workers", "2", "build"], cwd=ROOT, env={**os.environ, "CI": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            workers = _children(proc.pid)
            time.sleep(0.01)
        assert len(workers) >= 2, "the build started no pool"
        _kill_and_check_workers_end(proc, workers, "workers outlived their build")
    finally:
        _reap(proc, workers)


POOL_SCRIPT = """
import os, sys, time
from publisher import workers
if sys.argv[1] == "poll":  # as where prctl is not available
    workers._kill_on_parent_death = lambda: False
pool = workers.process_pool(2)
pids = sorted({pool.submit(os.getpid).result() for _ in range(8)} | set(pool._processes))
print(*pids, flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("how", ["prctl", "poll"])
def test_pool_workers_end_with_their_parent(how: str) -> None:
    """Both ways a worker learns that its parent is gone: the kernel's signal, and polling."""
    proc = subprocess.Popen([sys.executable, "-c", POOL_SCRIPT, how], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    workers: set[int] = set()
    try:
        workers = {int(p) for p in proc.stdout.readline().split()} - {proc.pid}
        assert len(workers) == 2 and all(map(_running, workers)), workers
        _kill_and_check_workers_end(proc, workers, "workers outlived their parent")
    finally:
        proc.stdout.close()
        _reap(proc, workers)


def _kill_and_check_workers_end(proc: subprocess.Popen, workers: set[int], message: str) -> None:
    """SIGKILL ``proc``; its pool ``workers`` must be gone within five seconds."""
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 5
    while any(map(_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _running(w)], message


def _reap(proc: subprocess.Popen, workers: set[int]) -> None:
    proc.kill()
    for pid in workers:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


def test_workers_doctest() -> None:
    assert doctest.testmod(workers_module).failed == 0
