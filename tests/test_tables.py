"""The researchers' downloads load without traps, as a researcher loads them: tables.sqlite with
``pandas.read_sql``, indicators.csv with ``pandas.read_csv`` and with the ``csvw`` library (by
its CSVW metadata). Codes keep their leading zeros, SDG notations stay text (``SDG16.10`` is
not 16.1), and every value is the store's own."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import csvw
import pandas as pd
import pyoxigraph as ox
import pytest

from publisher.publish.tables import TABLES

SDG = "http://metadata.un.org/sdg/"
PREFIXES = "PREFIX mplan: <https://w3id.org/mplan/def#>\n"


@pytest.fixture(scope="module")
def downloads(seed_publication: Path) -> Path:
    return seed_publication / "downloads"


@pytest.fixture(scope="module")
def store(seed_publication: Path) -> ox.Store:
    return ox.Store.read_only(str(seed_publication.resolve() / "store"))


def select(store: ox.Store, query: str) -> list[tuple]:
    solutions = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in solutions.variables]
    return [tuple(None if s[n] is None else s[n].value for n in names) for s in solutions]


def sdg_notation(iri: str) -> str:
    """How a researcher expects an SDG goal or target written: its number after ``SDG``."""
    return "SDG" + iri.removeprefix(SDG)


def test_every_table_declares_its_column_types(downloads: Path) -> None:
    with sqlite3.connect(downloads / "tables.sqlite") as db:
        for table, columns in TABLES.items():
            declared = [(r[1], r[2]) for r in db.execute(f"PRAGMA table_info({table})")]
            assert declared == list(columns), table
    db.close()


def test_sqlite_in_pandas_keeps_codes_and_notations_as_text(downloads: Path, store: ox.Store) -> None:
    with sqlite3.connect(downloads / "tables.sqlite") as db:
        plans = pd.read_sql("SELECT * FROM plans", db)
        links = pd.read_sql("SELECT * FROM links", db)
        values = pd.read_sql("SELECT * FROM indicator_values", db)
        elements = pd.read_sql("SELECT * FROM elements", db)
    db.close()
    want_plans = select(store, "SELECT ?plan ?m { ?plan a mplan:Plan ; mplan:municipality ?m }")
    assert sorted(zip(plans["plan"], plans["municipality_code"], strict=True)) == \
        sorted((p, m.rsplit("/", 1)[1]) for p, m in want_plans)
    assert "022012" in set(plans["municipality_code"])  # 青森市: the leading zero is kept

    want_links = select(store, "SELECT ?a ?item ?t ?b { ?item mplan:alignment ?a . "
                               "?a mplan:alignmentTarget ?t ; mplan:basis ?b }")
    got_links = links[["alignment", "item", "target", "basis"]].itertuples(index=False)
    assert sorted(map(tuple, got_links)) == sorted((a, i, t, b.rsplit("/", 1)[1]) for a, i, t, b in want_links)
    sdg = links[links["scheme"] == "sdg"]
    assert list(sdg["notation"]) == [sdg_notation(t) for t in sdg["target"]]
    assert "SDG16.10" in set(sdg["notation"])  # a target that a number would make 16.1

    want_values = select(store, "SELECT ?v ?fy ?x { ?v mplan:valueKind ?k OPTIONAL { ?v mplan:fiscalYear ?fy } "
                                "OPTIONAL { ?v mplan:value ?x } }")
    assert sorted((v, None if pd.isna(fy) else int(fy), None if pd.isna(x) else x)
                  for v, fy, x in values[["value_iri", "fiscal_year", "value"]].itertuples(index=False)) == \
        sorted((v, None if fy is None else int(fy), None if x is None else float(x)) for v, fy, x in want_values)

    want_elements = select(store, "SELECT ?e ?code { ?e a mplan:PlanElement "
                                  "OPTIONAL { ?e <http://www.w3.org/2004/02/skos/core#notation> ?code } }")
    codes = elements["code"].astype(object).where(elements["code"].notna(), None)
    assert sorted(zip(elements["element"], codes, strict=True), key=str) == sorted(want_elements, key=str)


def _indicator_rows(store: ox.Store) -> dict[str, tuple[str, set[str]]]:
    """Each indicator value's municipality code and its indicator's curated SDG notations."""
    rows = select(store, """SELECT ?v ?m ?t {
        ?v mplan:indicator ?i . ?i mplan:inPlan/mplan:municipality ?m .
        OPTIONAL { ?i mplan:alignment ?a . ?a mplan:alignmentTarget ?t ;
                   mplan:basis <https://w3id.org/mplan/def/link-basis/curated>
                   FILTER(STRSTARTS(STR(?t), "http://metadata.un.org/sdg/")) } }""")
    out: dict[str, tuple[str, set[str]]] = {}
    for v, m, t in rows:
        code, sdgs = out.setdefault(v, (m.rsplit("/", 1)[1], set()))
        if t is not None:
            sdgs.add(sdg_notation(t))
    return out


def test_csv_in_pandas_has_clean_headers_and_text_notations(downloads: Path, store: ox.Store) -> None:
    plain = pd.read_csv(downloads / "indicators.csv")
    assert plain.columns[0] == "municipality_code"  # no BOM in front of the first header
    assert plain["sdg_curated"].dropna().map(type).eq(str).all()  # never read as numbers
    # the codes, as the CSVW metadata types them (string), keep every digit
    typed = pd.read_csv(downloads / "indicators.csv", dtype={"municipality_code": str}, keep_default_na=False)
    want = _indicator_rows(store)
    assert len(typed) == len(want)
    for row in typed.itertuples(index=False):
        code, sdgs = want[row.value_iri]
        assert row.municipality_code == code
        assert set(row.sdg_curated.split()) == sdgs
    assert "SDG16.10" in {n for cell in typed["sdg_curated"] for n in cell.split()}


def test_csvw_reads_the_csv_by_its_metadata(downloads: Path, store: ox.Store) -> None:
    table = csvw.Table.from_file(downloads / "indicators.csv-metadata.json")
    rows = list(table.iterdicts(strict=True))  # strict: a header that is not the metadata's fails
    assert table.check_primary_key()
    want = _indicator_rows(store)
    assert {r["value_iri"].unsplit() for r in rows} == set(want)  # anyURI: an rfc3986 reference
    values = dict(select(store, "SELECT ?v ?x { ?v mplan:valueKind ?k ; mplan:value ?x }"))
    for r in rows:
        code, sdgs = want[r["value_iri"].unsplit()]
        assert r["municipality_code"] == code
        assert set(r["sdg_curated"]) == sdgs  # a list, by the column's separator
        assert r["value"] == Decimal(values[r["value_iri"].unsplit()])


def test_excel_file_is_the_csv_after_a_bom(downloads: Path) -> None:
    raw = (downloads / "indicators.csv").read_bytes()
    assert (downloads / "indicators-excel.csv").read_bytes() == "\ufeff".encode() + raw
