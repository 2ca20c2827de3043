"""Page data for plans, their elements and indicators, and municipalities."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from .reader import Reader, Ref, curie, iri_values, number, text_of

KIND_ORDER = {"baseline": 0, "actual": 1, "projection": 2, "target": 3}


@dataclass
class Observation:
    iri: str
    href: str
    kind: str  # baseline / actual / target / projection (the concept's notation)
    kind_ref: Ref | None
    year: int | None
    year_text: str | None
    value: float | None
    unit: str | None
    text: str | None
    qualifier: Ref | None


@dataclass
class IndicatorSummary:
    ref: Ref
    unit: str | None
    direction: str | None  # increase / decrease / maintain
    direction_ref: Ref | None
    proposed: bool
    values: list[Observation] = field(default_factory=list)


@dataclass
class Node:
    """An element in the plan tree."""

    ref: Ref
    level: Ref | None
    rank: int
    local_term: str | None
    notation: str | None
    order: int
    children: list[Node] = field(default_factory=list)
    indicators: list[IndicatorSummary] = field(default_factory=list)


def _local(iri: str | None) -> str | None:
    return iri.rstrip("/").rsplit("/", 1)[-1] if iri else None


def provenance(r: Reader, iri: str) -> dict:
    """Licence and source of a resource: its plan's licence, its source document and section."""
    plan = r.plan_of(iri)
    rows = r.select("""SELECT ?license ?src ?file ?section {
        OPTIONAL { ?plan dcterms:license ?license }
        OPTIONAL { ?x prov:wasDerivedFrom ?src OPTIONAL { ?src mplan:fileName ?file } }
        OPTIONAL { ?x mplan:sourceSection ?section } }""", x=iri, plan=plan or iri)
    licenses = sorted({text_of(x, "license") for x in rows} - {None})
    sources = sorted({(text_of(x, "src"), text_of(x, "file")) for x in rows if x.get("src")})
    if not sources and plan:
        rows2 = r.select("""SELECT ?src ?file { ?plan mplan:sourceDocument ?src
                            OPTIONAL { ?src mplan:fileName ?file } }""", plan=plan)
        sources = sorted({(text_of(x, "src"), text_of(x, "file")) for x in rows2})
    refs = r.refs([i for i in licenses] + [s for s, _ in sources])
    return {"licenses": [refs[i] for i in licenses],
            "sources": [(refs[s], f) for s, f in sources],
            "sections": sorted({text_of(x, "section") for x in rows} - {None}),
            "plan": r.ref(plan) if plan and plan != iri else None}


def values_of(r: Reader, indicators: list[str]) -> dict[str, list[Observation]]:
    """The observations of each indicator, oldest first, baseline before target in a year."""
    if not indicators:
        return {}
    rows = r.select(f"""SELECT ?v ?ind ?kind ?fy ?fyt ?val ?unit ?text ?q {{
        VALUES ?ind {{ {iri_values(indicators)} }}
        ?v mplan:indicator ?ind .
        OPTIONAL {{ ?v mplan:valueKind ?kind }} OPTIONAL {{ ?v mplan:fiscalYear ?fy }}
        OPTIONAL {{ ?v mplan:fiscalYearText ?fyt }} OPTIONAL {{ ?v mplan:value ?val }}
        OPTIONAL {{ ?v mplan:unit ?unit }} OPTIONAL {{ ?v mplan:textAsWritten ?text }}
        OPTIONAL {{ ?v mplan:qualifier ?q }} }}""")
    refs = r.refs({text_of(x, "kind") for x in rows} | {text_of(x, "q") for x in rows} - {None})
    out: dict[str, list[Observation]] = {i: [] for i in indicators}
    for x in rows:
        year = text_of(x, "fy")
        kind = _local(text_of(x, "kind")) or ""
        out[x["ind"].value].append(Observation(
            x["v"].value, r.paths.href(x["v"].value), kind, refs.get(text_of(x, "kind") or ""),
            int(year[:4]) if year and year[:4].isdigit() else None, text_of(x, "fyt"),
            number(x.get("val")), text_of(x, "unit"), text_of(x, "text"),
            refs.get(text_of(x, "q") or "")))
    for obs in out.values():
        obs.sort(key=lambda o: (o.year if o.year is not None else 9999, KIND_ORDER.get(o.kind, 9)))
    return out


