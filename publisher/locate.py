"""SHACL results located in the source: the YAML file, line and field behind a focus node.

A SHACL result names a node (``<…/plan/P/indicator/h1-x>``) and a property. The node was minted
from an item of a source file (an element, an indicator, one of its values, a department…), and
the property from one of its fields, so both can be mapped back. :class:`Locator` indexes every
item of a plan by the IRI it becomes, with the same functions the converter mints them with.
"""

from __future__ import annotations

from rdflib.namespace import DCTERMS, RDFS, SKOS

from .convert import value_iri
from .errors import Location
from .load import Item, PlanSource
from .namespaces import MPLAN, Iris

#: Which field of an item a property comes from (where it is not the property's local name).
FIELDS: dict[str, str] = {
    str(RDFS.label): "title", str(DCTERMS.title): "title", str(SKOS.prefLabel): "name",
    str(DCTERMS.description): "description", str(RDFS.comment): "note",
    str(MPLAN.responsibleUnit): "departments", str(MPLAN.parent): "parent", str(MPLAN.level): "level",
    str(MPLAN.measures): "element", str(MPLAN.fiscalYear): "fiscal_year",
    str(MPLAN.fiscalYearText): "fiscal_year", str(MPLAN.valueKind): "kind", str(MPLAN.value): "value",
    str(MPLAN.unit): "unit", str(MPLAN.direction): "direction", str(MPLAN.dataSource): "data_source",
    str(MPLAN.qualifier): "qualifier", str(MPLAN.localLevelTerm): "local_term",
    str(MPLAN.alignedWith): "alignments", str(DCTERMS.license): "license",
    str(MPLAN.periodStart): "period", str(MPLAN.periodEnd): "period",
}
#: The IRI kind of each list section (…/plan/P/<kind>/<id>).
KINDS = {"elements": "element", "indicators": "indicator", "viewpoints": "viewpoint",
         "events": "event", "tables": "table"}


class Locator:
    """Maps the IRIs of one plan's graph back to the items of its source files."""

    def __init__(self, source: PlanSource, iris: Iris):
        pid = source.id
        self.items: dict[str, Item] = {str(iris.plan(pid)): source.plan}
        for section, kind in KINDS.items():
            for item in source.items(section):
                node = iris.in_plan(pid, kind, item.data["id"])
                self.items[str(node)] = item
                if section == "indicators":
                    self._values(item, str(node))
        for item in source.items("departments"):
            self.items[str(iris.unit(source.code, item.data["id"]))] = item

    def _values(self, indicator: Item, node: str) -> None:
        for i, v in enumerate(indicator.data.get("values", [])):
            try:
                iri = str(value_iri(node, v))
            except ValueError:
                continue
            self.items[iri] = Item(v, indicator.doc, f"{indicator.path}/values/{i}")

    def locate(self, focus: str, path: str | None) -> tuple[Location, str | None] | None:
        """The location of the field behind (focus, path), and the field's name; None if the
        node was not minted from a source item (then the nearest item above it in the IRI)."""
        item = self.items.get(focus)
        probe = focus
        while item is None and "/" in probe:
            probe = probe.rsplit("/", 1)[0]
            item = self.items.get(probe)
        if item is None:
            return None
        field = FIELDS.get(path or "") or (_local_name(path) if path else None)
        if field and field in item.data:
            return item.at(field), field
        return item.at(), field


def _local_name(iri: str) -> str:
    name = iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def where(location: Location, field: str | None) -> str:
    """One line for a message: 場所 / at file:line:col (JSON path), 項目 / field name."""
    text = f"場所 / at: {location}"
    return f"{text}  項目 / field: {field}" if field else text


def reviews(source: PlanSource) -> list[tuple[Location, str]]:
    """Every item a person should still check (``source.review``, written by `planlod import`)."""
    found = []
    items = [item for section in ("elements", "indicators", "events") for item in source.items(section)]
    for i, layer in enumerate(source.plan.data.get("layers", [])):
        items.append(Item(layer, source.plan.doc, f"{source.plan.path}/layers/{i}"))
    for item in items:
        review = (item.data.get("source") or {}).get("review")
        if review:
            found.append((item.at("source", "review"), review))
    return found


def findings(source: PlanSource, iris: Iris, results: list) -> tuple[list[str | None], list[list[str]]]:
    """One line saying where each SHACL result is in the sources (None where not known), and
    the items a person should still check as (where, what): what ``planlod validate`` prints
    beside the results, computed once, when the plan is validated, so that a plan served from
    the cache is not read again."""
    locator = Locator(source, iris)
    located = []
    for r in results:
        found = locator.locate(r.focus, r.path)
        located.append(where(*found) if found else None)
    return located, [[str(location), review] for location, review in reviews(source)]
