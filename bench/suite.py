"""The six comparisons of the benchmark, each measured against its peer in the same run.

See docs/benchmarks.md for what each figure means. Every step records whether the two sides
agree (same validation results, same quads, same answers); the small mode only asserts that
everything ran and agreed, never a ratio.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .loadgen import load, percentile, wait_up
from .measure import Run, cpu_model, python, run

ROOT = Path(__file__).resolve().parents[1]
GiB = 1024**3


@dataclass
class Figure:
    """One line of the table: our figure, the peer's, their ratio and the target."""

    key: str
    what: str
    ours: float | None
    peer: float | None
    unit: str
    peer_name: str
    ratio: float | None = None  # how many times better we are (peer / ours, or ours / peer)
    target: str = ""
    met: bool | None = None
    agree: bool | None = None
    note: str = ""


@dataclass
class Config:
    mode: str
    plans: int
    workdir: Path
    workers: int
    scale: float = 1.0  # plan size factor of the generator (small mode: smaller plans)
    violations: int = 6
    naive_timeout: float = 1800.0
    naive_memory: int = 18 * GiB
    query_repeats: int = 5
    http_requests: int = 400
    http_concurrency: int = 4
    rdflib_max_quads: int = 1_000_000  # above it, 4a runs on a sample of whole plans this size
    rdflib_timeout: float = 60.0  # seconds the whole rdflib query mix may take, once loaded
    query_timeout: float = 600.0  # our /sparql's limit in the bench, so it never stops a query the peer answers
    skip_http: bool = False
    validate_plans: int = 0  # comparison 1 on a sample of this many plans (0: the whole corpus)
    stop_after: str = ""  # the last step to run (one of STEPS; empty: every step)
    start_from: str = ""  # the first step to run, on the corpus and release of an earlier run
    figures: list[Figure] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


def env() -> dict[str, str]:
    return {**os.environ, "CI": "1", "SOURCE_DATE_EPOCH": "1767225600", "PYTHONPATH": str(ROOT)}


def machine() -> dict[str, Any]:
    cpu = cpu_model()
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions = {}
    for pkg in ("rdflib", "pyshacl", "pyoxigraph", "oxigraph", "PyYAML", "jsonschema", "httpx", "uvicorn"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True, check=False).stdout.strip() or None
    return {"commit": commit, "nproc": os.cpu_count(), "memory_bytes": mem, "cpu": cpu, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions,
            "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _planlod(cfg: Config, datasets: Path, out: Path, cache: Path, *args: str,
             timeout: float | None = None) -> Run:
    return run(python("-m", "publisher", "--datasets", str(datasets), "--out", str(out),
                      "--cache-dir", str(cache), "--workers", str(cfg.workers), *args),
               cwd=ROOT, env=env(), timeout=timeout)


def _check(run_: Run, what: str) -> None:
    if not run_.ok:
        raise RuntimeError(f"{what} failed ({run_.returncode}, timed out: {run_.timed_out}):\n"
                           f"{run_.stdout[-2000:]}\n{run_.stderr[-4000:]}")


# -- 0. the corpus -------------------------------------------------------------------------------

def corpus(cfg: Config) -> tuple[Path, Path]:
    """The synthetic corpus, and a copy with deliberate violations in its first plans."""
    from publisher.synth import generate

    datasets = cfg.workdir / "datasets"
    bad = cfg.workdir / "datasets-violations"
    for d in (datasets, bad):
        shutil.rmtree(d, ignore_errors=True)
    t = time.perf_counter()
    generate(datasets, cfg.plans, scale=cfg.scale)
    cfg.extra["generate_seconds"] = time.perf_counter() - t
    generate(bad, cfg.violations, scale=min(cfg.scale, 0.5), violations=cfg.violations)
    size = sum(f.stat().st_size for f in datasets.rglob("*") if f.is_file())
    cfg.extra["corpus"] = {"plans": cfg.plans, "scale": cfg.scale, "source_bytes": size}
    return datasets, bad


# -- 1. validation ---------------------------------------------------------------------------------

def _validate(cfg: Config, kind: str, datasets: Path, name: str) -> tuple[Run, dict | None]:
    out = cfg.workdir / f"{name}.json"
    out.unlink(missing_ok=True)
    args = ["-m", "bench.naive", f"validate-{kind}", str(datasets), str(out)]
    if kind == "ours":
        args.append(str(cfg.workers))
    r = run(python(*args), cwd=ROOT, env=env(), timeout=cfg.naive_timeout,
            memory_cap=cfg.naive_memory if kind == "naive" else None)
    data = json.loads(out.read_text(encoding="utf-8")) if r.ok and out.is_file() else None
    return r, data


