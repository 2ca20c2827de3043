"""Stage 2, convert: a checked plan source → one rdflib Graph. No I/O.

The mapping is docs/model.md. Every IRI comes from an explicit id (or, for list items
without one, from a hash of their text), never from a list position.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, QB, RDF, RDFS, SKOS, XSD

from .fiscal import parse_fiscal
from .load import Item, PlanSource, yearless
from .namespaces import (
    DEFAULT_LICENSE,
    MPLAN,
    ORG,
    PREFIXES,
    WIKIDATA,
    Iris,
    alignment_target,
    concept,
    content_id,
)


def _texts(value: Any) -> list[Literal]:
    """Language-tagged literals of a Text value (a string is Japanese)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [Literal(value, lang="ja")]
    out = [Literal(value["ja"], lang="ja")]
    if "en" in value:
        out.append(Literal(value["en"], lang="en"))
    return out


def _ja(value: Any) -> str:
    return value if isinstance(value, str) else value["ja"]


def _gyear(year: int) -> Literal:
    return Literal(f"{year:04d}", datatype=XSD.gYear)


def _decimal(number: float | int) -> Literal:
    """An xsd:decimal in its canonical lexical form (68 → "68.0"), which every syntax keeps."""
    text = format(Decimal(str(number)), "f")
    text = text.rstrip("0") if "." in text else text + ".0"
    return Literal(text + "0" if text.endswith(".") else text, datatype=XSD.decimal)


def value_iri(indicator: str, v: dict[str, Any]) -> URIRef:
    """An indicator value's IRI: its id, or its kind and Gregorian fiscal year (target-2025)."""
    fy = parse_fiscal(v["fiscal_year"]) if "fiscal_year" in v else None
    local = v.get("id") or (f"{v['kind']}-{fy.fiscal_year}" if fy else v["kind"])
    return URIRef(f"{indicator}/value/{local}")


