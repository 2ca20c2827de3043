"""indicators-excel.csv opens in Excel (it is indicators.csv after a BOM), so text that a spreadsheet would read as
a formula (=, +, -, @, tab, carriage return: OWASP "CSV Injection") is written with an apostrophe
in front; numbers are never touched, and the CSVW metadata says how to undo it."""

from __future__ import annotations

import csv
import doctest
import io
import json
from pathlib import Path

import yaml

from publisher.build import build
from publisher.publish import csvout
from publisher.settings import Settings

TITLE = '=HYPERLINK("http://x","y")'
UNIT = "+1"
GOAL = "-始まりの目標"
TEXTS = {"baseline": "@SUM(1)", "target": "\t=1+1", "actual": "\r=1+1"}
VALUES = {"baseline": -3.5, "target": 0, "actual": -12}
PLAN = {
    "plan": {"id": "422011-formula", "municipality": {"code": "422011", "name": "長崎市"},
             "title": {"ja": "数式のような文字列の試験", "en": "Formula-like text"}, "status": "adopted",
             "sources": [{"id": "seed", "file": "seed.txt", "title": "試験"}]},
    "elements": [{"id": "g1", "level": "goal", "title": GOAL}],
    "indicators": [{"id": "i1", "element": "g1", "title": TITLE, "unit": UNIT, "values": [
        {"kind": kind, "value": VALUES[kind], "fiscal_year": year, "text": TEXTS[kind]}
        for kind, year in (("baseline", "R2年度"), ("target", "R7年度"), ("actual", "R4年度"))]}],
}


def test_neutralised_examples_run() -> None:
    result = doctest.testmod(csvout)
    assert result.attempted > 0 and result.failed == 0


def _publish(tmp_path: Path) -> Path:
    folder = tmp_path / "datasets" / PLAN["plan"]["id"]
    folder.mkdir(parents=True)
    (folder / "plan.yaml").write_text(yaml.safe_dump(PLAN, allow_unicode=True), encoding="utf-8")
    settings = Settings(datasets=tmp_path / "datasets", out=tmp_path / "public",
                        cache_dir=tmp_path / "cache", progress=False, source_date_epoch=1767225600)
    assert build(settings).checked.conforms
    return settings.out / "downloads"


def test_formula_like_text_is_neutralised_and_numbers_are_not(tmp_path: Path) -> None:
    downloads = _publish(tmp_path)
    raw = (downloads / "indicators.csv").read_bytes()
    # Excel's file: the BOM that makes Excel open it (and read formulas), then the same table
    assert (downloads / "indicators-excel.csv").read_bytes() == b"\xef\xbb\xbf" + raw
    assert not raw.startswith(b"\xef\xbb\xbf")  # for pandas and csvw: no BOM
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert {r["kind"] for r in rows} == set(VALUES)
    for r in rows:
        assert r["indicator_label"] == "'" + TITLE
        assert r["unit"] == "'" + UNIT
        assert r["element_label"] == "'" + GOAL
        assert r["text_as_written"] == "'" + TEXTS[r["kind"]]
        # numeric columns as they are: a negative number stays a number
        assert float(r["value"]) == VALUES[r["kind"]] and not r["value"].startswith("'")
        assert r["fiscal_year"].isdigit()
        for name in ("plan", "element", "indicator", "value_iri"):
            assert r[name].startswith("https://"), name
        # cells that start with nothing special are left alone
        assert r["municipality"] == PLAN["plan"]["municipality"]["name"]


def test_csvw_metadata_says_how_to_undo_it(tmp_path: Path) -> None:
    downloads = _publish(tmp_path)
    meta = json.loads((downloads / "indicators.csv-metadata.json").read_text(encoding="utf-8"))
    notes = {d["@language"]: d["@value"] for d in meta["dc:description"]}
    assert set(notes) == {"ja", "en"}
    assert "アポストロフィ" in notes["ja"] and "apostrophe" in notes["en"]
    text_columns = {c["name"] for c in meta["tableSchema"]["columns"] if c["datatype"] == "string"}
    text = (downloads / "indicators.csv").read_bytes().decode("utf-8")  # keeps a \r in a cell
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    # the rule the note states (drop the first character of a text cell that starts with ')
    # gives back the source's text
    undone = [{k: v[1:] if k in text_columns and v.startswith("'") else v for k, v in r.items()} for r in rows]
    assert {(r["indicator_label"], r["unit"], r["element_label"]) for r in undone} == {(TITLE, UNIT, GOAL)}
    assert {r["kind"]: r["text_as_written"] for r in undone} == TEXTS
