"""``tables.sqlite``: the tabular views of every plan as one SQLite database, for researchers.

Five tables, each row with its IRI, so that a row leads back to the linked data: ``plans``,
``elements``, ``indicators``, ``indicator_values`` (not ``values``, an SQL keyword) and
``links`` (every qualified link of an element or indicator: SDG goals and targets, shared
indicator concepts, policy domains, with basis, score and who made it). Every column has a
declared type; codes and notations are TEXT, so ``022012`` keeps its leading zero and an SDG
target is ``SDG16.10``, never the number 16.1. It opens as it is in Datasette and in
``pandas.read_sql``.

A plan's rows are computed in the worker that converts it (:func:`plan_rows`) and cached with
its other files; the build writes the database from the cached rows of every plan
(:func:`write_tables`).

>>> import sqlite3, tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / TABLES_FILE
>>> write_tables(path, [])
>>> [r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
['elements', 'indicator_values', 'indicators', 'links', 'plans']
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from ..namespaces import MPLAN
from ..registry import registry
from .csvout import ja_label, local_name, notation

TABLES_FILE = "tables.sqlite"
#: Each table's columns and their declared SQLite types, the first column the row's IRI.
TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "plans": (("plan", "TEXT"), ("plan_id", "TEXT"), ("municipality_code", "TEXT"),
              ("municipality", "TEXT"), ("title", "TEXT"), ("period_start", "INTEGER"),
              ("period_end", "INTEGER"), ("license", "TEXT")),
    "elements": (("element", "TEXT"), ("plan", "TEXT"), ("parent", "TEXT"), ("code", "TEXT"),
                 ("label", "TEXT"), ("level", "TEXT"), ("local_level_term", "TEXT")),
    "indicators": (("indicator", "TEXT"), ("plan", "TEXT"), ("measures", "TEXT"), ("label", "TEXT"),
                   ("direction", "TEXT"), ("unit", "TEXT"), ("data_source", "TEXT"), ("proposed", "INTEGER")),
    "indicator_values": (("value_iri", "TEXT"), ("indicator", "TEXT"), ("kind", "TEXT"),
                         ("fiscal_year", "INTEGER"), ("value", "REAL"), ("unit", "TEXT"),
                         ("qualifier", "TEXT"), ("text_as_written", "TEXT")),
    "links": (("alignment", "TEXT"), ("item", "TEXT"), ("target", "TEXT"), ("notation", "TEXT"),
              ("scheme", "TEXT"), ("basis", "TEXT"), ("score", "REAL"), ("attributed_to", "TEXT")),
}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(value: Any, kind: type) -> Any:
    return None if value is None else kind(str(value))


def _scheme(target: str) -> str:
    """The scheme a link target belongs to: ``sdg``, ``indicator-concept``, ``policy-domain``…"""
    return "sdg" if notation(target).startswith("SDG") else target.rsplit("/", 2)[-2]


def plan_rows(plan_id: str, g: Graph) -> dict[str, list[list[Any]]]:
    """The rows of every table for one plan graph, each table sorted by its IRI column."""
    plan = next(g.subjects(MPLAN.municipality, None))
    code = local_name(g.value(plan, MPLAN.municipality))
    out: dict[str, list[list[Any]]] = {name: [] for name in TABLES}
    out["plans"].append([str(plan), plan_id, code, registry()[code].name, ja_label(g, plan, DCTERMS.title),
                         _number(g.value(plan, MPLAN.periodStart), int),
                         _number(g.value(plan, MPLAN.periodEnd), int), _text(g.value(plan, DCTERMS.license))])
    for e in g.subjects(RDF.type, MPLAN.PlanElement):
        out["elements"].append([str(e), str(plan), _text(g.value(e, MPLAN.parent)),
                                _text(g.value(e, SKOS.notation)), ja_label(g, e),
                                local_name(g.value(e, MPLAN.level)), _text(g.value(e, MPLAN.localLevelTerm))])
    for i in g.subjects(RDF.type, MPLAN.Indicator):
        proposed = g.value(i, MPLAN.proposed)
        out["indicators"].append([str(i), str(plan), _text(g.value(i, MPLAN.measures)), ja_label(g, i),
                                  local_name(g.value(i, MPLAN.direction)) or None, _text(g.value(i, MPLAN.unit)),
                                  local_name(g.value(i, MPLAN.dataSource)) or None,
                                  None if proposed is None else int(proposed.toPython())])
    for v in g.subjects(MPLAN.valueKind, None):
        out["indicator_values"].append([
            str(v), str(g.value(v, MPLAN.indicator)), local_name(g.value(v, MPLAN.valueKind)),
            _number(g.value(v, MPLAN.fiscalYear), int), _number(g.value(v, MPLAN.value), float),
            _text(g.value(v, MPLAN.unit)), local_name(g.value(v, MPLAN.qualifier)) or None,
            _text(g.value(v, MPLAN.textAsWritten))])
    for item, a in g.subject_objects(MPLAN.alignment):
        target = str(g.value(a, MPLAN.alignmentTarget))
        out["links"].append([str(a), str(item), target, notation(target), _scheme(target),
                             local_name(g.value(a, MPLAN.basis)), _number(g.value(a, MPLAN.score), float),
                             _text(g.value(a, PROV.wasAttributedTo))])
    return {name: sorted(rows, key=lambda r: r[0]) for name, rows in out.items()}


def plan_rows_bytes(plan_id: str, g: Graph) -> bytes:
    """:func:`plan_rows` as JSON, the form the cache keeps."""
    return json.dumps(plan_rows(plan_id, g), ensure_ascii=False).encode("utf-8")


def write_tables(path: Path, plans: Iterable[dict[str, list[list[Any]]]]) -> None:
    """Write the database at ``path`` (replacing it) from each plan's rows, plans in order."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    db.execute("PRAGMA journal_mode = OFF")  # a file being written; the release swaps it in whole
    db.execute("PRAGMA synchronous = OFF")
    with db:
        for name, columns in TABLES.items():
            cols = ", ".join(f"{c} {t} PRIMARY KEY" if i == 0 else f"{c} {t}" for i, (c, t) in enumerate(columns))
            db.execute(f"CREATE TABLE {name} ({cols})")
        for rows in plans:
            for name, columns in TABLES.items():
                db.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * len(columns))})", rows[name])
    db.close()
    tmp.replace(path)