def validation(cfg: Config, datasets: Path, bad: Path) -> None:
    if cfg.validate_plans and cfg.validate_plans < cfg.plans:
        from publisher.synth import generate

        datasets = cfg.workdir / "datasets-validation-sample"
        shutil.rmtree(datasets, ignore_errors=True)
        generate(datasets, cfg.validate_plans, scale=cfg.scale)
    ours_run, ours = _validate(cfg, "ours", datasets, "validate-ours")
    _check(ours_run, "our validation")
    naive_run, naive = _validate(cfg, "naive", datasets, "validate-naive")
    # the copy with deliberate violations: both must find exactly the same results
    bad_ours_run, bad_ours = _validate(cfg, "ours", bad, "validate-bad-ours")
    bad_naive_run, bad_naive = _validate(cfg, "naive", bad, "validate-bad-naive")
    _check(bad_ours_run, "our validation of the violations corpus")
    _check(bad_naive_run, "naive validation of the violations corpus")
    assert ours is not None and bad_ours is not None and bad_naive is not None
    violations = [r for r in bad_ours["results"] if r[3] == "Violation"]
    agree_bad = bad_ours["results"] == bad_naive["results"] and len(violations) >= cfg.violations
    agree = agree_bad and (naive is None or naive["results"] == ours["results"])
    cfg.extra["validation"] = {
        "results": len(ours["results"]), "violations_injected": cfg.violations,
        "violations_found": len(violations), "triples": ours["triples"],
        "naive_finished": naive is not None, "naive_peak_bytes": naive_run.peak_bytes,
        "naive_wall_seconds": naive_run.seconds}
    if naive is not None:
        ratio = naive["seconds"] / ours["seconds"]
        note = f"{ours['triples']:,} triples; {len(ours['results'])} results, identical: {naive['results'] == ours['results']}"
        peer = naive["seconds"]
    else:
        why = "timed out" if naive_run.timed_out else f"failed (exit {naive_run.returncode}, " \
              f"peak {naive_run.peak_bytes / GiB:.1f} GiB, memory cap {cfg.naive_memory / GiB:.0f} GiB)"
        peer, ratio = None, naive_run.seconds / ours["seconds"]
        note = f"naive {why} after {naive_run.seconds:.0f} s: ratio is a lower bound"
    if cfg.validate_plans and cfg.validate_plans < cfg.plans:
        note = f"on a sample of {cfg.validate_plans} plans; " + note
    note += f"; violations corpus: {len(violations)} violations, same set in both: {agree_bad}"
    cfg.figures.append(Figure("validation", "1. full validation (cold cache)", ours["seconds"], peer,
                              "s", "pyshacl on the merged graph", ratio, "≥ 10×",
                              ratio >= 10 if ratio else None, agree, note))


# -- 2. rebuild after one change, and 6. build memory -------------------------------------------

