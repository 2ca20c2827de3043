"""``python -m bench --mode small|full``: run the benchmark, print the table, write JSON.

small: 10 small synthetic plans (--scale 0.25), every comparison, under two minutes (CI's
smoke test);
full: the national corpus of 1,788 plans (``--plans`` to change it; 17,880 is the 10× stress
corpus). Results go to bench/out/results-<mode>.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .suite import STEPS, Config, GiB, run_suite, table

OUT = Path(__file__).resolve().parent / "out"
MODES = {"small": 10, "full": 1788}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--mode", choices=sorted(MODES), default="small")
    p.add_argument("--plans", type=int, help="number of synthetic plans (default: 20 small, 1788 full)")
    p.add_argument("--scale", type=float, help="plan size factor (default: 0.25 small, 1 full)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="build and validation processes")
    p.add_argument("--workdir", type=Path, help="where the corpus and builds go (default: bench/out/<mode>)")
    p.add_argument("--naive-timeout", type=float, default=1800.0,
                   help="seconds after which a naive baseline is stopped (its ratio is then a lower bound)")
    p.add_argument("--naive-memory-gib", type=float, default=18.0,
                   help="address-space cap of a naive baseline, in GiB")
    p.add_argument("--rdflib-max-quads", type=int, default=1_000_000,
                   help="above this many quads, comparison 4a runs on a sample of whole plans this "
                   "size, on both sides (rdflib cannot hold a national store)")
    p.add_argument("--rdflib-timeout", type=float, default=60.0,
                   help="seconds the rdflib query mix may take in all once its data is loaded "
                   "(unfinished queries count as taking the rest: a lower bound)")
    p.add_argument("--json", type=Path, help="where to write the results (default: bench/out/results-<mode>.json)")
    p.add_argument("--validate-plans", type=int, default=None,
                   help="run comparison 1 on a sample of this many plans (default: all in small "
                   "mode, 200 in full mode, where the naive run cannot hold the national corpus)")
    p.add_argument("--no-http", action="store_true", help="skip the HTTP comparisons (4b, 5)")
    p.add_argument("--stop-after", choices=STEPS, default="",
                   help="run the steps up to this one only (e.g. rebuild: the corpus, then figure 2)")
    p.add_argument("--from", dest="start_from", choices=STEPS, default="",
                   help="start at this step, on the corpus and release an earlier run left in the "
                   "work folder (e.g. --from store: figures 3, 4 and 5 again)")
    a = p.parse_args(argv)
    plans = a.plans or MODES[a.mode]
    workdir = a.workdir or OUT / a.mode
    scale = a.scale or (0.25 if a.mode == "small" else 1.0)
    cfg = Config(a.mode, plans, workdir, a.workers, scale=scale, naive_timeout=a.naive_timeout,
                 naive_memory=int(a.naive_memory_gib * GiB), rdflib_max_quads=a.rdflib_max_quads,
                 rdflib_timeout=a.rdflib_timeout,
                 skip_http=a.no_http, stop_after=a.stop_after, start_from=a.start_from)
    cfg.validate_plans = a.validate_plans if a.validate_plans is not None else (200 if a.mode == "full" else 0)
    if a.mode == "full":
        cfg.query_repeats, cfg.http_requests, cfg.http_concurrency = 3, 2000, 8
    else:
        cfg.query_repeats, cfg.http_requests = 3, 120
        cfg.rdflib_timeout = min(cfg.rdflib_timeout, 10.0)
    target = a.json or OUT / f"results-{a.mode}.json"
    target.parent.mkdir(parents=True, exist_ok=True)

    def save(results: dict) -> None:
        target.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")

    results = run_suite(cfg, save)
    save(results)
    print(table(results))
    print(f"\n{plans} plans; results written to {target}")
    disagree = [f["what"] for f in results["figures"] if f["agree"] is False]
    if disagree:
        print("the two sides disagree: " + "; ".join(disagree), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
