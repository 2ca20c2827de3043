"""The indicators CSV for researchers, with its CSVW metadata (W3C Tabular Data on the Web)."""

from __future__ import annotations

import csv
import io
from typing import Any

from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SKOS

from ..namespaces import MPLAN

CSV_FILE = "indicators.csv"
COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    # name, datatype, Japanese title, English title
    ("municipality_code", "string", "団体コード", "Local government code"),
    ("municipality", "string", "自治体", "Municipality"),
    ("plan_id", "string", "計画ID", "Plan id"),
    ("plan", "anyURI", "計画IRI", "Plan IRI"),
    ("element", "anyURI", "対象要素IRI", "Element IRI"),
    ("element_code", "string", "要素の番号", "Element code"),
    ("element_label", "string", "対象要素", "Element"),
    ("level", "string", "共通階層", "Shared level"),
    ("indicator", "anyURI", "指標IRI", "Indicator IRI"),
    ("indicator_label", "string", "指標", "Indicator"),
    ("direction", "string", "望ましい方向", "Good direction"),
    ("data_source", "string", "データの出所", "Data source"),
    ("value_iri", "anyURI", "値IRI", "Value IRI"),
    ("kind", "string", "種別", "Kind"),
    ("fiscal_year", "gYear", "年度（西暦の開始年）", "Fiscal year (Gregorian start year)"),
    ("value", "decimal", "値", "Value"),
    ("unit", "string", "単位", "Unit"),
    ("qualifier", "string", "以上・以下", "Qualifier"),
    ("text_as_written", "string", "記載どおりの表記", "Text as written"),
)


def _local(iri: Any) -> str:
    return str(iri).rsplit("/", 1)[-1] if iri is not None else ""


def _ja(g: Graph, node: Any) -> str:
    labels = list(g.objects(node, RDFS.label))
    for lab in labels:
        if isinstance(lab, Literal) and lab.language == "ja":
            return str(lab)
    return str(labels[0]) if labels else ""


def rows(plan_id: str, g: Graph) -> list[list[str]]:
    """One row per indicator value of one plan graph, sorted by value IRI."""
    out = []
    for value in g.subjects(MPLAN.valueKind, None):
        ind = g.value(value, MPLAN.indicator)
        target = g.value(ind, MPLAN.measures)
        plan = g.value(ind, MPLAN.inPlan)
        muni = g.value(plan, MPLAN.municipality)
        is_element = (target, MPLAN.level, None) in g
        fy = g.value(value, MPLAN.fiscalYear)
        out.append([
            str(g.value(muni, MPLAN.localGovernmentCode) or ""), _ja(g, muni), plan_id, str(plan),
            str(target) if is_element else "", str(g.value(target, SKOS.notation) or "") if is_element else "",
            _ja(g, target) if is_element else "", _local(g.value(target, MPLAN.level)) if is_element else "",
            str(ind), _ja(g, ind), _local(g.value(ind, MPLAN.direction)),
            _local(g.value(ind, MPLAN.dataSource)), str(value), _local(g.value(value, MPLAN.valueKind)),
            str(fy) if fy is not None else "", str(g.value(value, MPLAN.value)),
            str(g.value(value, MPLAN.unit) or ""), _local(g.value(value, MPLAN.qualifier)),
            str(g.value(value, MPLAN.textAsWritten) or ""),
        ])
    return sorted(out, key=lambda r: r[12])


def csv_bytes(graphs: dict[str, Graph]) -> bytes:
    """The CSV of every plan's indicator values (UTF-8 with BOM so that Excel reads it)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([c[0] for c in COLUMNS])
    for plan_id in sorted(graphs):
        w.writerows(rows(plan_id, graphs[plan_id]))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def csvw_metadata(url: str, license_iri: str) -> dict[str, Any]:
    """CSVW metadata describing the CSV's columns, so tools know types and meaning."""
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "ja"}],
        "url": url,
        "dc:title": {"@value": "自治体総合計画の指標値", "@language": "ja"},
        "dc:license": {"@id": license_iri},
        "dialect": {"header": True, "encoding": "utf-8"},
        "tableSchema": {
            "columns": [
                {"name": name, "datatype": dtype,
                 "titles": {"ja": ja, "en": en}}
                for name, dtype, ja, en in COLUMNS
            ],
            "primaryKey": "value_iri",
            "aboutUrl": "{+value_iri}",
        },
    }


