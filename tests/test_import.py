"""`planlod import`: drafts of the seeds against the hand transcriptions, re-laid-out texts,
provenance, the report, --update, errors, and SHACL results located in the source."""

from __future__ import annotations

import re
import shutil
import unicodedata
from pathlib import Path

import pytest
import yaml

from publisher.cli import main
from publisher.importer.accuracy import SEEDS, markdown, measure, measure_seeds
from publisher.importer.run import import_plan
from publisher.importer.text import key
from publisher.load import load_plan
from publisher.locate import Locator
from publisher.namespaces import MPLAN, Iris

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "import"
#: Texts that re-lay-out seed content (other numbering, table layouts, era notations), and the
#: transcription of the seed whose content they hold.
RELAID = [("nagasaki-relaid.txt", "422011", "422011-nagasaki-2025"),
          ("aomori-relaid.txt", "022012", "022012-aomori-next"),
          ("shiojiri-relaid.txt", "202151", "202151-shiojiri-6")]
AZUMINO = "001_4fcbf6aef48e6702.txt"


def _yaml(folder: Path, name: str) -> dict:
    return yaml.safe_load((folder / name).read_text(encoding="utf-8"))


def _flat(text: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def drafts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every seed imported from its text into one datasets-like folder."""
    from shared_files import shared_path

    seeds = shared_path("seeds")
    out = tmp_path_factory.mktemp("drafts")
    for code, seed, _, _ in SEEDS:
        import_plan(seeds / seed, code, out / f"{code}-draft")
    import_plan(seeds / AZUMINO, "202207", out / "202207-draft")
    return out


def test_accuracy_table_is_the_one_in_the_docs(shared, tmp_path):
    table = measure_seeds(shared, tmp_path)
    assert markdown(table) in (ROOT / "docs" / "import.md").read_text(encoding="utf-8"), \
        "docs/import.md does not show the accuracy the test measures: run python -m publisher.importer.accuracy"
    for name, scores in table.items():
        for measure_name, score in scores.items():
            assert score.recall >= 0.9 and score.precision >= 0.9, (name, measure_name, score)


@pytest.mark.parametrize("fixture,code,dataset", RELAID)
def test_texts_laid_out_differently(tmp_path, fixture, code, dataset):
    out = tmp_path / f"{code}-relaid"
    import_plan(FIXTURES / fixture, code, out)
    for measure_name, score in measure(out, ROOT / "datasets" / dataset).items():
        assert score.recall >= 0.8 and score.precision >= 0.8, (fixture, measure_name, score)


def test_accuracy_measure_sees_a_misplaced_element(drafts, tmp_path):
    """The measure is not blind: moving one policy under another goal lowers 'placed' only."""
    folder = tmp_path / "422011-moved"
    shutil.copytree(drafts / "422011-draft", folder)
    elements = folder / "elements.yaml"
    text = elements.read_text(encoding="utf-8")
    assert "parent: h1\n" in text
    elements.write_text(text.replace("parent: h1\n", "parent: h2\n", 1), encoding="utf-8")
    scores = measure(folder, ROOT / "datasets" / "422011-nagasaki-2025")
    assert scores["found"].recall == 1.0
    assert scores["placed"].recall < 1.0 and scores["placed"].precision < 1.0


def test_drafts_validate_and_list_what_to_review(drafts, tmp_path, capsys):
    code = main(["--cache-dir", str(tmp_path / "cache"), "--no-progress", "validate", str(drafts)])
    out = capsys.readouterr().out
    assert code == 0, out
    # 青森市's goals are read from numbered items on one line: marked, and listed with file and line
    review = re.search(r"Review: (\S*022012-draft/elements\.yaml):(\d+):\d+ \(/elements/(\d+)/source/review\)", out)
    assert review, out
    lines = Path(review.group(1)).read_text(encoding="utf-8").splitlines()
    assert lines[int(review.group(2)) - 1].strip().startswith("review:")


def test_provenance_points_at_the_line_that_says_it(drafts, shared):
    for code, seed, _, _ in SEEDS:
        source = (shared / "seeds" / seed).read_text(encoding="utf-8").splitlines()
        for e in _yaml(drafts / f"{code}-draft", "elements.yaml")["elements"]:
            line = key(source[e["source"]["line"] - 1])
            named_by_code = e.get("code") and key(e["code"]) in line and key(e["title"])[:2] in line
            assert key(e["title"]) in line or named_by_code, (code, e["id"], line)
            assert 0 < e["source"]["confidence"] <= 1


def test_nothing_is_invented(drafts, shared):
    """Every value, year and unit is in the document; no SDG is declared by any seed."""
    for code, seed, _, _ in SEEDS:
        document = _flat((shared / "seeds" / seed).read_text(encoding="utf-8"))
        for folder_file in ("elements.yaml", "indicators.yaml"):
            assert "sdg:" not in (drafts / f"{code}-draft" / folder_file).read_text(encoding="utf-8")
        for ind in _yaml(drafts / f"{code}-draft", "indicators.yaml")["indicators"]:
            assert key(ind["title"]) in key(document)  # footnote marks (*) aside
            for v in ind.get("values", []):
                assert _flat(v["text"]) in document, v
                assert str(v["value"]) in _flat(v["text"]).replace(",", ""), v
                if "fiscal_year" in v:
                    assert _flat(str(v["fiscal_year"])) in document, v
            if "unit" in ind:
                assert all(ind["unit"] in _flat(v["text"]) for v in ind["values"]), ind
            if "direction" in ind:
                assert "inferred" in ind["direction_basis"]


def test_a_plan_without_hierarchy_says_so_and_keeps_period_and_schedule(drafts):
    folder = drafts / "202207-draft"
    plan = _yaml(folder, "plan.yaml")
    assert _yaml(folder, "elements.yaml")["elements"] == []
    assert "no hierarchy" in plan["plan"]["note"]
    assert plan["plan"]["status"] == "policy"
    assert plan["plan"]["period"]["start"] == "令和10年度" and plan["plan"]["period"]["end"] == "令和14年度"
    sessions = plan["events"]
    assert [s["sequence"] for s in sessions] == list(range(1, 9))
    assert sessions[0]["date"] == "R8. 5月14日" and sessions[0]["agenda"] == "諮問"
    assert sessions[-1]["agenda"] == "答申"


def test_report_lists_unplaced_lines_and_unreadable_values(tmp_path, capsys):
    assert main(["import", str(FIXTURES / "unreadable-values.txt"), "--code", "152021",
                 "--out", str(tmp_path / "152021-x")]) == 0
    out = capsys.readouterr().out
    assert "p.1 l.11: ■ 担当課との調整事項" in out
    assert "p.1 l.8: 健康診断の受診率 [baseline] 「調査中」" in out
    assert "p.1 l.9: 健康教室の参加者数 [target] 「増加」" in out
    values = _yaml(tmp_path / "152021-x", "indicators.yaml")["indicators"]
    assert [[v["kind"] for v in i["values"]] for i in values] == [["target"], ["baseline"]]


def test_update_writes_a_diff_beside_the_folder_and_changes_nothing(tmp_path, shared, capsys):
    seed = shared / "seeds" / "002_aee263bc375defbd.txt"
    folder = tmp_path / "422011-nagasaki"
    import_plan(seed, "422011", folder)
    before = {f.name: f.read_bytes() for f in folder.iterdir()}
    revised = tmp_path / "revised.txt"
    revised.write_text(seed.read_text(encoding="utf-8").replace("75.0% (R 7年度)", "80.0% (R 7年度)"),
                       encoding="utf-8")
    assert main(["import", str(revised), "--code", "422011", "--update", str(folder)]) == 0
    diff = (tmp_path / "422011-nagasaki.import.diff").read_text(encoding="utf-8")
    assert "-    value: 75.0\n" in diff and "+    value: 80.0\n" in diff
    assert {f.name: f.read_bytes() for f in folder.iterdir()} == before
    capsys.readouterr()
    assert main(["import", str(revised), "--code", "422011", "--update", str(folder)]) == 2
    assert "never overwritten" in capsys.readouterr().err


@pytest.mark.parametrize("args,ja,en", [
    (["missing.txt", "--code", "422011", "--out", "{tmp}/422011-x"], "ありません", "does not exist"),
    (["{seed}", "--code", "422012", "--out", "{tmp}/422012-x"], "正しくありません", "not a valid local government code"),
    (["{seed}", "--code", "422011", "--out", "{tmp}/exists"], "フォルダ名", "folder's name"),
    (["{seed}", "--code", "422011", "--out", "{tmp}/422011-exists"], "すでにあります", "never overwrites"),
    (["{binary}", "--code", "422011", "--out", "{tmp}/422011-x"], "UTF-8", "UTF-8"),
    (["{seed}", "--code", "422011", "--update", "{tmp}/422011-none"], "更新する計画フォルダ", "existing plan folder"),
])
def test_bad_input_is_a_clear_error(tmp_path, capsys, args, ja, en):
    (tmp_path / "422011-exists").mkdir()
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00plan")
    seed = FIXTURES / "nagasaki-relaid.txt"
    argv = [a.format(tmp=tmp_path, seed=seed, binary=tmp_path / "binary.txt") for a in args]
    assert main(["import", *argv]) == 2
    err = capsys.readouterr().err
    assert ja in err and en in err and "Traceback" not in err
    assert not (tmp_path / "422011-x").exists()


def test_shacl_results_name_file_line_and_field(tmp_path, capsys):
    """A draft whose indicator has a baseline but no target: only a SHACL shape catches it."""
    folder = tmp_path / "422011-test"
    import_plan(FIXTURES / "shacl-no-target.txt", "422011", folder)
    code = main(["--cache-dir", str(tmp_path / "cache"), "--no-progress", "validate", str(folder)])
    out = capsys.readouterr().out
    assert code == 1
    block = re.search(r"  Violation: .*?\n(?=  \w+:)", out, re.S).group(0)
    at = re.search(r"場所 / at: (\S+indicators\.yaml):(\d+):\d+ \(/indicators/0\)", block)
    assert at, block
    assert (folder / "indicators.yaml").read_text(encoding="utf-8").splitlines()[int(at.group(2)) - 1] \
        .startswith("- id: h1-kpi1")
    assert "目標値" in block and "target value" in block
    # the example in docs/import.md is this output, with the folder written as datasets/
    doc = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    example = re.search(r"```text\n(NG 422011-test.*?)```", doc, re.S).group(1)
    shown = out.replace(str(tmp_path), "datasets").replace(" (cached)", "")
    for line in example.splitlines():
        assert re.sub(r"  \[.*\]$", "", line) in shown, line


def test_locator_maps_a_value_and_its_field(tmp_path):
    folder = tmp_path / "422011-test"
    import_plan(FIXTURES / "nagasaki-relaid.txt", "422011", folder)
    source = load_plan(folder)
    iris = Iris()
    first = _yaml(folder, "indicators.yaml")["indicators"][0]["id"]
    value = f"{iris.in_plan(source.id, 'indicator', first)}/value/target-2025"
    location, field = Locator(source, iris).locate(value, str(MPLAN.fiscalYear))
    assert field == "fiscal_year" and location.path == "/indicators/0/values/1/fiscal_year"
    line = (folder / "indicators.yaml").read_text(encoding="utf-8").splitlines()[location.line - 1]
    assert "fiscal_year: 令和7年度" in line
