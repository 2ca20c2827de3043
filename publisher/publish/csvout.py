"""The indicators CSV for researchers, with its CSVW metadata (W3C Tabular Data on the Web).

``indicators.csv`` is plain UTF-8 (no BOM), for pandas, the ``csvw`` library and every other
program; ``indicators-excel.csv`` is the same table after a BOM, so that Excel opens it as
UTF-8 (docs/publication.md). SDG goals and targets are written ``SDG16.10``, ``SDG11``: a bare
``16.10`` would be read as the number 16.1, another target. The multi-valued columns are
space-separated, and the CSVW metadata says so (``separator``).

Excel reads a cell that starts
with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return) as a formula: an indicator
titled ``=HYPERLINK(…)`` would become a live link, or worse (OWASP, "CSV Injection"). So a text
cell that starts with one of these, or with an apostrophe, is written with an apostrophe in
front (:func:`neutralised`); numbers, years and IRIs never are. The CSVW metadata and
docs/publication.md say so, and how to undo it: drop the first character of a text cell that
starts with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from rdflib import Graph, Literal
from rdflib.namespace import RDFS, SKOS

from ..namespaces import MPLAN, SDG
from ..registry import registry

CSV_FILE = "indicators.csv"
EXCEL_CSV_FILE = "indicators-excel.csv"
BOM = "\ufeff".encode()
#: The columns that hold several values, space-separated (CSVW ``separator``).
MULTI_VALUED = ("indicator_concepts", "sdg_declared", "sdg_curated", "sdg_suggested")
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
    # the indicator's links, space-separated notations (docs/model.md, "Links and their provenance")
    ("indicator_concepts", "string", "共通の指標概念", "Shared indicator concepts"),
    ("sdg_declared", "string", "SDGs（計画が明示）", "SDGs declared by the plan"),
    ("sdg_curated", "string", "SDGs（編集者が判断）", "SDGs curated by an editor"),
    ("sdg_suggested", "string", "SDGs（自動推定・未確認）", "SDGs suggested by the tagger (unreviewed)"),
)


# What makes a spreadsheet read a text cell as a formula (OWASP), and the apostrophe itself, so
# that the rule is undone exactly by dropping one leading apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
TEXT_COLUMNS = tuple(i for i, column in enumerate(COLUMNS) if column[1] == "string")
NEUTRALISED_NOTE = {
    "ja": "表計算ソフトが数式として読まないよう、=、+、-、@、タブ、復帰（CR）、アポストロフィ（'）で"
          "始まる文字列のセルには、先頭にアポストロフィ（'）を1つ付けています（数値・年度・IRI の列には"
          "付けません）。元の値は、アポストロフィで始まる文字列のセルから最初の1文字を除いたものです。",
    "en": "So that spreadsheets do not read them as formulas, text cells that start with =, +, -, @, "
          "a tab, a carriage return or an apostrophe (') have one apostrophe put in front (never "
          "the number, year or IRI columns). To get the value back, drop the first character of a "
          "text cell that starts with an apostrophe.",
}


def neutralised(text: str) -> str:
    """``text`` as a CSV text cell: with an apostrophe in front where a spreadsheet would read a
    formula (or where it starts with an apostrophe already), else as it is.

    >>> neutralised("=SUM(A1:A9)"), neutralised("+1"), neutralised("-3.5"), neutralised("@x")
    ("'=SUM(A1:A9)", "'+1", "'-3.5", "'@x")
    >>> neutralised("68.9% (R 2年度)"), neutralised("'quoted'"), neutralised("")
    ('68.9% (R 2年度)', "''quoted'", '')
    """
    return "'" + text if text.startswith(FORMULA_START) else text


def local_name(iri: Any) -> str:
    """The last segment of an IRI's path ("" for none)."""
    return str(iri).rsplit("/", 1)[-1] if iri is not None else ""


def notation(target: Any) -> str:
    """A link target as a notation that no program reads as a number: ``SDG16.10`` for an SDG
    goal or target, else the concept's local name.

    >>> notation("http://metadata.un.org/sdg/16.10"), notation("http://metadata.un.org/sdg/11")
    ('SDG16.10', 'SDG11')
    >>> notation("https://w3id.org/mplan/def/indicator-concept/subjective-wellbeing")
    'subjective-wellbeing'
    """
    return ("SDG" if str(target).startswith(str(SDG)) else "") + local_name(target)


