"""The SDG tagger (publisher/tagger/): its labelled evaluation set, normaliser, dictionary and
quality; the review files (sdg-review.yaml) and what the converter publishes from them."""

from __future__ import annotations

import doctest
import hashlib
import importlib
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from publisher.convert import to_graph
from publisher.errors import SourceError
from publisher.load import load_plan
from publisher.namespaces import MPLAN, SDG, Iris, concept
from publisher.tagger import evaluate as ev
from publisher.tagger.dictionary import load
from publisher.tagger.normalize import normalize
from publisher.tagger.review import REVIEW_FILE, review, write

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT / "datasets"
LABELS = ROOT / "eval" / "sdg-labels.yaml"
# The labels were written before the dictionary and are not tuned: any change to the file must
# be explained in docs/sdg-tagger.md ("Changes to the labels") and this digest updated with it.
LABELS_SHA256 = "20c4c50b3feec3f3579ba10cda8b3068407c44e9d3e73ad54ef4ed235f0d6011"
SEED_PLANS = sorted(p.parent.name for p in DATASETS.glob("*/plan.yaml"))


def sdg_scheme() -> Graph:
    return Graph().parse(ROOT / "ontology" / "vocab" / "sdg.ttl", format="turtle")


# --- the labelled set -------------------------------------------------------------------------

def test_labels_are_unchanged_since_they_were_written():
    assert hashlib.sha256(LABELS.read_bytes()).hexdigest() == LABELS_SHA256


def test_labels_cover_at_least_80_seed_items_with_valid_goals_and_targets():
    items = ev.read_labels(LABELS)
    assert len(items) >= 80 and len({i.about for i in items}) == len(items)
    sdg = sdg_scheme()
    for i in items:
        assert all(1 <= int(g) <= 17 for g in i.goals), i.about
        for t in i.targets:
            assert (SDG[t], SKOS.broader, SDG[t.split(".")[0]]) in sdg, f"{i.about}: {t}"
            assert t.split(".")[0] in i.goals, f"{i.about}: target {t} of an unlabelled goal"
    data = yaml.safe_load(LABELS.read_text(encoding="utf-8"))
    assert all(x["reason"].strip() for x in data["items"])


# --- normalisation ----------------------------------------------------------------------------

@pytest.mark.parametrize(("a", "b"), [
    ("ＳＤＧｓ", "sdgs"), ("S D G s", "sdgs"), ("ｶﾞｲﾄﾞ", "ガイド"), ("１２３", "123"),
    ("學校教育", "学校教育"), ("國際交流", "国際交流"), ("醫療體制", "医療体制"),
    ("取り組み", "取組"), ("取組み", "取組"), ("子供", "子ども"), ("こども", "子ども"),
    ("障がい者", "障害者"), ("障碍", "障害"), ("空き家", "空家"), ("連繋", "連携"),
    ("防犯・交通安全", "防犯交通安全"), ("受け入れ態勢", "受入態勢"),
])
def test_normalize(a: str, b: str):
    assert normalize(a) == normalize(b) == b


# --- the dictionary ---------------------------------------------------------------------------

def test_dictionary_covers_every_goal_and_names_only_real_targets():
    d = load()
    assert all(d.terms_of(str(g)) >= 10 for g in range(1, 18))
    sdg = sdg_scheme()
    for g in range(1, 18):
        for t in d.targets_with_terms(str(g)):
            assert (SDG[t], SKOS.broader, SDG[str(g)]) in sdg, t
    assert all(term for term in d.entries), "a term normalises to nothing"
    assert d.generator == f"planlod-sdg-tagger/{d.version}"


@pytest.mark.parametrize("module", ["normalize", "dictionary", "suggest"])
def test_module_examples(module: str):
    assert doctest.testmod(importlib.import_module(f"publisher.tagger.{module}")).failed == 0


# --- quality ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report() -> ev.Report:
    return ev.evaluate(DATASETS, LABELS)


def test_top_suggestion_is_right_at_goal_level_at_least_80_percent(report: ev.Report):
    assert report.overall()["top1_precision"] >= 0.8


