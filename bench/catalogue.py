"""Profile the query catalogue on one store: first and second run of each query, default parameters.

A benchmark, not a test: it prints a Markdown table (rows, first run, second run) for
bench/RESULTS.md and asserts nothing. Each query runs in a child process that opens the store
read-only, so a query that passes ``--timeout`` is stopped and reported as such, and a big
store is never written to.

    python -m bench.catalogue --store /work/national/public/store
    python -m bench.catalogue --store public/store --only plans --only coverage
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from publisher import queries


def _time_twice(store_dir: str, name: str, folder: Path, conn) -> None:  # noqa: ANN001 (a Connection)
    """In the child: open the store, run the query twice, send (rows, first s, second s)."""
    store = ox.Store.read_only(store_dir)
    query = queries.get(name, folder)
    times, rows = [], 0
    for _ in range(2):
        start = time.perf_counter()
        rows = sum(1 for _solution in queries.run(store, query))
        times.append(time.perf_counter() - start)
    conn.send((rows, times[0], times[1]))


def profile(store_dir: Path, name: str, timeout: float, folder: Path = queries.QUERIES) -> tuple[int | None, float | None, float | None]:
    """(rows, first run s, second run s) of one query; ``None`` for what did not finish in time."""
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_time_twice, args=(str(store_dir), name, folder, child))
    proc.start()
    result = parent.recv() if parent.poll(timeout) else (None, None, None)
    proc.kill()
    proc.join()
    return result


def _seconds(value: float | None, timeout: float) -> str:
    return f"> {timeout:.0f}" if value is None else f"{value:.2f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.catalogue", description=__doc__.splitlines()[0])
    p.add_argument("--store", type=Path, required=True, help="an Oxigraph store folder (opened read-only)")
    p.add_argument("--queries", type=Path, default=queries.QUERIES,
                   help="the folder of .rq files (default: the catalogue, queries/), e.g. an older version's")
    p.add_argument("--only", action="append", default=[], metavar="NAME", help="time only this query (repeatable)")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds both runs of one query may take together (default: 120)")
    args = p.parse_args(argv)
    names = args.only or [q.name for q in queries.catalogue(args.queries)]
    print(f"Store: {args.store}\n")
    print("| query | rows | first run s | second run s |\n|---|---:|---:|---:|")
    for name in names:
        rows, first, second = profile(args.store, name, args.timeout, args.queries)
        print(f"| `{name}` | {'—' if rows is None else rows} | {_seconds(first, args.timeout)} "
              f"| {_seconds(second, args.timeout)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
