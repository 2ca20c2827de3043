"""The synthetic corpus names the registry's real local governments (issue 18), and its plans
pass the loader's registry check and SHACL; they still say they are synthetic."""

from __future__ import annotations

import doctest
from pathlib import Path

import publisher.synth.corpus as corpus_module
from publisher.cli import main as planlod
from publisher.load import load_plan
from publisher.registry import registry
from publisher.synth import MARK, municipalities, plan_source, write

# a prefecture (東京都), a special ward (千代田区), a designated city (札幌市), a village (川上村), a town (箕輪町)
SAMPLE = ("130001", "131016", "011002", "203041", "203831")


def test_corpus_doctest() -> None:
    assert doctest.testmod(corpus_module).failed == 0


def test_every_synthetic_plan_names_its_registry_government() -> None:
    reg = registry()
    people = municipalities()
    assert [m.code for m in people] == [g.code for g in reg]  # all 1,788, in code order
    for m in people:
        g = reg[m.code]
        assert (m.name_ja, m.name_en, m.kind) == (g.name, g.name_en, g.kind)
        assert (m.prefecture_ja, m.prefecture_en) == (g.prefecture.name, g.prefecture.name_en)
        plan = plan_source(m, scale=0.05)["plan.yaml"]["plan"]
        assert plan["municipality"] == {"code": g.code, "name": {"ja": g.name, "en": g.name_en},
                                        "prefecture": {"ja": g.prefecture.name, "en": g.prefecture.name_en}}
        assert plan["title"]["ja"].startswith(f"{MARK}第") and plan["title"]["ja"].endswith(f"次{g.name}総合計画")
        assert plan["title"]["en"].startswith("[Synthetic] ")
        assert "合成データ" in plan["note"]["ja"] and "Synthetic data" in plan["note"]["en"]
    tokyo = next(m for m in people if m.code == "130001")
    assert tokyo.prefecture_ja == "東京都" and tokyo.kind == "prefecture"  # a prefecture is its own


def test_a_sample_loads_and_conforms(tmp_path: Path, capsys) -> None:
    by_code = {m.code: m for m in municipalities()}
    kinds = {by_code[c].kind for c in SAMPLE}
    assert kinds == {"prefecture", "special-ward", "designated-city", "town", "village"}
    folders = []
    for code in SAMPLE:
        m = by_code[code]
        folder = tmp_path / m.plan_id
        write(folder, plan_source(m, seed=3, scale=0.1))
        source = load_plan(folder)  # raises SourceError on a registry (or any other) problem
        assert source.plan.data["municipality"]["name"]["ja"] == registry()[code].name
        folders.append(folder)
    assert planlod(["validate", "--quiet", *map(str, folders)]) == 0, capsys.readouterr().out