def test_docs_show_the_current_results(report: ev.Report):
    doc = (ROOT / "docs" / "sdg-tagger.md").read_text(encoding="utf-8")
    assert ev.replace_section(doc, ev.markdown(report)) == doc, \
        "docs/sdg-tagger.md is stale: run python -m publisher.tagger.evaluate"


# --- the review files -------------------------------------------------------------------------

REVIEWED_PLANS = sorted(p.parent.name for p in DATASETS.glob(f"*/{REVIEW_FILE}"))


@pytest.mark.parametrize("plan", SEED_PLANS)
def test_seed_review_files_are_current_and_reviewed(plan: str):
    """What suggest-sdgs would write now is what is committed, and the editors have decided on
    every seed suggestion (docs/sdg-tagger.md, "The review rule"): accepted or rejected, by whom,
    on which day, and a one-line reason."""
    source = load_plan(DATASETS / plan)
    assert not review(source).changed, "run: planlod suggest-sdgs"
    for item in source.items("suggestions"):
        e = item.data
        where = f"{plan} {e['about']} {e['target']}"
        assert e["decision"] in ("accepted", "rejected"), f"{where}: no decision"
        assert e["by"] == "mplan editors", where
        assert date.fromisoformat(e["date"]) <= date.today(), where
        note = e["note"].strip()
        assert note and "\n" not in note and len(note) <= 120, f"{where}: the reason is one line"
        assert note != "、".join(e.get("evidence", [])), f"{where}: the reason is not the matched terms"


def test_every_seed_plan_with_items_was_reviewed():
    """A plan with elements or indicators has a review file; 安曇野市 has neither yet."""
    with_items = sorted(p for p in SEED_PLANS if load_plan(DATASETS / p).items("elements")
                        or load_plan(DATASETS / p).items("indicators"))
    assert REVIEWED_PLANS == with_items and "202207-azumino-3" not in REVIEWED_PLANS


def _edit_review(folder: Path, decide: dict[str, dict]) -> None:
    """Set fields of the named entries ("about target"); a value None removes the field."""
    path = folder / REVIEW_FILE
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    done = set()
    for entry in data["suggestions"]:
        key = f"{entry['about']} {entry['target']}"
        if key in decide:
            for field, value in decide[key].items():
                if value is None:
                    entry.pop(field, None)
                else:
                    entry[field] = value
            done.add(key)
    assert done == set(decide), f"no such suggestion: {set(decide) - done}"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


UNDECIDED = {"decision": "pending", "by": None, "date": None, "note": None}


def test_decisions_survive_a_rerun_and_become_curated_or_nothing(tmp_path: Path):
    folder = tmp_path / "422011-nagasaki-2025"
    shutil.copytree(DATASETS / folder.name, folder)
    _edit_review(folder, {
        "h1-1 sdg:16.10": {"decision": "accepted", "by": "広報広聴課 担当者", "date": "2026-11-30",
                           "note": "広報紙・SNS"},
        "h2-2 sdg:17": {"decision": "rejected", "by": "市民協働推進室", "date": "2026-11-30",
                        "note": "テスト用の不採用"},
        "h1-2 sdg:16.7": UNDECIDED,
    })
    outcome = review(load_plan(folder))
    write(outcome)
    entries = {(e["about"], e["target"]): e for e in outcome.entries}
    assert entries[("h1-1", "sdg:16.10")]["decision"] == "accepted"
    assert entries[("h1-1", "sdg:16.10")]["date"] == "2026-11-30"
    assert entries[("h2-2", "sdg:17")]["decision"] == "rejected"
    assert entries[("h1-2", "sdg:16.7")]["decision"] == "pending" and "by" not in entries[("h1-2", "sdg:16.7")]
    assert not [e for e in outcome.entries if e["about"] == "h2-2" and e["target"].startswith("sdg:17")
                and e["decision"] == "pending"], "a decided goal is not suggested again"

    g = to_graph(load_plan(folder))
    h11 = Iris().in_plan(folder.name, "element", "h1-1")
    curated = URIRef(f"{h11}/alignment/curated/sdg-16.10")
    assert (curated, MPLAN.basis, concept("link-basis", "curated")) in g
    assert (curated, PROV.wasAttributedTo, Literal("広報広聴課 担当者")) in g
    assert g.value(curated, DCTERMS.date).toPython() == date(2026, 11, 30), "an xsd:date"
    assert (curated, MPLAN.evidence, Literal("広報紙・SNS", lang="ja")) in g
    assert (h11, MPLAN.alignedWith, SDG["16.10"]) in g
    h22 = Iris().in_plan(folder.name, "element", "h2-2")
    assert not [a for a in g.objects(h22, MPLAN.alignment) if str(a).endswith("sdg-17")]
    assert (h22, MPLAN.alignedWith, SDG["17"]) not in g

    h12 = Iris().in_plan(folder.name, "element", "h1-2")
    suggested = URIRef(f"{h12}/alignment/suggested/sdg-16.7")
    assert (suggested, MPLAN.basis, concept("link-basis", "suggested")) in g
    assert g.value(suggested, MPLAN.score) is not None
    assert str(g.value(suggested, MPLAN.generatorVersion)).startswith("planlod-sdg-tagger/")
    assert g.value(suggested, DCTERMS.date) is None
    assert (h12, MPLAN.alignedWith, SDG["16.7"]) not in g, "a suggestion is never the shortcut"


