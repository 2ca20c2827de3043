"""The benchmark's small mode runs end to end and both sides of every comparison agree.

No timing is asserted: ratios depend on the machine (bench/RESULTS.md has the full mode's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from publisher.fiscal import code_is_valid
from publisher.synth import MARK, generate, municipalities

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"validation", "rebuild", "store", "query-rdflib", "query-http", "http-pages", "http-sparql",
        "memory"}


def test_generator_is_deterministic_valid_and_marked(tmp_path: Path) -> None:
    people = municipalities()
    assert len(people) == 1788 and len({m.code for m in people}) == 1788
    assert all(code_is_valid(m.code) for m in people)
    a = generate(tmp_path / "a", 3, scale=0.2)
    b = generate(tmp_path / "b", 3, scale=0.2)
    for fa, fb in zip(a, b, strict=True):
        assert {p.name: p.read_bytes() for p in fa.iterdir()} == {p.name: p.read_bytes() for p in fb.iterdir()}
        plan = (fa / "plan.yaml").read_text(encoding="utf-8")
        assert MARK in plan and "合成データ" in plan  # never mistaken for a real plan


def test_small_benchmark_runs_and_agrees(tmp_path: Path) -> None:
    env = {**os.environ, "CI": "1"}
    proc = subprocess.run([sys.executable, "-m", "bench", "--mode", "small", "--workdir", str(tmp_path),
                           "--json", str(tmp_path / "results.json")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in results["figures"]}
    assert set(figures) == KEYS
    for key, f in figures.items():
        assert f["ours"] is not None and f["peer"] is not None, key
        assert f["agree"] is not False, (key, f["note"])
    assert figures["validation"]["agree"] is True
    assert results["details"]["validation"]["violations_found"] >= 6
