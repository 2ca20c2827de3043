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

    # --from store: figures 3 and 4a again on what the run left, 4a on a sample of whole plans
    state = json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))
    assert set(state) == {"build"}  # the dump and the peer's store were removed at the end
    proc = subprocess.run([sys.executable, "-m", "bench", "--mode", "small", "--workdir", str(tmp_path),
                           "--json", str(tmp_path / "again.json"), "--from", "store", "--no-http",
                           "--rdflib-max-quads", "1"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    figures = {f["key"]: f for f in again["figures"]}
    assert set(figures) == {"store", "query-rdflib"}
    assert set(again["steps_seconds"]) == {"store", "queries+http"}
    sample = again["details"]["queries"]["sample"]
    assert sample["plans"] == 1 and 0 < sample["quads"] < again["details"]["store"]["quads"]
    assert figures["query-rdflib"]["agree"] is True, figures["query-rdflib"]["note"]
    assert figures["query-rdflib"]["note"].startswith("on a sample of 1 whole plans")


def test_from_refuses_a_work_folder_without_an_earlier_run(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bench", "--mode", "small", "--workdir", str(tmp_path),
                           "--json", str(tmp_path / "r.json"), "--from", "store"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "--from store" in proc.stderr and "run them first" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_capped_adds_the_row_cap_to_selects_only() -> None:
    from bench.suite import capped

    assert capped("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s", 5).rstrip().endswith("ORDER BY ?s\nLIMIT 5")
    assert capped("SELECT * WHERE { ?s ?p ?o } LIMIT 3", 5).count("LIMIT") == 1
    assert capped("DESCRIBE <http://example.org/a>", 5) == "DESCRIBE <http://example.org/a>"


def test_every_example_query_parses_with_the_row_cap() -> None:
    import pyoxigraph

    from bench.suite import capped
    from publisher.web.examples import load_examples

    store = pyoxigraph.Store()
    for example in load_examples():
        q = capped(example.query, 10_000)
        assert ("LIMIT 10000" in q) == ("SELECT" in example.query.upper()), example.name
        store.query(q)  # a syntax error would raise


def test_a_query_over_the_limit_is_stopped_and_the_next_one_still_runs(seed_publication: Path,
                                                                      tmp_path: Path) -> None:
    from bench.suite import Config, run_mix

    cfg = Config("small", 0, tmp_path, 1)
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 7k³ rows
    mix = [("one", "ASK { ?s ?p ?o }"), ("endless", endless), ("plans", "SELECT ?p WHERE { ?p a "
                                                                     "<https://w3id.org/mplan/def#Plan> }")]
    r = run_mix(cfg, "oxigraph", seed_publication.resolve() / "store", mix, per_query=3.0)
    assert r["over"] == ["endless"] and r["unfinished"] == []
    assert [(n, rows) for n, _, rows in r["done"]] == [("one", 1), ("plans", 5)]
    r = run_mix(cfg, "oxigraph", seed_publication.resolve() / "store", mix, total=3.0)
    assert [n for n, _, _ in r["done"]] == ["one"] and r["unfinished"] == ["endless", "plans"]


def test_the_page_timer_serves_every_page_kind_without_error(seed_publication: Path, tmp_path: Path) -> None:
    """bench.pages on the seed publication: a real server, every page kind found in the sample
    and answered 200 on first and cached requests, every view answered (no timing asserted)."""
    from bench import pages

    out = tmp_path / "pages.json"
    assert pages.main(["--out", str(seed_publication), "--plans", "5", "--concurrency", "2", "--json", str(out)]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    first, cached = results["pages"]["first"], results["pages"]["cached"]
    kinds = {name for name, _ in pages.KINDS}
    assert kinds <= set(first) and kinds <= set(cached)
    assert first["errors"] == cached["errors"] == 0
    assert first["all"]["n"] == cached["all"]["n"] == results["paths"]
    assert all(v["status"] == 200 for v in results["views"].values())
    assert results["views"]["/search.json?q=%E9%98%B2%E7%81%BD"]["hits"] > 0