def indicator_summaries(r: Reader, where: str, **bindings: str) -> list[tuple[str | None, IndicatorSummary]]:
    """(what it measures, summary) for the indicators matched by ``where`` (binds ?i)."""
    rows = r.select(f"""SELECT ?i ?m ?unit ?dir ?proposed ?order {{ {where}
        ?i a mplan:Indicator . OPTIONAL {{ ?i mplan:measures ?m }} OPTIONAL {{ ?i mplan:unit ?unit }}
        OPTIONAL {{ ?i mplan:direction ?dir }} OPTIONAL {{ ?i mplan:proposed ?proposed }}
        OPTIONAL {{ ?i mplan:order ?order }} }} ORDER BY ?order ?i""", **bindings)
    seen: dict[str, tuple[str | None, IndicatorSummary]] = {}
    refs = r.refs({x["i"].value for x in rows} | {text_of(x, "dir") for x in rows} - {None})
    vals = values_of(r, sorted({x["i"].value for x in rows}))
    for x in rows:
        i = x["i"].value
        if i in seen:
            continue
        d = text_of(x, "dir")
        seen[i] = (text_of(x, "m"), IndicatorSummary(
            refs[i], text_of(x, "unit"), _local(d), refs.get(d or ""),
            text_of(x, "proposed") == "true", vals.get(i, [])))
    return list(seen.values())


def plan_page(r: Reader, iri: str) -> dict:
    """A plan with its whole tree, from vision to actions, indicators inline."""
    rows = r.select("""SELECT ?e ?level ?rank ?term ?notation ?parent ?order {
        ?e mplan:inPlan ?plan ; a mplan:PlanElement .
        OPTIONAL { ?e mplan:level ?level OPTIONAL { ?level mplan:rank ?rank } }
        OPTIONAL { ?e mplan:localLevelTerm ?term } OPTIONAL { ?e skos:notation ?notation }
        OPTIONAL { ?e mplan:parent ?parent } OPTIONAL { ?e mplan:order ?order } }""", plan=iri)
    refs = r.refs({x["e"].value for x in rows} | {text_of(x, "level") for x in rows} - {None})
    nodes: dict[str, Node] = {}
    parents: dict[str, str | None] = {}
    for x in rows:
        e = x["e"].value
        if e in nodes:
            continue
        lv = text_of(x, "level")
        nodes[e] = Node(refs[e], refs.get(lv or ""), int(number(x.get("rank")) or 9),
                        text_of(x, "term"), text_of(x, "notation"), int(number(x.get("order")) or 0))
        parents[e] = text_of(x, "parent")
    plan_indicators = []
    for measured, summary in indicator_summaries(r, "?i mplan:inPlan ?plan .", plan=iri):
        if measured in nodes:
            nodes[measured].indicators.append(summary)
        else:
            plan_indicators.append(summary)
    roots = []
    for e, node in nodes.items():
        parent = parents[e]
        if parent in nodes:
            nodes[parent].children.append(node)
        else:
            roots.append(node)
    for node in nodes.values():
        node.children.sort(key=lambda n: (n.order, n.rank, n.ref.iri))
    roots.sort(key=lambda n: (n.rank, n.order, n.ref.iri))
    facts = r.select("""SELECT ?muni ?status ?ps ?pe ?pt ?issued ?edition {
        OPTIONAL { ?plan mplan:municipality ?muni } OPTIONAL { ?plan mplan:status ?status }
        OPTIONAL { ?plan mplan:periodStart ?ps } OPTIONAL { ?plan mplan:periodEnd ?pe }
        OPTIONAL { ?plan mplan:periodText ?pt } OPTIONAL { ?plan dcterms:issued ?issued }
        OPTIONAL { ?plan mplan:edition ?edition } } LIMIT 1""", plan=iri)
    f = facts[0] if facts else {}
    layers = r.select("""SELECT ?l ?pt ?order { ?plan mplan:hasLayer ?l
        OPTIONAL { ?l mplan:periodText ?pt } OPTIONAL { ?l mplan:order ?order } } ORDER BY ?order""",
                      plan=iri)
    viewpoints = r.select("""SELECT ?v ?n ?order { ?plan mplan:hasViewpoint ?v
        OPTIONAL { ?v skos:notation ?n } OPTIONAL { ?v mplan:order ?order } } ORDER BY ?order""",
                          plan=iri)
    events = r.select("""SELECT ?ev ?date ?order { ?plan mplan:hasEvent ?ev
        OPTIONAL { ?ev mplan:dateText ?date } OPTIONAL { ?ev mplan:order ?order } } ORDER BY ?order""",
                      plan=iri)
    situation = r.select("""SELECT ?s ?kind ?cat { ?plan mplan:situationItem ?s
        OPTIONAL { ?s mplan:situationKind ?kind } OPTIONAL { ?s mplan:category ?cat } }""", plan=iri)
    more = r.refs({text_of(x, "muni") for x in [f]} | {text_of(f, "status")} |
                  {x["l"].value for x in layers} | {x["v"].value for x in viewpoints} |
                  {x["ev"].value for x in events} | {x["s"].value for x in situation} |
                  {text_of(x, "kind") for x in situation} - {None})
    by_kind: dict[str, list[Ref]] = {}
    for x in situation:
        k = text_of(x, "kind") or ""
        by_kind.setdefault(k, []).append(more[x["s"].value])
    return {
        "ref": r.ref(iri), "tree": roots, "plan_indicators": plan_indicators,
        "municipality": more.get(text_of(f, "muni") or ""), "status": more.get(text_of(f, "status") or ""),
        "period": (text_of(f, "ps"), text_of(f, "pe"), text_of(f, "pt")),
        "issued": text_of(f, "issued"), "edition": text_of(f, "edition"),
        "layers": [(more[x["l"].value], text_of(x, "pt")) for x in layers],
        "viewpoints": [(more[x["v"].value], text_of(x, "n")) for x in viewpoints],
        "events": [(more[x["ev"].value], text_of(x, "date")) for x in events],
        "situation": [(more.get(k) if k else None, sorted(v, key=lambda x: x.text("ja")))
                      for k, v in sorted(by_kind.items())],
        "counts": {"elements": len(nodes),
                   "indicators": len(plan_indicators) + sum(len(n.indicators) for n in nodes.values())},
        "texts": texts(r, iri, ("dcterms:description", "rdfs:comment", "mplan:positioning",
                                 "mplan:principle", "mplan:reviewCycle", "mplan:legalBasis",
                                 "dcterms:alternative")),
        "provenance": provenance(r, iri),
    }