def _edit_one_plan(datasets: Path) -> str:
    folders = sorted(p for p in datasets.iterdir() if p.is_dir())
    folder = folders[len(folders) // 2]
    f = folder / "indicators.yaml"
    text = f.read_text(encoding="utf-8")
    i = text.index("value: ") + len("value: ")
    j = text.index("\n", i)
    f.write_text(text[:i] + str(float(text[i:j]) + 1.5) + text[j:], encoding="utf-8")
    return folder.name


def rebuild(cfg: Config, datasets: Path) -> Path:
    """A full build from nothing, then the build after editing one plan; returns the release."""
    out, cache = cfg.workdir / "public", cfg.workdir / "cache"
    for p in (cache, cfg.workdir / "public.releases"):
        shutil.rmtree(p, ignore_errors=True)
    out.unlink(missing_ok=True)
    full = _planlod(cfg, datasets, out, cache, "build")
    _check(full, "the full build")
    edited = _edit_one_plan(datasets)
    inc = _planlod(cfg, datasets, out, cache, "build")
    _check(inc, "the rebuild after one change")
    agree = f"validated: {edited}" in inc.stdout and "published" in inc.stdout
    ratio = full.seconds / inc.seconds
    cfg.figures.append(Figure("rebuild", "2. rebuild after editing one plan", inc.seconds, full.seconds,
                              "s", "full rebuild (same command, empty cache)", ratio, "≥ 100×",
                              ratio >= 100, agree, f"edited {edited}; only it was re-validated: {agree}"))
    cfg.extra["build"] = {"full_seconds": full.seconds, "full_peak_bytes": full.peak_bytes,
                          "incremental_seconds": inc.seconds, "incremental_peak_bytes": inc.peak_bytes,
                          "stdout": full.stdout.strip()[-300:]}
    return out.resolve()


def memory(cfg: Config, datasets: Path) -> None:
    build = cfg.extra["build"]
    outdir = cfg.workdir / "naive-build"
    shutil.rmtree(outdir, ignore_errors=True)
    r = run(python("-m", "bench.naive", "build-naive", str(datasets), str(outdir)), cwd=ROOT, env=env(),
            timeout=cfg.naive_timeout, memory_cap=cfg.naive_memory)
    ours = build["full_peak_bytes"] / GiB
    if r.ok:
        quads = json.loads(r.stdout.strip().splitlines()[-1])["quads"]
        peer: float | None = r.peak_bytes / GiB
        ratio = peer / ours
        note = f"naive build took {r.seconds:.0f} s (ours {build['full_seconds']:.0f} s, with validation)"
        with gzip.open(cfg.workdir / "public" / "downloads" / "all.nq.gz") as f:
            ours_quads = sum(1 for _ in f)
        agree = quads == ours_quads
    else:
        peer, ratio, agree = None, (r.peak_bytes / GiB) / ours, None
        note = (f"naive build did not finish ({'timed out' if r.timed_out else 'exit ' + str(r.returncode)}) "
                f"after {r.seconds:.0f} s at {r.peak_bytes / GiB:.1f} GiB: ratio is a lower bound")
    shutil.rmtree(outdir, ignore_errors=True)
    cfg.figures.append(Figure("memory", "6. build peak memory (process tree)", ours, peer, "GiB",
                              "naive rdflib build (one Dataset, rdflib serializers)", ratio, "≤ 1/3 (ratio ≥ 3×)",
                              ratio >= 3, agree, note))


# -- 3. store load ----------------------------------------------------------------------------------

def store_load(cfg: Config, release: Path) -> None:
    import pyoxigraph

    from publisher.publish.store import load_store

    # the same data as the published store: every plan, the ontology, the schemes, the catalog
    nq = cfg.workdir / "everything.nq"
    pyoxigraph.Store.read_only(str(release / "store")).dump(str(nq), pyoxigraph.RdfFormat.N_QUADS)
    cfg.extra["everything"] = str(nq)
    ours_dir, peer_dir = cfg.workdir / "store-ours", cfg.workdir / "store-oxigraph"
    for d in (ours_dir, peer_dir):
        shutil.rmtree(d, ignore_errors=True)
    t = time.perf_counter()
    count = load_store(ours_dir, nq)
    ours = time.perf_counter() - t
    peer_run = run([str(Path(sys.executable).with_name("oxigraph")), "load", "--location", str(peer_dir),
                    "--file", str(nq)], timeout=cfg.naive_timeout)
    _check(peer_run, "oxigraph load")
    peer_count = len(pyoxigraph.Store.read_only(str(peer_dir)))
    ratio = ours / peer_run.seconds
    cfg.figures.append(Figure("store", "3. load the store (all graphs, N-Quads)", ours, peer_run.seconds, "s",
                              "oxigraph load (CLI)", ratio, "≤ 1.5× of peer", ratio <= 1.5,
                              count == peer_count, f"{count:,} quads in both: {count == peer_count}; "
                              "ours includes optimize()"))
    shutil.rmtree(ours_dir, ignore_errors=True)
    cfg.extra["peer_store"] = str(peer_dir)
    cfg.extra["store"] = {"quads": count, "peer_quads": peer_count}


# -- 4. queries and 5. HTTP -----------------------------------------------------------------------

def capped(query: str, rows: int) -> str:
    """``query`` with ``LIMIT rows`` at its end unless it has a LIMIT of its own."""
    if re.search(r"\bLIMIT\s+\d+", query, re.IGNORECASE) or not re.search(r"\bSELECT\b", query, re.IGNORECASE):
        return query
    return query.rstrip() + f"\nLIMIT {rows}\n"


def query_mix(release: Path, rows: int) -> list[tuple[str, str]]:
    """The example queries of the query page, and the queries a resource page runs.

    Every SELECT is capped at ``rows`` (our /sparql's ``max_rows``), so that every side does
    the same work: at national scale several catalogue queries answer hundreds of thousands of
    rows, which our endpoint would cut at ``max_rows`` and the peers would not."""
    from publisher.web.examples import load_examples

    mix = [(e.name, capped(e.query, rows)) for e in load_examples()]
    plans = sorted(p.stem for p in (release / "downloads" / "plans").glob("*.nq"))[:3]
    for pid in plans:
        iri = f"https://w3id.org/mplan/id/plan/{pid}"
        mix.append((f"page-describe-{pid}", f"DESCRIBE <{iri}>"))
        mix.append((f"page-children-{pid}", "PREFIX mplan: <https://w3id.org/mplan/def#>\n"
                    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                    f"SELECT ?e ?label ?level WHERE {{ ?e mplan:inPlan <{iri}> ; mplan:level ?level ; "
                    "rdfs:label ?label FILTER(LANG(?label) = \"ja\") } ORDER BY ?e"))
    return mix


def _rows(result: Any) -> int:
    import pyoxigraph

    return 1 if isinstance(result, bool | pyoxigraph.QueryBoolean) else sum(1 for _ in result)


def _times(fn: Any, mix: list[tuple[str, str]], repeats: int) -> tuple[list[float], dict[str, int]]:
    """Run the mix ``repeats`` times; a query that fails counts -1 rows (the sides then disagree)."""
    times, counts = [], {}
    for _ in range(repeats):
        for name, q in mix:
            t = time.perf_counter()
            try:
                counts[name] = fn(q)
            except Exception as exc:  # noqa: BLE001 - an HTTP or query error is a result here
                counts[name] = -1
                print(f"  {name}: {exc}", file=sys.stderr)
            times.append(time.perf_counter() - t)
    return times, counts


PLAN_GRAPH = "https://w3id.org/mplan/id/dataset/"


def rdflib_sample(release: Path, budget: int, out: Path) -> tuple[int, int]:
    """Write to ``out`` the graphs of whole plans, in id order, while they fit in ``budget``
    quads with every graph that is not a plan's (vocabularies, catalog); return (plans, quads).

    rdflib's SPARQL engine cannot hold a national store; comparison 4a then runs on this
    sample on both sides."""
    import pyoxigraph as ox

    store = ox.Store.read_only(str(release / "store"))
    shared = [q for g in store.named_graphs() if not g.value.startswith(PLAN_GRAPH)
              for q in store.quads_for_pattern(None, None, None, g)]
    quads, plans = len(shared), 0
    with out.open("wb") as f:
        ox.serialize(shared, f, ox.RdfFormat.N_QUADS)
        for nq in sorted((release / "downloads" / "plans").glob("*.nq")):
            data = nq.read_bytes()
            n = data.count(b"\n")
            if quads + n > budget and plans:
                break
            f.write(data)
            quads, plans = quads + n, plans + 1
    return plans, quads


def run_mix(cfg: Config, engine: str, data: Path, mix: list[tuple[str, str]], *,
            total: float | None = None, per_query: float | None = None) -> dict[str, Any]:
    """The mix, once, on ``engine`` in a process of its own (``bench.naive queries``).

    Loading may take up to the naive timeout. Then the queries together may take ``total``
    seconds (the rest is left unfinished), and each one ``per_query`` seconds: one that runs
    longer is stopped, recorded as over the limit, and the process starts again after it."""
    mix_file, out_file = cfg.workdir / f"mix-{engine}.json", cfg.workdir / f"mix-{engine}.jsonl"
    log = cfg.workdir / f"mix-{engine}.log"
    mix_file.write_text(json.dumps(mix, ensure_ascii=False), encoding="utf-8")
    out_file.unlink(missing_ok=True)
    loads, done, over, start = [], [], [], 0
    end = None  # when the queries' total budget runs out

    def lines() -> list[list]:  # whole lines only: the other process may be writing one
        text = out_file.read_text(encoding="utf-8") if out_file.is_file() else ""
        return [json.loads(ln) for ln in text.split("\n")[:-1]]

    while start < len(mix):
        seen = len(lines())
        with log.open("a") as err:
            proc = subprocess.Popen(python("-m", "bench.naive", "queries", engine, str(data), str(mix_file),
                                           str(out_file), str(start)), cwd=ROOT, env=env(), stdout=err,
                                    stderr=err, start_new_session=True)
        deadline, count, stopped = time.monotonic() + cfg.naive_timeout, 0, None
        while proc.poll() is None:
            got, now = len(lines()) - seen, time.monotonic()
            if got != count:  # loaded, or a query finished: the next one starts now
                count = got
                if end is None and total is not None:
                    end = now + total
                deadline = min(end or float("inf"), now + per_query if per_query else float("inf"))
            if now > deadline:
                os.killpg(proc.pid, 9)
                proc.wait()
                stopped = "total" if end is not None and now >= end else "query"
                break
            time.sleep(0.05)
        new = lines()[seen:]
        if not new or new[0][0] != "loaded":
            raise RuntimeError(f"{engine} did not load {data}: see {log}")
        loads.append(new[0][1])
        done += [tuple(x) for x in new[1:]]
        start += len(new) - 1
        if stopped == "query":
            over.append(mix[start][0])
            start += 1
        elif stopped == "total":
            break
        elif proc.returncode != 0:
            raise RuntimeError(f"{engine} failed on {mix[start][0]}: see {log}")
    names = {n for n, _, _ in done} | set(over)
    return {"load_seconds": loads[0], "done": done, "over": over,
            "unfinished": [n for n, _ in mix if n not in names]}


def _accept(q: str) -> str:
    return "text/turtle" if "DESCRIBE" in q or "CONSTRUCT" in q else "application/sparql-results+json"


def _http_count(client: Any, url: str, q: str) -> int:
    r = client.get(url, params={"query": q}, headers={"Accept": _accept(q)})
    r.raise_for_status()
    if "json" in r.headers.get("content-type", ""):
        data = r.json()
        return len(data["results"]["bindings"]) if "results" in data else 1
    return sum(1 for ln in r.text.splitlines() if ln.strip())


class Servers:
    """`planlod serve` on the release and `oxigraph serve-read-only` on a copy of its store."""

    def __init__(self, cfg: Config, release: Path):
        self.cfg, self.release = cfg, release
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> Servers:
        self.ours_port, self.peer_port = _free_port(), _free_port()
        log = (self.cfg.workdir / "serve.log").open("w")
        self.procs.append(subprocess.Popen(
            python("-m", "publisher", "--out", str(self.cfg.workdir / "public"), "serve",
                   "--port", str(self.ours_port), "--query-timeout", f"{self.cfg.query_timeout:g}",
                   # the load comes from one address, standing for many clients (the peer has
                   # no per-client limit either)
                   "--max-queries-per-client", "0"),
            cwd=ROOT, env=env(), stdout=log, stderr=log))
        self.procs.append(subprocess.Popen(
            [str(Path(sys.executable).with_name("oxigraph")), "serve-read-only", "--location",
             self.cfg.extra["peer_store"], "--bind", f"127.0.0.1:{self.peer_port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        self.ours = f"http://127.0.0.1:{self.ours_port}"
        self.peer = f"http://127.0.0.1:{self.peer_port}"
        if not wait_up(self.ours + "/healthz", 60) or not wait_up(self.peer + "/query?query=ASK%7B%7D", 30):
            self.__exit__()
            raise RuntimeError("a server did not start: see " + str(self.cfg.workdir / "serve.log"))
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


def queries(cfg: Config, release: Path, servers: Servers | None) -> None:
    import httpx
    import pyoxigraph

    from publisher.settings import Settings

    defaults = Settings()
    rows, limit = defaults.max_rows, defaults.query_timeout
    full_mix = query_mix(release, rows)
    # queries the embedded store cannot answer within our endpoint's default time limit are
    # left out of the timed mix (every store would take as long): they are listed instead
    screen = run_mix(cfg, "oxigraph", release / "store", full_mix, per_query=limit)
    if screen["unfinished"]:
        raise RuntimeError(f"the embedded store failed on {screen['unfinished'][0]}: see {cfg.workdir}")
    mix = [(n, q) for n, q in full_mix if n not in screen["over"]]
    store = pyoxigraph.Store.read_only(str(release / "store"))

    def on(st: Any) -> Any:
        return lambda q: _rows(st.query(q, use_default_graph_as_union=True))

    emb_times, emb_counts = _times(on(store), mix, cfg.query_repeats)
    p50 = statistics.median(emb_times)
    out: dict[str, Any] = {"embedded": {"p50": p50, "p95": percentile(emb_times, 95), "counts": emb_counts},
                           "queries": [n for n, _ in mix], "row_cap": rows,
                           "over_limit": {"limit_seconds": limit, "queries": screen["over"]},
                           "once": {n: t for n, t, _ in screen["done"]}}
    over_note = (f"; left out, over {limit:g} s on the embedded store (and so on every side): "
                 f"{', '.join(screen['over'])}") if screen["over"] else ""

    # 4a: rdflib on the same quads; beyond rdflib_max_quads both sides run on a sample of plans
    everything = Path(cfg.extra["everything"])
    quads = sum(1 for _ in everything.open("rb"))
    sample_note, a_note = "", over_note
    if quads <= cfg.rdflib_max_quads:
        data, s_mix, s_times, s_counts = everything, mix, emb_times, emb_counts
    else:
        data, s_mix = cfg.workdir / "rdflib-sample.nq", full_mix
        plans, s_quads = rdflib_sample(release, cfg.rdflib_max_quads, data)
        sample_dir = cfg.workdir / "store-sample"
        shutil.rmtree(sample_dir, ignore_errors=True)
        sample_store = pyoxigraph.Store(str(sample_dir))
        sample_store.bulk_load(path=str(data), format=pyoxigraph.RdfFormat.N_QUADS)
        s_times, s_counts = _times(on(sample_store), s_mix, cfg.query_repeats)
        del sample_store
        shutil.rmtree(sample_dir, ignore_errors=True)
        sample_note = (f"on a sample of {plans} whole plans and every shared graph ({s_quads:,} of "
                       f"{quads:,} quads; rdflib cannot hold the whole store), on both sides, all "
                       f"{len(s_mix)} queries; ")
        out["sample"] = {"plans": plans, "quads": s_quads, "p50": statistics.median(s_times),
                         "p95": percentile(s_times, 95)}
        a_note = ""
    r = run_mix(cfg, "rdflib", data, s_mix, total=cfg.rdflib_timeout)
    done = r["done"]
    # a query still running when the time ran out counts as having taken all that was left
    left = max(0.0, cfg.rdflib_timeout - sum(t for _, t, _ in done))
    rdf_times = [t for _, t, _ in done] + [left] * (len(s_mix) - len(done))
    rdf_counts = {n: c for n, _, c in done}
    agree = rdf_counts == {n: s_counts[n] for n in rdf_counts}
    unfinished = [n for n, _ in s_mix if n not in rdf_counts]
    s50, r50 = statistics.median(s_times), statistics.median(rdf_times)
    ratio = r50 / s50
    out["rdflib"] = {"p50": r50, "p95": percentile(rdf_times, 95), "counts_agree": agree,
                     "unfinished": unfinished, "load_seconds": r["load_seconds"]}
    note = (sample_note + f"{len(s_mix)} queries, SELECTs capped at {rows:,} rows; p95 ours "
            f"{percentile(s_times, 95) * 1000:.1f} ms, rdflib {percentile(rdf_times, 95) * 1000:.0f} ms; "
            f"rdflib loaded the quads in {r['load_seconds']:.0f} s (not counted)" + a_note)
    if unfinished:
        note += (f"; rdflib stopped after {cfg.rdflib_timeout:.0f} s of queries with {len(unfinished)} "
                 f"unfinished ({', '.join(unfinished)}): its figures are lower bounds")
    cfg.figures.append(Figure("query-rdflib", "4a. query mix p50 (embedded store)", s50 * 1000, r50 * 1000,
                              "ms", "rdflib SPARQL on the same data", ratio, "≥ 20×", ratio >= 20, agree, note))
    if sample_note:
        data.unlink(missing_ok=True)

    # 4b: our /sparql against Oxigraph server, same store, same queries
    if servers is not None:
        with httpx.Client(timeout=cfg.query_timeout + 60) as client:
            ours_t, ours_c = _times(lambda q: _http_count(client, servers.ours + "/sparql", q), mix, cfg.query_repeats)
            peer_t, peer_c = _times(lambda q: _http_count(client, servers.peer + "/query", q), mix, cfg.query_repeats)
        o50, x50 = statistics.median(ours_t), statistics.median(peer_t)
        overhead = o50 / x50
        selects = {k for k in ours_c if not k.startswith("page-describe")}
        agree = all(ours_c[k] == peer_c[k] == emb_counts[k] >= 0 for k in selects) and \
            min([*ours_c.values(), *peer_c.values()]) >= 0
        out["http"] = {"ours_p50": o50, "ours_p95": percentile(ours_t, 95), "peer_p50": x50,
                       "peer_p95": percentile(peer_t, 95), "ours_counts": ours_c, "peer_counts": peer_c}
        cfg.figures.append(Figure("query-http", "4b. query mix p50 over HTTP (/sparql)", o50 * 1000, x50 * 1000,
                                  "ms", "Oxigraph server /query, same queries", overhead, "≤ 1.2× of peer",
                                  overhead <= 1.2, agree,
                                  f"p95 ours {percentile(ours_t, 95) * 1000:.1f} ms, "
                                  f"peer {percentile(peer_t, 95) * 1000:.1f} ms; {len(mix)} queries; SELECT "
                                  f"row counts equal (and equal to the embedded store's), no errors: "
                                  f"{agree}" + over_note))
    cfg.extra["queries"] = out


def http(cfg: Config, release: Path, servers: Servers) -> None:
    plans = sorted(p.stem for p in (release / "downloads" / "plans").glob("*.nq"))
    pick = plans[:: max(1, len(plans) // 20)][:20]
    pages = [(servers.ours + path, {"Accept": "text/html"}) for path in page_paths(release, pick)]
    describe = [f"DESCRIBE <https://w3id.org/mplan/id/plan/{pid}>" for pid in pick]
    ours_sparql = [(str(httpx_url(servers.ours + "/sparql", q)), {"Accept": "text/turtle"}) for q in describe]
    peer_sparql = [(str(httpx_url(servers.peer + "/query", q)), {"Accept": "text/turtle"}) for q in describe]
    n, c = cfg.http_requests, cfg.http_concurrency
    load(pages[:2] + ours_sparql[:2] + peer_sparql[:2], 20, 2, 20)  # warm up
    runs = {"pages": load(pages, n, c, 60), "sparql": load(ours_sparql, n, c, 60),
            "peer": load(peer_sparql, n, c, 60)}
    cfg.extra["http"] = {k: {"requests": v.requests, "errors": v.errors, "rps": v.rps,
                             "p50": percentile(v.latencies, 50), "p95": percentile(v.latencies, 95)}
                         for k, v in runs.items()}
    peer = runs["peer"]
    for key, what in (("pages", "5a. HTTP resource pages (HTML: plan, element, indicator, SDG goal)"), ("sparql", "5b. HTTP /sparql DESCRIBE")):
        r = runs[key]
        ratio = r.rps / peer.rps if peer.rps else None
        cfg.figures.append(Figure(
            f"http-{key}", what + ", requests/s", r.rps, peer.rps, "req/s",
            "Oxigraph server, same DESCRIBE", ratio, "(no target)", None, r.errors == 0 and peer.errors == 0,
            f"p95 {percentile(r.latencies, 95) * 1000:.1f} ms vs {percentile(peer.latencies, 95) * 1000:.1f} ms; "
            f"{r.requests} requests, concurrency {c}, errors {r.errors}/{peer.errors}"))


def page_paths(release: Path, plans: list[str]) -> list[str]:
    """Resource pages of every kind for ``plans``: each plan, its first element and indicator
    (as its dump lists them), and one SDG goal's cross-city page per plan."""
    base = "https://w3id.org/mplan/id/"
    paths = []
    for n, pid in enumerate(plans):
        paths.append(f"/plan/{pid}")
        text = (release / "downloads" / "plans" / f"{pid}.nq").read_text(encoding="utf-8")
        for kind in ("element", "indicator"):
            found = re.search(rf"<{re.escape(base)}(plan/{re.escape(pid)}/{kind}/[^/>]+)>", text)
            if found:
                paths.append("/" + found.group(1))
        paths.append(f"/sdg/{n % 17 + 1}")
    return paths


def httpx_url(base: str, query: str) -> Any:
    import httpx

    return httpx.URL(base, params={"query": query})


# -- the whole suite ------------------------------------------------------------------------------

STEPS = ("corpus", "rebuild", "validation", "memory", "store", "queries+http")
STATE = ("build", "everything", "peer_store")  # kept in <workdir>/state.json between runs


def _missing(cfg: Config, datasets: Path, bad: Path, release: Path) -> list[str]:
    """What the steps from ``cfg.start_from`` on need of the skipped ones and cannot find."""
    skipped = STEPS[:STEPS.index(cfg.start_from)]
    need = []
    if "corpus" in skipped:
        need += [datasets, bad]
    if "rebuild" in skipped:
        need.append(release / "store")
    if "store" in skipped:
        need += [Path(cfg.extra.get(k, cfg.workdir / f"<{k}>")) for k in ("everything", "peer_store")]
    missing = [str(p) for p in need if not p.exists()]
    if "rebuild" in skipped and "memory" not in skipped and "build" not in cfg.extra:
        missing.append("the rebuild step's build figures (state.json)")
    return missing


def run_suite(cfg: Config, save: Any = None) -> dict[str, Any]:
    """Run every step; ``save(results)`` is called after each, so a long run keeps what it has."""
    cfg.workdir.mkdir(parents=True, exist_ok=True)
    steps: dict[str, float] = {}
    order = ["validation", "rebuild", "store", "query-rdflib", "query-http", "http-pages", "http-sparql", "memory"]

    def results() -> dict[str, Any]:
        figures = sorted(cfg.figures, key=lambda f: order.index(f.key) if f.key in order else 99)
        return {"mode": cfg.mode, "plans": cfg.plans, "scale": cfg.scale, "workers": cfg.workers,
                "machine": machine(), "steps_seconds": steps, "figures": [asdict(f) for f in figures],
                "details": {k: v for k, v in cfg.extra.items() if k not in ("peer_store", "everything")}}

    class Stop(Exception):
        pass

    state = cfg.workdir / "state.json"  # what later steps need from earlier ones, for --from

    def keep_state() -> None:
        state.write_text(json.dumps({k: cfg.extra[k] for k in STATE if k in cfg.extra}), encoding="utf-8")

    def step(name: str, fn: Any, *args: Any) -> Any:
        t = time.perf_counter()
        out = fn(*args)
        steps[name] = time.perf_counter() - t
        keep_state()
        if save:
            save(results())
        if name == cfg.stop_after:
            raise Stop
        return out

    def skip(name: str) -> bool:
        return bool(cfg.start_from) and STEPS.index(name) < STEPS.index(cfg.start_from)

    datasets, bad = cfg.workdir / "datasets", cfg.workdir / "datasets-violations"
    release = (cfg.workdir / "public").resolve()
    if cfg.start_from:
        if state.is_file():
            cfg.extra.update(json.loads(state.read_text(encoding="utf-8")))
        missing = _missing(cfg, datasets, bad, release)
        if missing:
            raise SystemExit(f"--from {cfg.start_from}: {cfg.workdir} does not hold what the earlier "
                             f"steps leave (missing {', '.join(missing)}); run them first")
    try:
        if not skip("corpus"):
            datasets, bad = step("corpus", corpus, cfg)
        if not skip("rebuild"):
            release = step("rebuild", rebuild, cfg, datasets)
        if not skip("validation"):
            step("validation", validation, cfg, datasets, bad)
        if not skip("memory"):
            step("memory", memory, cfg, datasets)
        if not skip("store"):
            step("store", store_load, cfg, release)
    except Stop:
        return results()

    def serve() -> None:
        if cfg.skip_http:
            queries(cfg, release, None)
            return
        with Servers(cfg, release) as servers:
            queries(cfg, release, servers)
            http(cfg, release, servers)

    step("queries+http", serve)
    shutil.rmtree(cfg.extra.pop("peer_store"), ignore_errors=True)
    Path(cfg.extra.pop("everything")).unlink(missing_ok=True)
    keep_state()
    return results()


def table(results: dict[str, Any]) -> str:
    """The figures as a Markdown table."""
    lines = ["| figure | ours | peer | ratio | target | met | agree | peer is |",
             "|---|---:|---:|---:|---|---|---|---|"]

    def num(x: float | None, unit: str) -> str:
        if x is None:
            return "—"
        return f"{x:,.3g} {unit}" if x < 100 else f"{x:,.0f} {unit}"

    for f in results["figures"]:
        ratio = "—" if f["ratio"] is None else f"{f['ratio']:.2f}×"
        met = {True: "yes", False: "**no**", None: "—"}[f["met"]]
        agree = {True: "yes", False: "**no**", None: "—"}[f["agree"]]
        lines.append(f"| {f['what']} | {num(f['ours'], f['unit'])} | {num(f['peer'], f['unit'])} | {ratio} | "
                     f"{f['target']} | {met} | {agree} | {f['peer_name']} |")
    lines.append("")
    lines.extend(f"- {f['what']}: {f['note']}" for f in results["figures"] if f["note"])
    return "\n".join(lines)
