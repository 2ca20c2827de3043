"""``python -m publisher.synth OUT [--plans N] [--seed S] [--scale X] [--violations K]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import generate


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m publisher.synth",
                                description="Write synthetic plan folders (【合成】, never real plans) "
                                "for benchmarks: the registry's 1,788 local governments by default; --plans 17880 "
                                "for the 10x stress corpus.")
    p.add_argument("out", type=Path, help="folder to write the plan folders into")
    p.add_argument("--plans", type=int, default=1788, help="number of plans (default: 1788)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiply policies, measures and indicators per plan (default: 1)")
    p.add_argument("--violations", type=int, default=0,
                   help="inject this many deliberate SHACL violations (default: 0)")
    a = p.parse_args(argv)
    folders = generate(a.out, a.plans, a.seed, a.scale, a.violations)
    print(f"wrote {len(folders)} synthetic plans under {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
