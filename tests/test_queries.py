"""The query catalogue (queries/*.rq): every query runs on a real build of the seed corpus and
gives its expected answer (tests/queries/<case>.json, compared as multisets of rows); every
query is documented in Japanese and English, listed in docs/queries.md and runnable from the CLI.

To regenerate the expected answers after a deliberate change (then read the diff!):

    PLANLOD_REGENERATE=1 .venv/bin/python -m pytest tests/test_queries.py
"""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

import publisher.queries as queries

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = Path(__file__).resolve().parent / "queries"
DOC = ROOT / "docs" / "queries.md"
BEGIN, END = "<!-- catalogue:begin -->", "<!-- catalogue:end -->"

#: Parameter values tested besides each query's defaults. old-baselines is tested only with a
#: fixed ?asOf: its default is the current year, so its answer changes with the calendar.
CASES: dict[str, list[dict[str, str]]] = {
    "old-baselines": [{"asOf": "2026"}, {"asOf": "2028"}],
    "plans-ending-in": [{}, {"year": "2030"}],
    "sdg-links": [{}, {"basis": "declared"}, {"basis": "curated"}],
    "sdg-goal-items": [{}, {"goal": "4"}],
    "sdg-goal-departments": [{}, {"goal": "16"}],
    "policies-in-domain": [{}, {"domain": "environment"}],
    "suggestions-to-review": [{}, {"minScore": "0.75"}],
}


def cases() -> list[tuple[str, dict[str, str]]]:
    return [(q.name, params) for q in queries.catalogue() for params in CASES.get(q.name, [{}])]


def case_file(name: str, params: dict[str, str]) -> Path:
    suffix = "".join(f".{k}-{v}" for k, v in sorted(params.items()))
    return EXPECTED / f"{name}{suffix}.json"


def answer(store: ox.Store, name: str, params: dict[str, str]) -> dict:
    solutions = queries.run(store, queries.get(name), params)
    columns = [v.value for v in solutions.variables]
    rows = [[None if s[c] is None else s[c].value for c in columns] for s in solutions]
    return {"query": name, "params": params, "columns": columns, "rows": rows}


@pytest.fixture(scope="module")
def store(seed_publication: Path) -> ox.Store:
    return ox.Store.read_only(str(seed_publication.resolve() / "store"))


@pytest.mark.parametrize(("name", "params"), cases(), ids=lambda x: x if isinstance(x, str) else
                         ",".join(f"{k}={v}" for k, v in x.items()) or "defaults")
def test_query_gives_its_expected_answer(store: ox.Store, name: str, params: dict[str, str]) -> None:
    got = answer(store, name, params)
    path = case_file(name, params)
    if os.environ.get("PLANLOD_REGENERATE"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    assert path.is_file(), f"no expected answer {path.name}: run with PLANLOD_REGENERATE=1 and check it"
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert got["columns"] == expected["columns"]
    assert Counter(map(tuple, got["rows"])) == Counter(map(tuple, expected["rows"]))


def test_every_expected_answer_belongs_to_a_case() -> None:
    wanted = {case_file(n, p).name for n, p in cases()}
    assert {p.name for p in EXPECTED.glob("*.json")} == wanted


def test_the_catalogue_has_at_least_15_documented_queries() -> None:
    found = queries.catalogue()
    assert len(found) >= 15
    for q in found:
        for lang in ("ja", "en"):
            assert q.title[lang] and q.description[lang], q.name
        for p in q.params:
            assert f"?{p.name}" in q.text.split("SELECT", 1)[1].split("WHERE", 1)[0], \
                f"{q.name}: a parameter must be projected so that it can be substituted"


def test_docs_list_the_catalogue() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split(BEGIN, 1)[1].split(END, 1)[0]
    assert section.strip() == queries.markdown().strip(), "run: python -m publisher.queries"


def test_queries_module_examples() -> None:
    assert doctest.testmod(queries).failed == 0


def test_planlod_query_runs_a_catalogue_query(seed_publication: Path) -> None:
    def planlod(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "publisher", "--out", str(seed_publication), *args],
                              capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                              timeout=120)

    listed = planlod("query", "--list")
    assert "happiness-targets\t" in listed.stdout
    csv = planlod("query", "plans-ending-in", "--param", "year=2032")
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines()[0] == "year,city,plan,title,start,end,periodAsWritten"
    assert len(csv.stdout.splitlines()) == 3  # 塩尻市 and 安曇野市
    table = planlod("query", "happiness-targets", "--format", "table")
    assert table.returncode == 0 and "市民幸福度" in table.stdout and "(2 rows)" in table.stdout
    bad = planlod("query", "plans-ending-in", "--param", "year=20x2")
    assert bad.returncode == 2 and "xsd:gYear" in bad.stderr and "Traceback" not in bad.stderr