def ja_label(g: Graph, node: Any, predicate: Any = RDFS.label) -> str:
    """The node's Japanese ``rdfs:label`` (or other ``predicate``), else any, else ""."""
    labels = list(g.objects(node, predicate))
    for lab in labels:
        if isinstance(lab, Literal) and lab.language == "ja":
            return str(lab)
    return str(labels[0]) if labels else ""


def _links(g: Graph, ind: Any) -> list[str]:
    """The indicator's concepts, and its SDG goals and targets by basis, as notations."""
    found: dict[str, set[str]] = {"concept": set(), "declared": set(), "curated": set(), "suggested": set()}
    for a in g.objects(ind, MPLAN.alignment):
        target, basis = str(g.value(a, MPLAN.alignmentTarget)), local_name(g.value(a, MPLAN.basis))
        if "/def/indicator-concept/" in target:
            found["concept"].add(local_name(target))
        elif target.startswith(str(SDG)) and basis in found:
            found[basis].add(notation(target))
    return [" ".join(sorted(found[k])) for k in ("concept", "declared", "curated", "suggested")]


def rows(plan_id: str, g: Graph) -> list[list[str]]:
    """One row per indicator value of one plan graph, sorted by value IRI, its text cells
    :func:`neutralised`."""
    out = []
    for value in g.subjects(MPLAN.valueKind, None):
        ind = g.value(value, MPLAN.indicator)
        target = g.value(ind, MPLAN.measures)
        plan = g.value(ind, MPLAN.inPlan)
        code = str(g.value(plan, MPLAN.municipality)).rsplit("/", 1)[1]  # the registry names it
        is_element = (target, MPLAN.level, None) in g
        fy = g.value(value, MPLAN.fiscalYear)
        out.append([
            code, registry()[code].name, plan_id, str(plan),
            str(target) if is_element else "", str(g.value(target, SKOS.notation) or "") if is_element else "",
            ja_label(g, target) if is_element else "", local_name(g.value(target, MPLAN.level)) if is_element else "",
            str(ind), ja_label(g, ind), local_name(g.value(ind, MPLAN.direction)),
            local_name(g.value(ind, MPLAN.dataSource)), str(value), local_name(g.value(value, MPLAN.valueKind)),
            str(fy) if fy is not None else "", str(g.value(value, MPLAN.value)),
            str(g.value(value, MPLAN.unit) or ""), local_name(g.value(value, MPLAN.qualifier)),
            str(g.value(value, MPLAN.textAsWritten) or ""), *_links(g, ind),
        ])
    for row in out:
        for i in TEXT_COLUMNS:
            row[i] = neutralised(row[i])
    return sorted(out, key=lambda r: r[12])


def csv_header_bytes() -> bytes:
    """The first line of the CSV (no BOM: put :data:`BOM` in front for Excel's file)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([c[0] for c in COLUMNS])
    return buf.getvalue().encode("utf-8")


def csv_rows_bytes(plan_id: str, graph: Graph) -> bytes:
    """The CSV lines of one plan's indicator values (no header)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows(plan_id, graph))
    return buf.getvalue().encode("utf-8")


def csv_bytes(graphs: dict[str, Graph]) -> bytes:
    """The CSV of every plan's indicator values (UTF-8, no BOM)."""
    return csv_header_bytes() + b"".join(csv_rows_bytes(pid, graphs[pid]) for pid in sorted(graphs))


def csvw_metadata(url: str, license_iri: str) -> dict[str, Any]:
    """CSVW metadata describing the CSV's columns, so tools know types and meaning."""
    return {
        "@context": ["http://www.w3.org/ns/csvw", {"@language": "ja"}],
        "url": url,
        "dc:title": {"@value": "自治体総合計画の指標値", "@language": "ja"},
        "dc:license": {"@id": license_iri},
        "dc:description": [{"@value": text, "@language": lang} for lang, text in NEUTRALISED_NOTE.items()],
        "dialect": {"header": True, "encoding": "utf-8"},
        "tableSchema": {
            "columns": [
                {"name": name, "datatype": dtype, "titles": {"ja": ja, "en": en},
                 **({"separator": " "} if name in MULTI_VALUED else {})}
                for name, dtype, ja, en in COLUMNS
            ],
            "primaryKey": "value_iri",
            "aboutUrl": "{+value_iri}",
        },
    }