def texts(r: Reader, iri: str, predicates: tuple[str, ...]) -> dict[str, dict[str, list[str]]]:
    """Literal values of ``predicates`` by predicate (CURIE) and language."""
    out: dict[str, dict[str, list[str]]] = {p: {} for p in predicates}
    rows = r.select(f"""SELECT ?p ?o {{ VALUES ?p {{ {' '.join(predicates)} }}
                        ?x ?p ?o FILTER(isLiteral(?o)) }}""", x=iri)
    for x in rows:
        lang = x["o"].language or ""
        out[curie(x["p"].value)].setdefault(lang, []).append(x["o"].value)
    for by_lang in out.values():
        for values in by_lang.values():
            values.sort()
    return out


def ancestors(r: Reader, iri: str) -> list[Ref]:
    """The elements above ``iri``, from the top down. (The depth is counted here, not with a
    second path in the query: Virtuoso cannot evaluate ``parent+`` joined to ``parent*``.)"""
    rows = r.select("""SELECT DISTINCT ?a ?up {
        ?x mplan:parent+ ?a OPTIONAL { ?a mplan:parent ?up } }""", x=iri)
    up: dict[str, set[str]] = {}
    for row in rows:
        up.setdefault(row["a"].value, set()).update([row["up"].value] if "up" in row else [])

    def depth(a: str, seen: frozenset = frozenset()) -> int:
        above = [depth(u, seen | {a}) for u in up.get(a, ()) if u not in seen and u in up]
        return 1 + max(above, default=0)

    order = sorted(up, key=lambda a: (depth(a), a))
    refs = r.refs(order)
    return [refs[a] for a in order]


def alignments(r: Reader, iri: str) -> list[dict]:
    """The qualified links of one resource, with provenance."""
    # Two queries, not one UNION: a value bound outside a UNION is not pushed into its
    # branches by Oxigraph, which then reads every alignment in the store.
    rows = r.select("""SELECT ?a ?target ?basis ?score ?who ?evidence {
        ?x mplan:alignment ?a . ?a mplan:alignmentTarget ?target
        OPTIONAL { ?a mplan:basis ?basis } OPTIONAL { ?a mplan:score ?score }
        OPTIONAL { ?a prov:wasAttributedTo ?who } OPTIONAL { ?a mplan:evidence ?evidence } }""",
                    x=iri)
    rows += r.select("""SELECT ?target { ?x mplan:alignedWith ?target
        FILTER NOT EXISTS { ?x mplan:alignment/mplan:alignmentTarget ?target } }""", x=iri)
    refs = r.refs({text_of(x, "target") for x in rows} | {text_of(x, "basis") for x in rows}
                  | {text_of(x, "who") for x in rows if isinstance(x.get("who"), ox.NamedNode)}
                  - {None})
    out = []
    for x in rows:
        who = text_of(x, "who")
        out.append({"target": refs[x["target"].value], "basis": refs.get(text_of(x, "basis") or ""),
                    "basis_key": _local(text_of(x, "basis")) or "asserted",
                    "score": number(x.get("score")), "who": refs.get(who or "") or who,
                    "evidence": text_of(x, "evidence")})
    return sorted(out, key=lambda a: (a["target"].iri, a["basis_key"]))