class _Converter:
    def __init__(self, source: PlanSource, iris: Iris):
        self.s = source
        self.iris = iris
        self.g = Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)
        self.pid = source.id
        self.plan = iris.plan(self.pid)
        self.code = source.code
        self.sources = {s["id"]: iris.in_plan(self.pid, "source", s["id"])
                        for s in source.plan.data["sources"]}
        self.first_source = next(iter(self.sources.values()))
        self.levels = source.plan.data.get("levels", {})

    def add(self, s: URIRef, p: URIRef, o: Any) -> None:
        self.g.add((s, p, o))

    def texts(self, s: URIRef, p: URIRef, value: Any) -> None:
        for lit in _texts(value):
            self.add(s, p, lit)

    def provenance(self, node: URIRef, data: dict[str, Any]) -> None:
        src = data.get("source")
        if not src:
            return
        self.add(node, PROV.wasDerivedFrom, self.sources.get(src.get("document", ""), self.first_source))
        self.add(node, MPLAN.sourceSection, Literal(src["section"], lang="ja"))

    def period(self, node: URIRef, period: dict[str, Any] | None) -> None:
        if not period:
            return
        if "start" in period:
            self.add(node, MPLAN.periodStart, _gyear(parse_fiscal(period["start"]).fiscal_year))
        if "end" in period:
            self.add(node, MPLAN.periodEnd, _gyear(parse_fiscal(period["end"]).fiscal_year))
        if "text" in period:
            self.add(node, MPLAN.periodText, Literal(period["text"], lang="ja"))

    # -- the parts ------------------------------------------------------------------------

    def run(self) -> Graph:
        self.municipality()
        self.plan_node()
        for item in self.s.items("departments"):
            self.department(item)
        for order, item in enumerate(self.s.items("elements"), 1):
            self.element(item, order)
        for order, item in enumerate(self.s.items("viewpoints"), 1):
            self.viewpoint(item, order)
        if self.s.items("indicators"):
            self.add(self.value_set, RDF.type, QB.DataSet)
            self.add(self.value_set, QB.structure, MPLAN.IndicatorValueStructure)
            self.add(self.value_set, RDFS.label, Literal(f"{_ja(self.s.plan.data['title'])} 指標値", lang="ja"))
            self.add(self.value_set, RDFS.label, Literal(f"Indicator values of plan {self.pid}", lang="en"))
            self.add(self.value_set, MPLAN.inPlan, self.plan)
        for order, item in enumerate(self.s.items("indicators"), 1):
            self.indicator(item, order)
        for item in self.s.items("tables"):
            self.table(item)
        for order, item in enumerate(self.s.items("events"), 1):
            self.event(item, order)
        for item in self.s.items("situation"):
            self.situation(self.plan, item.data)
        for item in self.s.items("suggestions"):
            self.suggestion(item.data)
        return self.g

    @property
    def value_set(self) -> URIRef:
        return URIRef(f"{self.plan}/indicator-values")

    def municipality(self) -> None:
        """What the plan says of its local government beyond the registry: names in other
        languages than Japanese, and its Wikidata item. The registry's graph describes every
        local government once (type, Japanese name, code, prefecture, e-Stat area), and load
        has checked that the plan's code, name and prefecture are the registry's; repeating
        them here would give every query through a municipality its rows twice, since a
        store's union of graphs keeps a triple once per graph."""
        m = self.s.plan.data["municipality"]
        node = self.iris.municipality(self.code)
        for prop in (RDFS.label, SKOS.prefLabel):
            for lit in _texts(m["name"]):
                if lit.language != "ja":
                    self.add(node, prop, lit)
        for lit in _texts(m.get("prefecture")):
            if lit.language != "ja":
                self.add(node, MPLAN.prefecture, lit)
        if "wikidata" in m:
            self.add(node, OWL.sameAs, URIRef(WIKIDATA + m["wikidata"]))

    def plan_node(self) -> None:
        p = self.s.plan.data
        node = self.plan
        self.add(node, RDF.type, MPLAN.Plan)
        self.texts(node, RDFS.label, p["title"])
        self.texts(node, DCTERMS.title, p["title"])
        self.texts(node, DCTERMS.alternative, p.get("alternative_title"))
        self.texts(node, DCTERMS.description, p.get("description"))
        self.add(node, MPLAN.municipality, self.iris.municipality(self.code))
        self.add(node, MPLAN.status, concept("plan-status", p["status"]))
        self.add(node, DCTERMS.license, URIRef(p.get("license", DEFAULT_LICENSE)))
        if "edition" in p:
            self.add(node, MPLAN.edition, Literal(p["edition"], lang="ja"))
        if "issued" in p:
            self.add(node, DCTERMS.issued, _date_literal(p["issued"]))
        if "homepage" in p:
            self.add(node, URIRef("http://xmlns.com/foaf/0.1/homepage"), URIRef(p["homepage"]))
        self.period(node, p.get("period"))
        for prop, key in ((MPLAN.reviewCycle, "review_cycle"), (MPLAN.legalBasis, "legal_basis"),
                          (MPLAN.positioning, "positioning"), (MPLAN.principle, "principles")):
            for value in p.get(key, []):
                self.texts(node, prop, value)
        self.texts(node, RDFS.comment, p.get("note"))
        for s in p["sources"]:
            src = self.sources[s["id"]]
            self.add(node, MPLAN.sourceDocument, src)
            self.add(src, RDF.type, MPLAN.SourceDocument)
            self.texts(src, RDFS.label, s["title"])
            self.add(src, MPLAN.fileName, Literal(s["file"]))
            if "url" in s:
                self.add(src, RDFS.seeAlso, URIRef(s["url"]))
            if "issued" in s:
                self.add(src, DCTERMS.issued, _date_literal(s["issued"]))
        for order, layer in enumerate(p.get("layers", []), 1):
            lnode = self.iris.in_plan(self.pid, "layer", layer["id"])
            self.add(node, MPLAN.hasLayer, lnode)
            self.add(lnode, RDF.type, MPLAN.PlanLayer)
            self.add(lnode, MPLAN.inPlan, node)
            self.add(lnode, MPLAN.order, Literal(order))
            self.texts(lnode, RDFS.label, layer["title"])
            self.texts(lnode, DCTERMS.description, layer.get("description"))
            self.period(lnode, layer.get("period"))
            if "years" in layer:
                self.add(lnode, MPLAN.durationYears, Literal(layer["years"]))
            self.provenance(lnode, layer)
            for t_order, term in enumerate(layer.get("terms", []), 1):
                tnode = URIRef(f"{lnode}/{term['id']}")
                self.add(lnode, MPLAN.hasTerm, tnode)
                self.add(tnode, RDF.type, MPLAN.PlanTerm)
                self.add(tnode, MPLAN.order, Literal(t_order))
                self.texts(tnode, RDFS.label, term["title"])
                self.period(tnode, term.get("period"))
        self.alignments(node, p.get("alignments", []))

    def department(self, item: Item) -> None:
        node = self.iris.unit(self.code, item.data["id"])
        self.add(node, RDF.type, ORG.OrganizationalUnit)
        self.add(node, ORG.unitOf, self.iris.municipality(self.code))
        self.texts(node, RDFS.label, item.data["name"])
        self.texts(node, SKOS.prefLabel, item.data["name"])

    def element(self, item: Item, order: int) -> None:
        e = item.data
        node = self.iris.in_plan(self.pid, "element", e["id"])
        self.add(node, RDF.type, MPLAN.PlanElement)
        self.add(node, MPLAN.inPlan, self.plan)
        self.add(node, MPLAN.inMunicipality, self.iris.municipality(self.code))  # shortcut
        self.add(node, MPLAN.level, concept("level", e["level"]))
        self.add(node, MPLAN.order, Literal(order))
        term = e.get("local_term", self.levels.get(e["level"]))
        if term:
            self.add(node, MPLAN.localLevelTerm, Literal(term, lang="ja"))
        if "code" in e:
            self.add(node, SKOS.notation, Literal(e["code"]))
        if "parent" in e:
            self.add(node, MPLAN.parent, self.iris.in_plan(self.pid, "element", e["parent"]))
        self.texts(node, RDFS.label, e["title"])
        if "title_as_written" in e:
            self.add(node, MPLAN.titleAsWritten, Literal(e["title_as_written"]))
        self.texts(node, MPLAN.subtitle, e.get("subtitle"))
        self.texts(node, DCTERMS.description, e.get("description"))
        self.texts(node, RDFS.comment, e.get("note"))
        for h in e.get("highlights", []):
            self.add(node, MPLAN.highlight, Literal(h, lang="ja"))
        if "target_state" in e:
            ts = e["target_state"]
            tnode = URIRef(f"{node}/target-state")
            self.add(node, MPLAN.targetState, tnode)
            self.add(tnode, RDF.type, MPLAN.TargetState)
            label = f"{ts.get('subject', '')}{ts['intent']}"
            self.add(tnode, RDFS.label, Literal(label, lang="ja"))
            if "subject" in ts:
                self.add(tnode, MPLAN.targetSubject, Literal(ts["subject"], lang="ja"))
            self.add(tnode, MPLAN.targetIntent, Literal(ts["intent"], lang="ja"))
            if "year" in ts:
                self.add(tnode, MPLAN.targetYear, _gyear(parse_fiscal(ts["year"]).fiscal_year))
                self.add(tnode, MPLAN.targetYearText, Literal(str(ts["year"])))
        for dept in e.get("departments", []):
            self.add(node, MPLAN.responsibleUnit, self.iris.unit(self.code, dept))
        for sit in e.get("situation", []):
            self.situation(node, sit)
        for a_order, appr in enumerate(e.get("approaches", []), 1):
            local = appr.get("id") or content_id(_ja(appr["title"]))
            anode = URIRef(f"{node}/approach/{local}")
            self.add(node, MPLAN.approach, anode)
            self.add(anode, RDF.type, MPLAN.Approach)
            self.add(anode, MPLAN.order, Literal(a_order))
            self.texts(anode, RDFS.label, appr["title"])
            if "code" in appr:
                self.add(anode, SKOS.notation, Literal(appr["code"]))
            for detail in appr.get("details", []):
                self.add(anode, MPLAN.detail, Literal(detail, lang="ja"))
        for rp in e.get("related_plans", []):
            self.add(node, MPLAN.relatedPlanTitle, Literal(rp, lang="ja"))
        self.alignments(node, e.get("alignments", []))
        self.provenance(node, e)

    def situation(self, owner: URIRef, data: dict[str, Any]) -> None:
        local = data.get("id") or content_id(f"{data['kind']}|{data.get('category', '')}|{data['text']}")
        node = URIRef(f"{owner}/situation/{local}")
        self.add(owner, MPLAN.situationItem, node)
        self.add(node, RDF.type, MPLAN.SituationItem)
        self.add(node, MPLAN.situationKind, concept("situation-kind", data["kind"]))
        self.add(node, RDF.value, Literal(data["text"], lang="ja"))
        self.add(node, RDFS.label, Literal(data["text"], lang="ja"))
        if "category" in data:
            self.add(node, MPLAN.category, Literal(data["category"], lang="ja"))
        self.provenance(node, data)

    def viewpoint(self, item: Item, order: int) -> None:
        v = item.data
        node = self.iris.in_plan(self.pid, "viewpoint", v["id"])
        self.add(self.plan, MPLAN.hasViewpoint, node)
        self.add(node, RDF.type, MPLAN.Viewpoint)
        self.add(node, MPLAN.inPlan, self.plan)
        self.add(node, MPLAN.order, Literal(order))
        self.texts(node, RDFS.label, v["title"])
        self.texts(node, DCTERMS.description, v.get("description"))
        if "code" in v:
            self.add(node, SKOS.notation, Literal(v["code"]))
        if "local_term" in v:
            self.add(node, MPLAN.localLevelTerm, Literal(v["local_term"], lang="ja"))
        for detail in v.get("items", []):
            self.add(node, MPLAN.detail, Literal(detail, lang="ja"))
        self.provenance(node, v)

    def indicator(self, item: Item, order: int) -> None:
        d = item.data
        node = self.iris.in_plan(self.pid, "indicator", d["id"])
        self.add(node, RDF.type, MPLAN.Indicator)
        self.add(node, MPLAN.inPlan, self.plan)
        self.add(node, MPLAN.inMunicipality, self.iris.municipality(self.code))  # shortcut
        self.add(node, MPLAN.order, Literal(order))
        self.add(node, MPLAN.measures,
                 self.iris.in_plan(self.pid, "element", d["element"]) if "element" in d else self.plan)
        self.texts(node, RDFS.label, d["title"])
        self.texts(node, DCTERMS.description, d.get("description"))
        self.texts(node, RDFS.comment, d.get("note"))
        if "local_term" in d:
            self.add(node, MPLAN.localLevelTerm, Literal(d["local_term"], lang="ja"))
        if "unit" in d:
            self.add(node, MPLAN.unit, Literal(d["unit"]))
        if "direction" in d:
            self.add(node, MPLAN.direction, concept("direction", d["direction"]))
        if "direction_basis" in d:
            self.add(node, MPLAN.directionBasis, Literal(d["direction_basis"], lang="ja"))
        if "data_source" in d:
            self.add(node, MPLAN.dataSource, concept("data-source", d["data_source"]))
        if "data_source_text" in d:
            self.add(node, MPLAN.dataSourceText, Literal(d["data_source_text"], lang="ja"))
        if d.get("proposed"):
            self.add(node, MPLAN.proposed, Literal(True))
        for value in d.get("values", []):
            self.value(node, d, value)
        self.alignments(node, d.get("alignments", []))
        self.provenance(node, d)

    def value(self, indicator: URIRef, ind: dict[str, Any], v: dict[str, Any]) -> None:
        fy = parse_fiscal(v["fiscal_year"]) if "fiscal_year" in v else None
        node = value_iri(indicator, v)
        self.add(node, RDF.type, MPLAN.IndicatorValue)
        self.add(node, RDF.type, QB.Observation)
        self.add(node, QB.dataSet, self.value_set)
        self.add(node, MPLAN.indicator, indicator)
        # shortcuts of mplan:indicator/mplan:inPlan and …/mplan:municipality (docs/model.md)
        self.add(node, MPLAN.inPlan, self.plan)
        self.add(node, MPLAN.inMunicipality, self.iris.municipality(self.code))
        self.add(node, MPLAN.valueKind, concept("value-kind", v["kind"]))
        self.add(node, MPLAN.value, _decimal(v["value"]))
        unit = v.get("unit", ind.get("unit"))
        if unit:
            self.add(node, MPLAN.unit, Literal(unit))
        if fy:
            self.add(node, MPLAN.fiscalYear, _gyear(fy.fiscal_year))
            self.add(node, MPLAN.fiscalYearText, Literal(fy.text))
        if "qualifier" in v:
            self.add(node, MPLAN.qualifier, concept("value-qualifier", v["qualifier"]))
        if "text" in v:
            self.add(node, MPLAN.textAsWritten, Literal(v["text"]))
        if "note" in v:
            self.add(node, RDFS.comment, Literal(v["note"], lang="ja"))
        label = v.get("text") or f"{v['value']}{unit or ''}"
        self.add(node, RDFS.label, Literal(f"{_ja(ind['title'])}: {label}", lang="ja"))

    def table(self, item: Item) -> None:
        t = item.data
        node = self.iris.in_plan(self.pid, "table", t["id"])
        self.add(node, RDF.type, MPLAN.DistributionTable)
        self.add(node, RDF.type, QB.DataSet)
        self.add(node, MPLAN.inPlan, self.plan)
        self.texts(node, RDFS.label, t["title"])
        if "note" in t:
            self.add(node, RDFS.comment, Literal(t["note"], lang="ja"))
        if "indicator" in t:
            self.add(node, MPLAN.measures, self.iris.in_plan(self.pid, "indicator", t["indicator"]))
        if "unit" in t:
            self.add(node, MPLAN.unit, Literal(t["unit"]))
        for r_order, row in enumerate(t["rows"], 1):
            rnode = URIRef(f"{node}/row/{row['id']}")
            self.add(node, MPLAN.row, rnode)
            self.add(rnode, RDF.type, MPLAN.DistributionRow)
            self.add(rnode, MPLAN.order, Literal(r_order))
            self.add(rnode, MPLAN.group, Literal(row["group"]))
            self.add(rnode, RDFS.label, Literal(row["group"], lang="ja"))
            if "total" in row:
                self.add(rnode, MPLAN.total, _decimal(row["total"]))
            if "mean" in row:
                self.add(rnode, MPLAN.mean, _decimal(row["mean"]))
            for score, share in zip(t["scores"], row["shares"], strict=True):
                cnode = URIRef(f"{rnode}/score/{score['score']}")
                self.add(rnode, MPLAN.cell, cnode)
                self.add(cnode, RDF.type, MPLAN.DistributionCell)
                self.add(cnode, RDF.type, QB.Observation)
                self.add(cnode, QB.dataSet, node)
                self.add(cnode, MPLAN.scoreValue, Literal(score["score"]))
                if "label" in score:
                    self.add(cnode, MPLAN.scoreLabel, Literal(score["label"], lang="ja"))
                self.add(cnode, MPLAN.share, _decimal(share))
        self.provenance(node, t)

    def event(self, item: Item, order: int) -> None:
        ev = item.data
        node = self.iris.in_plan(self.pid, "event", ev["id"])
        self.add(self.plan, MPLAN.hasEvent, node)
        self.add(node, RDF.type, MPLAN.PlanningEvent)
        self.add(node, RDF.type, PROV.Activity)
        self.add(node, MPLAN.inPlan, self.plan)
        self.add(node, MPLAN.order, Literal(order))
        self.add(node, MPLAN.eventKind, concept("event-kind", ev["kind"]))
        self.texts(node, RDFS.label, ev["title"])
        self.texts(node, DCTERMS.description, ev.get("description"))
        self.texts(node, RDFS.comment, ev.get("note"))
        if "sequence" in ev:
            self.add(node, MPLAN.sequence, Literal(ev["sequence"]))
        if "agenda" in ev:
            self.add(node, MPLAN.agenda, Literal(ev["agenda"], lang="ja"))
        if "date" in ev:
            self.add(node, MPLAN.dateText, Literal(ev["date"]))
            fd = None if yearless(ev["date"]) else parse_fiscal(ev["date"])
            if fd is None:
                pass
            elif fd.date:
                self.add(node, MPLAN.date, Literal(fd.date, datatype=XSD.date))
            elif fd.gyearmonth:
                self.add(node, MPLAN.month, Literal(fd.gyearmonth, datatype=XSD.gYearMonth))
        self.provenance(node, ev)

    def alignments(self, owner: URIRef, links: list[dict[str, Any]]) -> None:
        for link in links:
            node = self._alignment(owner, link["target"], link["basis"])
            if "by" in link:
                self.add(node, PROV.wasAttributedTo, Literal(link["by"]))
            if "note" in link:
                self.add(node, MPLAN.evidence, Literal(link["note"], lang="ja"))

    def _alignment(self, owner: URIRef, target_code: str, basis: str) -> URIRef:
        """The qualified link node; the mplan:alignedWith shortcut for declared and curated only."""
        target = alignment_target(target_code)
        scheme, _, notation = target_code.partition(":")
        node = URIRef(f"{owner}/alignment/{basis}/{scheme}-{notation}")
        if basis != "suggested":
            self.add(owner, MPLAN.alignedWith, target)
        self.add(owner, MPLAN.alignment, node)
        self.add(node, RDF.type, MPLAN.Alignment)
        self.add(node, MPLAN.alignmentTarget, target)
        self.add(node, MPLAN.basis, concept("link-basis", basis))
        return node

    def suggestion(self, s: dict[str, Any]) -> None:
        """An entry of the review file: pending → a suggested link (score, evidence, tagger
        version; no mplan:alignedWith), accepted → a curated link by its reviewer, on the day of
        the decision (dcterms:date), with the reason as evidence, rejected → nothing. A suggestion
        the source files already link declared or curated is skipped."""
        if s["decision"] == "rejected":
            return
        owner = self.iris.in_plan(self.pid, s["kind"], s["about"])
        target = alignment_target(s["target"])
        if s["decision"] == "pending" and (owner, MPLAN.alignedWith, target) in self.g:
            return
        basis = "curated" if s["decision"] == "accepted" else "suggested"
        node = self._alignment(owner, s["target"], basis)
        self.add(node, MPLAN.generatorVersion, Literal(s["tagger_version"]))
        evidence = "、".join(s.get("evidence", []))
        if basis == "suggested":
            self.add(node, MPLAN.score, _decimal(s["score"]))
            self.add(node, PROV.wasAttributedTo, Literal(s["tagger_version"]))
            if evidence:
                self.add(node, MPLAN.evidence, Literal(evidence, lang="ja"))
        else:
            self.add(node, PROV.wasAttributedTo, Literal(s["by"]))
            if "date" in s:
                self.add(node, DCTERMS.date, Literal(s["date"], datatype=XSD.date))
            note = s.get("note") or evidence
            if note:
                self.add(node, MPLAN.evidence, Literal(note, lang="ja"))


def _date_literal(value: str | int) -> Literal:
    fd = parse_fiscal(value)
    if fd.date:
        return Literal(fd.date, datatype=XSD.date)
    if fd.gyearmonth:
        return Literal(fd.gyearmonth, datatype=XSD.gYearMonth)
    return _gyear(fd.year)


def to_graph(source: PlanSource, iris: Iris | None = None) -> Graph:
    """The RDF graph of one checked plan source (see docs/model.md for the mapping)."""
    return _Converter(source, iris or Iris()).run()
