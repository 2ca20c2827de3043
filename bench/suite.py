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
    rdflib_max_quads: int = 3_000_000
    rdflib_timeout: float = 60.0  # seconds the whole rdflib query mix may take
    skip_http: bool = False
    validate_plans: int = 0  # comparison 1 on a sample of this many plans (0: the whole corpus)
    stop_after: str = ""  # the last step to run (one of STEPS; empty: every step)
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
    return {"nproc": os.cpu_count(), "memory_bytes": mem, "cpu": cpu, "python": platform.python_version(),
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


# -- 4. queries and 5. HTTP -----------------------------------------------------------------------

def query_mix(release: Path) -> list[tuple[str, str]]:
    """The example queries of the query page, and the queries a resource page runs."""
    from publisher.web.examples import load_examples

    mix = [(e.name, e.query) for e in load_examples()]
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
    return sum(1 for _ in result) if not isinstance(result, bool) else 1


def _times(fn: Any, mix: list[tuple[str, str]], repeats: int) -> tuple[list[float], dict[str, int]]:
    times, counts = [], {}
    for _ in range(repeats):
        for name, q in mix:
            t = time.perf_counter()
            counts[name] = fn(q)
            times.append(time.perf_counter() - t)
    return times, counts


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
                   "--port", str(self.ours_port)), cwd=ROOT, env=env(), stdout=log, stderr=log))
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

    mix = query_mix(release)
    store = pyoxigraph.Store.read_only(str(release / "store"))

    def embedded(q: str) -> int:
        return _rows(store.query(q, use_default_graph_as_union=True))

    emb_times, emb_counts = _times(embedded, mix, cfg.query_repeats)
    everything = Path(cfg.extra["everything"])
    quads = sum(1 for _ in everything.open("rb"))
    p50 = statistics.median(emb_times)
    out: dict[str, Any] = {"embedded": {"p50": p50, "p95": percentile(emb_times, 95)},
                           "queries": [n for n, _ in mix]}
    if quads <= cfg.rdflib_max_quads:
        mix_file, out_file = cfg.workdir / "mix.json", cfg.workdir / "rdflib-queries.jsonl"
        mix_file.write_text(json.dumps(mix, ensure_ascii=False), encoding="utf-8")
        r = run(python("-m", "bench.naive", "rdflib-queries", str(everything),
                       str(mix_file), str(out_file)), cwd=ROOT, env=env(), timeout=cfg.rdflib_timeout)
        done = [json.loads(ln) for ln in out_file.read_text(encoding="utf-8").splitlines()] \
            if out_file.is_file() else []
        # a query still running when the time ran out counts as having taken all that was left
        rdf_times = [t for _, t, _ in done] + [max(0.0, cfg.rdflib_timeout - sum(t for _, t, _ in done))] * \
            (len(mix) - len(done))
        rdf_counts = {n: c for n, _, c in done}
        emb_once = {n: emb_counts[n] for n, _, _ in done}
        r50 = statistics.median(rdf_times)
        ratio = r50 / p50
        agree = rdf_counts == emb_once
        unfinished = [n for n, _ in mix if n not in rdf_counts]
        out["rdflib"] = {"p50": r50, "p95": percentile(rdf_times, 95), "counts_agree": agree,
                         "unfinished": unfinished, "timed_out": r.timed_out}
        note = f"{len(mix)} queries; p95 ours {percentile(emb_times, 95) * 1000:.1f} ms, " \
               f"rdflib {percentile(rdf_times, 95) * 1000:.0f} ms"
        if unfinished:
            note += (f"; rdflib stopped after {cfg.rdflib_timeout:.0f} s with {len(unfinished)} queries "
                     f"unfinished ({', '.join(unfinished)}): its figures are lower bounds")
        cfg.figures.append(Figure("query-rdflib", "4a. query mix p50 (embedded store)", p50 * 1000, r50 * 1000,
                                  "ms", "rdflib SPARQL on the same data", ratio, "≥ 20×", ratio >= 20, agree,
                                  note))
    else:
        cfg.figures.append(Figure("query-rdflib", "4a. query mix p50 (embedded store)", p50 * 1000, None, "ms",
                                  "rdflib SPARQL on the same data", None, "≥ 20×", None, None,
                                  f"rdflib not run: {quads:,} quads is beyond --rdflib-max-quads"))
    if servers is not None:
        with httpx.Client(timeout=60.0) as client:
            ours_t, ours_c = _times(lambda q: _http_count(client, servers.ours + "/sparql", q), mix, cfg.query_repeats)
            peer_t, peer_c = _times(lambda q: _http_count(client, servers.peer + "/query", q), mix, cfg.query_repeats)
        o50, x50 = statistics.median(ours_t), statistics.median(peer_t)
        overhead = o50 / x50
        agree = {k: v for k, v in ours_c.items() if not k.startswith("page-describe")} == \
                {k: v for k, v in peer_c.items() if not k.startswith("page-describe")}
        out["http"] = {"ours_p50": o50, "ours_p95": percentile(ours_t, 95), "peer_p50": x50,
                       "peer_p95": percentile(peer_t, 95), "ours_counts": ours_c, "peer_counts": peer_c}
        cfg.figures.append(Figure("query-http", "4b. query mix p50 over HTTP (/sparql)", o50 * 1000, x50 * 1000,
                                  "ms", "Oxigraph server /query, same queries", overhead, "≤ 1.2× of peer",
                                  overhead <= 1.2, agree,
                                  f"p95 ours {percentile(ours_t, 95) * 1000:.1f} ms, "
                                  f"peer {percentile(peer_t, 95) * 1000:.1f} ms; SELECT row counts equal: {agree}"))
    cfg.extra["queries"] = out


def http(cfg: Config, release: Path, servers: Servers) -> None:
    plans = sorted(p.stem for p in (release / "downloads" / "plans").glob("*.nq"))
    pick = plans[:: max(1, len(plans) // 20)][:20]
    pages = [(f"{servers.ours}/plan/{pid}", {"Accept": "text/html"}) for pid in pick]
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
    for key, what in (("pages", "5a. HTTP resource pages (HTML)"), ("sparql", "5b. HTTP /sparql DESCRIBE")):
        r = runs[key]
        ratio = r.rps / peer.rps if peer.rps else None
        cfg.figures.append(Figure(
            f"http-{key}", what + ", requests/s", r.rps, peer.rps, "req/s",
            "Oxigraph server, same DESCRIBE", ratio, "(no target)", None, r.errors == 0 and peer.errors == 0,
            f"p95 {percentile(r.latencies, 95) * 1000:.1f} ms vs {percentile(peer.latencies, 95) * 1000:.1f} ms; "
            f"{r.requests} requests, concurrency {c}, errors {r.errors}/{peer.errors}"))


def httpx_url(base: str, query: str) -> Any:
    import httpx

    return httpx.URL(base, params={"query": query})


# -- the whole suite ------------------------------------------------------------------------------

STEPS = ("corpus", "rebuild", "validation", "memory", "store", "queries+http")


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

    def step(name: str, fn: Any, *args: Any) -> Any:
        t = time.perf_counter()
        out = fn(*args)
        steps[name] = time.perf_counter() - t
        if save:
            save(results())
        if name == cfg.stop_after:
            raise Stop
        return out

    try:
        datasets, bad = step("corpus", corpus, cfg)
        release = step("rebuild", rebuild, cfg, datasets)
        step("validation", validation, cfg, datasets, bad)
        step("memory", memory, cfg, datasets)
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
