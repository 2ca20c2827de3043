"""``python -m bench.pages --out PUBLIC``: the served site's figures on one publication.

Starts ``planlod serve`` on the publication (a fresh process: empty page cache, cold store),
then measures, with ``--concurrency`` clients in flight (8 by default):

- every page kind on its first request (plan, element, indicator, municipality, prefecture,
  dataset, concept, SDG goal and target, for a sample of ``--plans`` plans): p50 and p95 per
  kind and over all;
- the same pages again, now answered from the page cache;
- ``/search.json`` for words that are common, rare and absent, and one common character, each
  asked once (first request) and again (cached);
- ``/compare`` (whole country and one prefecture), first and cached.

The figures are wall-clock times from the client on this machine: run it with nothing else
running. Nothing here is a test; results are printed as Markdown and written as JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, unquote

import httpx

from .loadgen import load, percentile, wait_up
from .suite import _free_port, env

BASE = "https://w3id.org/mplan/id/"
REGISTRY = Path(__file__).resolve().parents[1] / "publisher" / "registry" / "local-governments.csv"
SEARCH_WORDS = ("防災", "子育て支援", "幸福度", "まちづくり", "観光", "健康", "zzqxw", "存在しない語句", "市")
# kinds of pages, as bench reports them, by the first segment(s) of their paths
KINDS = (("element", re.compile(r"^/plan/[^/]+/element/")), ("indicator", re.compile(r"^/plan/[^/]+/indicator/")),
         ("plan", re.compile(r"^/plan/[^/]+$")), ("prefecture", re.compile(r"^/municipality/\d{2}000\d$")),
         ("municipality", re.compile(r"^/municipality/\d{6}$")),
         ("dataset", re.compile(r"^/dataset/")), ("SDG target", re.compile(r"^/sdg/\d+\.")),
         ("SDG goal", re.compile(r"^/sdg/\d+$")), ("concept", re.compile(r"^/def/")))


def kind_of(path: str) -> str:
    return next((name for name, pattern in KINDS if pattern.search(path)), "other")


def sample_paths(release: Path, plans: int) -> list[str]:
    """Pages of every kind for a sample of ``plans`` plans spread over the country."""
    with REGISTRY.open(encoding="utf-8") as f:
        prefecture = {row["code"]: row["prefecture_code"] for row in csv.DictReader(f)}
    found = sorted(p.stem for p in (release / "downloads" / "plans").glob("*.nq"))
    pick = found[:: max(1, len(found) // plans)][:plans]
    paths: list[str] = []
    for n, pid in enumerate(pick):
        text = (release / "downloads" / "plans" / f"{pid}.nq").read_text(encoding="utf-8")
        paths += [f"/plan/{pid}", f"/dataset/{pid}"]
        for kind in ("element", "indicator"):
            hit = re.search(rf"<{re.escape(BASE)}(plan/{re.escape(pid)}/{kind}/[^/>]+)>", text)
            if hit:
                paths.append("/" + hit.group(1))
        muni = re.search(rf"<{re.escape(BASE)}municipality/(\d{{6}})>", text)
        if muni:
            code = muni.group(1)
            paths += [f"/municipality/{code}", f"/municipality/{prefecture[code]}"]
        paths += [f"/sdg/{n % 17 + 1}", f"/sdg/{n % 17 + 1}.1"]
    paths += ["/def/level/measure", "/def/local-government-kind/city", "/def/policy-domain"]
    return list(dict.fromkeys(paths))


def _summary(latencies: list[float]) -> dict[str, float | int]:
    return {"n": len(latencies), "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 95) * 1000, 1),
            "max_ms": round(max(latencies) * 1000, 1) if latencies else float("nan")}


def _timed(client: httpx.Client, url: str) -> tuple[float, int, int]:
    t = time.perf_counter()
    r = client.get(url)
    return time.perf_counter() - t, r.status_code, len(r.content)


def _pages(origin: str, paths: list[str], concurrency: int) -> dict:
    """First requests (each page once, ``concurrency`` in flight), then the cached ones."""
    out: dict = {"first": {}, "cached": {}}
    for phase in ("first", "cached"):
        per_kind: dict[str, list[float]] = {}
        every: list[float] = []
        errors = 0
        for kind in dict.fromkeys(kind_of(p) for p in paths):
            urls = [(origin + p, {"Accept": "text/html"}) for p in paths if kind_of(p) == kind]
            run = load(urls, len(urls), min(concurrency, len(urls)), 600)
            per_kind[kind] = run.latencies
            every += run.latencies
            errors += run.errors
        out[phase] = {"all": _summary(every), "errors": errors,
                      **{k: _summary(v) for k, v in per_kind.items()}}
    return out


def _views(origin: str) -> dict:
    out: dict = {}
    with httpx.Client(timeout=120) as client:
        urls = [f"/search.json?q={quote(w)}" for w in SEARCH_WORDS]
        urls += ["/compare.json", "/compare", "/compare.json?prefecture=130001"]
        for path in urls:
            first, status, size = _timed(client, origin + path)
            again = statistics.median(_timed(client, origin + path)[0] for _ in range(3))
            total = None
            if path.startswith("/search") and status == 200:
                total = client.get(origin + path).json().get("total")
            out[path] = {"status": status, "bytes": size, "first_ms": round(first * 1000, 1),
                         "cached_ms": round(again * 1000, 1), "hits": total}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="the publication (planlod build --out)")
    ap.add_argument("--plans", type=int, default=20, help="plans sampled for the page kinds (default: 20)")
    ap.add_argument("--concurrency", type=int, default=8, help="clients in flight (default: 8)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    release = args.out.resolve()
    port = _free_port()
    origin = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "publisher", "--out", str(args.out), "serve",
                               "--port", str(port)], env=env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        if not wait_up(origin + "/healthz", 120):
            print("the server did not start", file=sys.stderr)
            return 1
        paths = sample_paths(release, args.plans)
        results = {"publication": str(release), "pages": _pages(origin, paths, args.concurrency),
                   "views": _views(origin), "concurrency": args.concurrency, "paths": len(paths)}
    finally:
        server.terminate()
        server.wait(30)
    print(markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


def markdown(results: dict) -> str:
    lines = [f"Pages ({results['paths']} paths, {results['concurrency']} clients in flight):", "",
             "| kind | n | first p50 ms | first p95 ms | cached p50 ms | cached p95 ms |",
             "|---|---:|---:|---:|---:|---:|"]
    first, cached = results["pages"]["first"], results["pages"]["cached"]
    for kind in [k for k in first if k != "errors"]:
        f, c = first[kind], cached.get(kind, {})
        lines.append(f"| {kind} | {f['n']} | {f['p50_ms']} | {f['p95_ms']} | {c.get('p50_ms')} | {c.get('p95_ms')} |")
    lines += ["", f"errors: first {first['errors']}, cached {cached['errors']}", "",
              "| view | status | hits | first ms | cached ms (median of 3) |", "|---|---:|---:|---:|---:|"]
    for path, v in results["views"].items():
        lines.append(f"| `{unquote(path)}` | {v['status']} | {v['hits'] if v['hits'] is not None else ''} | "
                     f"{v['first_ms']} | {v['cached_ms']} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