def element_page(r: Reader, iri: str) -> dict:
    children = r.select("""SELECT ?c ?order { ?c mplan:parent ?x OPTIONAL { ?c mplan:order ?order } }
                           ORDER BY ?order ?c""", x=iri)
    facts = r.select("""SELECT ?level ?term ?notation ?unit ?written ?ts ?subj ?intent ?ty {
        OPTIONAL { ?x mplan:level ?level } OPTIONAL { ?x mplan:localLevelTerm ?term }
        OPTIONAL { ?x mplan:titleAsWritten ?written }
        OPTIONAL { ?x skos:notation ?notation } OPTIONAL { ?x mplan:responsibleUnit ?unit }
        OPTIONAL { ?x mplan:targetState ?ts OPTIONAL { ?ts mplan:targetSubject ?subj }
                   OPTIONAL { ?ts mplan:targetIntent ?intent } OPTIONAL { ?ts mplan:targetYearText ?ty } } }""",
                     x=iri)
    approaches = r.select("""SELECT ?a ?n ?d { ?x mplan:approach ?a OPTIONAL { ?a skos:notation ?n }
                             OPTIONAL { ?a mplan:detail ?d } } ORDER BY ?n ?a ?d""", x=iri)  # total: same on every store
    f = facts[0] if facts else {}
    refs = r.refs({x["c"].value for x in children} | {text_of(f, "level"), text_of(f, "unit")} - {None}
                  | {x["a"].value for x in approaches})
    return {
        "ref": r.ref(iri), "ancestors": ancestors(r, iri),
        "children": [refs[x["c"].value] for x in children],
        "level": refs.get(text_of(f, "level") or ""), "local_term": text_of(f, "term"),
        "notation": text_of(f, "notation"), "unit": refs.get(text_of(f, "unit") or ""),
        "title_as_written": text_of(f, "written"),
        "target_state": {k: text_of(f, k) for k in ("subj", "intent", "ty")} if f.get("ts") else None,
        "approaches": [(refs[x["a"].value], text_of(x, "n"), text_of(x, "d")) for x in approaches],
        "indicators": [s for _, s in indicator_summaries(r, "?i mplan:measures ?x .", x=iri)],
        "alignments": alignments(r, iri),
        "texts": texts(r, iri, ("mplan:subtitle", "dcterms:description", "mplan:highlight",
                                 "mplan:relatedPlanTitle", "rdfs:comment")),
        "provenance": provenance(r, iri),
    }


def indicator_page(r: Reader, iri: str) -> dict:
    summary = indicator_summaries(r, "", i=iri)
    measured, s = summary[0] if summary else (None, None)
    facts = r.select("""SELECT ?ds ?dst ?basis ?term { OPTIONAL { ?i mplan:dataSource ?ds }
        OPTIONAL { ?i mplan:dataSourceText ?dst } OPTIONAL { ?i mplan:directionBasis ?basis }
        OPTIONAL { ?i mplan:localLevelTerm ?term } } LIMIT 1""", i=iri)
    f = facts[0] if facts else {}
    tables = r.select("SELECT ?t { ?t a mplan:DistributionTable ; mplan:measures ?i }", i=iri)
    refs = r.refs({measured, text_of(f, "ds")} - {None} | {x["t"].value for x in tables})
    return {
        "ref": r.ref(iri), "summary": s, "measures": refs.get(measured or ""),
        "data_source": refs.get(text_of(f, "ds") or ""), "data_source_text": text_of(f, "dst"),
        "direction_basis": text_of(f, "basis"), "local_term": text_of(f, "term"),
        "tables": [refs[x["t"].value] for x in tables],
        "alignments": alignments(r, iri),
        "texts": texts(r, iri, ("dcterms:description", "rdfs:comment")),
        "provenance": provenance(r, iri),
    }

