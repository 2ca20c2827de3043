"""Time every query of the catalogue on the embedded store of the seed corpus.

A benchmark, not a test: it prints a table (and, with --update-docs, writes it into
docs/queries.md) and asserts nothing. It builds the seed corpus into a temporary folder unless
--out names an existing publication.

    .venv/bin/python bench/queries.py                 # build the seeds, time, print
    .venv/bin/python bench/queries.py --update-docs   # … and write the table into docs/queries.md
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measure import cpu_model  # noqa: E402
from publisher import queries  # noqa: E402
from publisher.build import build  # noqa: E402
from publisher.settings import Settings  # noqa: E402

BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def machine() -> str:
    cpu = cpu_model(platform.processor() or platform.machine())
    return (f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}, pyoxigraph {ox.__version__}")


def time_queries(store_dir: Path, repeat: int) -> list[tuple[str, int, float, float, float]]:
    store = ox.Store.read_only(str(store_dir))
    out = []
    for q in queries.catalogue():
        rows = len(list(queries.run(store, q)))  # warm-up, and the answer's size
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            for _solution in queries.run(store, q):
                pass
            times.append((time.perf_counter() - start) * 1000)
        out.append((q.name, rows, min(times), statistics.median(times), max(times)))
    return out


def markdown(results: list[tuple[str, int, float, float, float]], repeat: int, triples: str) -> str:
    lines = [f"`bench/queries.py` on {datetime.date.today().isoformat()}: the seed corpus ({triples}) "
             f"on the embedded store, each query run {repeat} times after one warm-up run, "
             "default parameters, all solutions read.", "", f"Machine: {machine()}.", "",
             "| query | rows | min ms | median ms | max ms |", "|---|---:|---:|---:|---:|"]
    for name, rows, lo, med, hi in results:
        lines.append(f"| `{name}` | {rows} | {lo:.1f} | {med:.1f} | {hi:.1f} |")
    slowest = max(r[4] for r in results)
    lines += ["", f"Slowest single run: {slowest:.1f} ms (the goal is under 1 second each)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, help="an existing publication (default: build the seeds)")
    p.add_argument("--repeat", type=int, default=20, help="timed runs per query (default: 20)")
    p.add_argument("--update-docs", action="store_true", help="write the table into docs/queries.md")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out
        if out is None:
            out = Path(tmp) / "public"
            build(Settings(datasets=ROOT / "datasets", out=out, cache_dir=Path(tmp) / "cache",
                           progress=False))
        store_dir = out.resolve() / "store"
        triples = f"{len(ox.Store.read_only(str(store_dir))):,} quads"
        results = time_queries(store_dir, args.repeat)
    text = markdown(results, args.repeat, triples)
    print(text, end="")
    if args.update_docs:
        doc = ROOT / "docs" / "queries.md"
        head, rest = doc.read_text(encoding="utf-8").split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        doc.write_text(f"{head}{BEGIN}\n{text}{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