@pytest.mark.parametrize("field", ["by", "date", "note"])
@pytest.mark.parametrize("decision", ["accepted", "rejected"])
def test_a_decision_needs_who_when_and_why(tmp_path: Path, decision: str, field: str):
    folder = tmp_path / "422011-nagasaki-2025"
    shutil.copytree(DATASETS / folder.name, folder)
    _edit_review(folder, {"h1-1 sdg:16.10": {"decision": decision, field: None}})
    with pytest.raises(SourceError) as exc:
        load_plan(folder)
    assert f"the required field '{field}' is missing" in str(exc.value) and REVIEW_FILE in str(exc.value)


def test_an_accepted_suggestion_needs_an_existing_item(tmp_path: Path):
    folder = tmp_path / "422011-nagasaki-2025"
    shutil.copytree(DATASETS / folder.name, folder)
    text = (folder / REVIEW_FILE).read_text(encoding="utf-8").replace('about: "h1-1"', 'about: "h9-9"', 1)
    (folder / REVIEW_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as exc:
        load_plan(folder)
    assert "h9-9" in str(exc.value) and "dangling-reference" in str(exc.value)


def _review_table() -> str:
    rows, total = [], [0, 0, 0]
    for plan in REVIEWED_PLANS:
        decisions = [i.data["decision"] for i in load_plan(DATASETS / plan).items("suggestions")]
        n = [len(decisions), decisions.count("accepted"), decisions.count("rejected")]
        total = [a + b for a, b in zip(total, n, strict=True)]
        rows.append(f"| {plan} | {n[0]} | {n[1]} | {n[2]} |")
    return "\n".join(["| plan | suggestions | accepted (curated) | rejected |", "|---|---|---|---|", *rows,
                      "| **all** | " + " | ".join(f"**{x}**" for x in total) + " |"])


def test_docs_show_the_review_as_committed():
    doc = (ROOT / "docs" / "sdg-tagger.md").read_text(encoding="utf-8")
    shown = doc.split("<!-- sdg-review:begin -->\n", 1)[1].split("\n<!-- sdg-review:end -->", 1)[0]
    assert shown == _review_table()


def test_docs_review_example_is_a_decision_in_the_seeds():
    doc = (ROOT / "docs" / "sdg-tagger.md").read_text(encoding="utf-8")
    block = next(b for b in doc.split("```yaml\n")[1:] if "decision: accepted" in b.split("```")[0])
    example = yaml.safe_load(block.split("```")[0])[0]
    entries = [i.data for i in load_plan(DATASETS / "022012-aomori-next").items("suggestions")]
    assert example in entries
