"""Data of the JSON API for apps (``/api/…``): plain dicts of IRIs, labels, numbers and years.

Every read is bound to the resource asked about (a plan, an element, an indicator, a
municipality, an SDG goal or target) through ``VALUES`` blocks of validated terms, never a scan
of the store: a plan's lists read that plan's elements or indicators (a few hundred at most),
then the labels and values of one page only. Nothing here knows about HTTP or URLs: the route
layer (:mod:`publisher.web.api`) adds where this server serves each IRI.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from ...namespaces import DEF
from . import links
from .plans import alignments, values_of
from .reader import Label, Reader, Ref, iri_values, sdg_notation, text_of

LEVELS = ("vision", "goal", "policy", "measure", "action")
LEVEL_SCHEME = f"{DEF}/level/"
BASES = (*links.BASES, "asserted")
EXACT = 2 ** 53  # a JSON number keeps every integer below this exactly


@dataclass
class Page:
    """One page of a list: its items, how many there are in all, and where it starts."""

    items: list[dict]
    total: int
    page: int
    size: int


def json_number(term: ox.Literal | None) -> int | float | None:
    """A numeric literal as a JSON number: an integer when it is whole (``"75"^^xsd:decimal``
    → 75), else a float (``"6.77"`` → 6.77). ``None`` when it is not a number.

    >>> [json_number(ox.Literal(v)) for v in ("75.0", "6.77", "-3", "12345678901234567890.5", "x")]
    [75, 6.77, -3, 1.2345678901234567e+19, None]
    """
    if term is None:
        return None
    try:
        d = Decimal(term.value.strip())
    except InvalidOperation:
        return None
    if not d.is_finite():
        return None
    if d == d.to_integral_value() and abs(d) < EXACT:
        return int(d)
    return float(d)


def year_of(term: ox.Literal | None) -> int | None:
    """The Gregorian year of an ``xsd:gYear`` (``"2024"`` → 2024); ``None`` otherwise.

    >>> year_of(ox.Literal("2024")), year_of(ox.Literal("2024Z")), year_of(None)
    (2024, 2024, None)
    """
    if term is None:
        return None
    head = term.value[:4]
    return int(head) if head.isascii() and head.isdigit() else None


def label(ref: Ref | None) -> Label:
    """Labels by language; a label without a language is under ``und`` (BCP 47)."""
    if ref is None:
        return {}
    return {(lang or "und"): text for lang, text in sorted(ref.label.items())}


def link(ref: Ref | None) -> dict | None:
    return {"iri": ref.iri, "label": label(ref)} if ref is not None else None


def _slice(items: list, page: int, size: int) -> list:
    return items[(page - 1) * size: page * size]


# --- elements -------------------------------------------------------------------------------

_ELEMENT = """SELECT ?e ?level ?rank ?term ?notation ?parent ?order {{ {where}
    ?e a mplan:PlanElement .
    OPTIONAL {{ ?e mplan:level ?level OPTIONAL {{ ?level mplan:rank ?rank }} }}
    OPTIONAL {{ ?e mplan:localLevelTerm ?term }} OPTIONAL {{ ?e skos:notation ?notation }}
    OPTIONAL {{ ?e mplan:parent ?parent }} OPTIONAL {{ ?e mplan:order ?order }} }}"""


def _element_rows(r: Reader, where: str, **bindings: str) -> dict[str, dict]:
    """Element IRI → its facts (level, local term, code, parent, order), for the elements
    matched by ``where`` (it binds ``?e``); one row per element (the first of each)."""
    out: dict[str, dict] = {}
    for x in r.select(_ELEMENT.format(where=where), **bindings):
        e = x["e"].value
        if e in out:
            continue
        out[e] = {"level": text_of(x, "level"), "rank": json_number(x.get("rank")),
                  "local_level": text_of(x, "term"), "notation": text_of(x, "notation"),
                  "parent": text_of(x, "parent"), "order": json_number(x.get("order"))}
    return out


def _tree_order(rows: dict[str, dict]) -> list[str]:
    """The elements depth first, as the plan reads (children by their order, then code)."""
    children: dict[str | None, list[str]] = {}
    for e, f in rows.items():
        parent = f["parent"] if f["parent"] in rows else None
        children.setdefault(parent, []).append(e)

    def key(e: str) -> tuple:
        f = rows[e]
        return (f["rank"] if f["rank"] is not None else 9, f["order"] or 0, f["notation"] or "", e)

    out: list[str] = []
    stack = sorted(children.get(None, []), key=key, reverse=True)
    seen: set[str] = set()
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        out.append(e)
        stack.extend(sorted(children.get(e, []), key=key, reverse=True))
    return out


def _elements_json(r: Reader, rows: dict[str, dict], order: list[str]) -> list[dict]:
    refs = r.refs(set(order) | {rows[e]["level"] for e in order} - {None})
    out = []
    for e in order:
        f = rows[e]
        level = refs.get(f["level"] or "")
        out.append({"iri": e, "label": label(refs[e]),
                    "level": {"iri": level.iri, "key": level.iri.rsplit("/", 1)[-1],
                              "label": label(level)} if level else None,
                    "local_level": f["local_level"], "notation": f["notation"],
                    "order": f["order"], "parent": {"iri": f["parent"]} if f["parent"] else None})
    return out


def plan_elements(r: Reader, plan: str, page: int, size: int, level: str | None = None) -> Page:
    """The elements of ``plan`` in the plan's own order (depth first), optionally of one
    shared ``level`` (``goal``, ``measure``, …): page ``page`` of ``size``."""
    rows = _element_rows(r, "?e mplan:inPlan ?plan .", plan=plan)
    order = _tree_order(rows)
    if level is not None:
        order = [e for e in order if rows[e]["level"] == LEVEL_SCHEME + level]
    return Page(_elements_json(r, rows, _slice(order, page, size)), len(order), page, size)


# --- indicators -----------------------------------------------------------------------------

def _values_json(r: Reader, indicators: list[str]) -> dict[str, list[dict]]:
    """Each indicator's observations (oldest first): kind, number, unit, fiscal year, text."""
    out: dict[str, list[dict]] = {}
    numbers = _numbers(r, indicators)
    for ind, obs in values_of(r, indicators).items():
        out[ind] = [{"iri": o.iri, "kind": o.kind, "value": numbers.get(o.iri),
                     "unit": o.unit, "year": o.year, "year_text": o.year_text,
                     "text": o.text, "qualifier": link(o.qualifier)} for o in obs]
    return out


def _numbers(r: Reader, indicators: list[str]) -> dict[str, int | float | None]:
    """The exact value of each observation of ``indicators`` (``values_of`` reads floats)."""
    if not indicators:
        return {}
    rows = r.select(f"""SELECT ?v ?val {{ VALUES ?ind {{ {iri_values(indicators)} }}
        ?v mplan:indicator ?ind ; mplan:value ?val }}""")
    return {x["v"].value: json_number(x["val"]) for x in rows}


_INDICATOR = """SELECT ?i ?m ?unit ?dir ?proposed ?order ?term {{ {where}
    ?i a mplan:Indicator . OPTIONAL {{ ?i mplan:measures ?m }} OPTIONAL {{ ?i mplan:unit ?unit }}
    OPTIONAL {{ ?i mplan:direction ?dir }} OPTIONAL {{ ?i mplan:proposed ?proposed }}
    OPTIONAL {{ ?i mplan:order ?order }} OPTIONAL {{ ?i mplan:localLevelTerm ?term }} }}"""


def _indicator_rows(r: Reader, where: str, **bindings: str) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for x in r.select(_INDICATOR.format(where=where), **bindings):
        i = x["i"].value
        if i in out:
            continue
        out[i] = {"measures": text_of(x, "m"), "unit": text_of(x, "unit"),
                  "direction": text_of(x, "dir"), "proposed": text_of(x, "proposed") == "true",
                  "order": json_number(x.get("order")), "local_level": text_of(x, "term")}
    return out


def _indicators_json(r: Reader, rows: dict[str, dict], order: list[str]) -> list[dict]:
    refs = r.refs(set(order) | {rows[i][k] for i in order for k in ("measures", "direction")}
                  - {None})
    values = _values_json(r, order)
    out = []
    for i in order:
        f = rows[i]
        direction = refs.get(f["direction"] or "")
        out.append({"iri": i, "label": label(refs[i]), "local_level": f["local_level"],
                    "unit": f["unit"], "order": f["order"],
                    "direction": {"iri": direction.iri, "key": direction.iri.rsplit("/", 1)[-1],
                                  "label": label(direction)} if direction else None,
                    "proposed": f["proposed"],
                    "measures": link(refs.get(f["measures"] or "")),
                    "values": values.get(i, [])})
    return out


def plan_indicators(r: Reader, plan: str, page: int, size: int) -> Page:
    """The indicators of ``plan``, each with its values: page ``page`` of ``size``, in the
    plan's order (by the element they measure, depth first, then their own order)."""
    rows = _indicator_rows(r, "?i mplan:inPlan ?plan .", plan=plan)
    elements = _tree_order(_element_rows(r, "?e mplan:inPlan ?plan .", plan=plan))
    position = {e: n for n, e in enumerate(elements)}
    order = sorted(rows, key=lambda i: (position.get(rows[i]["measures"] or "", -1),
                                        rows[i]["order"] or 0, i))
    return Page(_indicators_json(r, rows, _slice(order, page, size)), len(order), page, size)


# --- single resources -----------------------------------------------------------------------

def _facts(r: Reader, iri: str, select: str, where: str) -> dict:
    rows = r.select(f"SELECT {select} {{ {where} }} LIMIT 1", x=iri)
    return rows[0] if rows else {}


def _texts(r: Reader, iri: str, predicates: tuple[str, ...]) -> dict[str, Label]:
    """Literal values of ``predicates`` by key (the predicate's local name) and language."""
    # ?p is filtered, not bound by a second VALUES block (see Reader.labels)
    rows = r.select(f"""SELECT ?p ?o {{ ?x ?p ?o
                        FILTER(isLiteral(?o) && ?p IN ({', '.join(predicates)})) }} ORDER BY ?p ?o""",
                    x=iri)
    out: dict[str, Label] = {}
    for x in rows:
        key = x["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        out.setdefault(key, {}).setdefault(x["o"].language or "und", x["o"].value)
    return out


def plan(r: Reader, iri: str) -> dict:
    """A plan: its facts, its municipality, and its top elements (one level down)."""
    f = _facts(r, iri, "?muni ?code ?status ?ps ?pe ?pt ?issued ?license", """
        OPTIONAL { ?x mplan:municipality ?muni OPTIONAL { ?muni mplan:localGovernmentCode ?code } }
        OPTIONAL { ?x mplan:status ?status } OPTIONAL { ?x mplan:periodStart ?ps }
        OPTIONAL { ?x mplan:periodEnd ?pe } OPTIONAL { ?x mplan:periodText ?pt }
        OPTIONAL { ?x dcterms:issued ?issued } OPTIONAL { ?x dcterms:license ?license }""")
    rows = _element_rows(r, "?e mplan:inPlan ?plan .", plan=iri)
    order = _tree_order(rows)
    top = [e for e in order if rows[e]["parent"] not in rows]
    indicators = r.select("SELECT (COUNT(DISTINCT ?i) AS ?n) { ?i mplan:inPlan ?plan ; a mplan:Indicator }",
                          plan=iri)
    refs = r.refs({iri} | {text_of(f, k) for k in ("muni", "status")} - {None})
    muni = refs.get(text_of(f, "muni") or "")
    status = refs.get(text_of(f, "status") or "")
    return {
        "iri": iri, "label": label(refs[iri]),
        "municipality": {**link(muni), "code": text_of(f, "code")} if muni else None,
        "status": {"iri": status.iri, "key": status.iri.rsplit("/", 1)[-1], "label": label(status)}
        if status else None,
        "period": {"start": year_of(f.get("ps")), "end": year_of(f.get("pe")),
                   "text": text_of(f, "pt")},
        "issued": text_of(f, "issued"), "license": text_of(f, "license"),
        **_texts(r, iri, ("dcterms:description", "mplan:edition", "dcterms:alternative")),
        "counts": {"elements": len(rows),
                   "indicators": int(json_number(indicators[0]["n"]) or 0) if indicators else 0},
        "elements": _elements_json(r, rows, top),
    }


def element(r: Reader, iri: str) -> dict:
    """An element: its facts, its parent, its children (one level down), its indicators with
    their values, and its links (SDGs, policy domains) with their provenance."""
    me = _element_rows(r, "", e=iri)
    children = _element_rows(r, "?e mplan:parent ?x .", x=iri)
    inds = _indicator_rows(r, "?i mplan:measures ?x .", x=iri)
    plan_iri = r.plan_of(iri)
    parent = me[iri]["parent"] if iri in me else None
    refs = r.refs({plan_iri, parent} - {None})
    [data] = _elements_json(r, me, [iri]) if iri in me else [{"iri": iri}]
    ind_order = sorted(inds, key=lambda i: (inds[i]["order"] or 0, i))
    return {
        **data,
        "plan": link(refs.get(plan_iri or "")),
        "parent": link(refs.get(parent or "")),
        **_texts(r, iri, ("dcterms:description", "mplan:subtitle", "mplan:highlight")),
        "children": _elements_json(r, children, sorted(
            children, key=lambda e: (children[e]["order"] or 0, children[e]["notation"] or "", e))),
        "indicators": _indicators_json(r, inds, ind_order),
        "links": [{"target": link(a["target"]), "basis": a["basis_key"], "score": a["score"],
                   "evidence": a["evidence"]} for a in alignments(r, iri)],
    }


def indicator(r: Reader, iri: str) -> dict:
    """An indicator with its values, what it measures, and its links."""
    rows = _indicator_rows(r, "", i=iri)
    [data] = _indicators_json(r, rows, [iri]) if iri in rows else [{"iri": iri}]
    f = _facts(r, iri, "?dst", "OPTIONAL { ?x mplan:dataSourceText ?dst }")
    plan_iri = r.plan_of(iri)
    return {**data, "plan": link(r.ref(plan_iri)) if plan_iri else None,
            "data_source": text_of(f, "dst"),
            **_texts(r, iri, ("dcterms:description",)),
            "links": [{"target": link(a["target"]), "basis": a["basis_key"], "score": a["score"],
                       "evidence": a["evidence"]} for a in alignments(r, iri)]}


# --- municipalities and SDGs ------------------------------------------------------------------

def municipality_plans(r: Reader, muni: str, page: int, size: int) -> Page:
    """The plans of one local government (its own, by ``mplan:municipality``)."""
    rows = r.select("""SELECT ?p ?status ?ps ?pe ?pt { ?p mplan:municipality ?m ; a mplan:Plan
        OPTIONAL { ?p mplan:status ?status } OPTIONAL { ?p mplan:periodStart ?ps }
        OPTIONAL { ?p mplan:periodEnd ?pe } OPTIONAL { ?p mplan:periodText ?pt } } ORDER BY ?p""",
                    m=muni)
    first: dict[str, dict] = {}
    for x in rows:
        first.setdefault(x["p"].value, x)
    order = list(first)
    shown = _slice(order, page, size)
    refs = r.refs(set(shown) | {text_of(first[p], "status") for p in shown} - {None})
    items = []
    for p in shown:
        x = first[p]
        status = refs.get(text_of(x, "status") or "")
        items.append({"iri": p, "label": label(refs[p]),
                      "status": {"iri": status.iri, "key": status.iri.rsplit("/", 1)[-1],
                                 "label": label(status)} if status else None,
                      "period": {"start": year_of(x.get("ps")), "end": year_of(x.get("pe")),
                                 "text": text_of(x, "pt")}})
    return Page(items, len(order), page, size)


def sdg_targets(r: Reader, iri: str) -> list[str]:
    """``iri`` and, for a goal, its targets: in the scheme, or linked without being in it
    (every well-formed target IRI of the goal is looked up by value, not by scanning links)."""
    note = sdg_notation(iri)
    if not note or "." in note:
        return [iri]
    found = {x["t"].value for x in r.select("SELECT ?t { ?t skos:broader ?g }", g=iri)}
    candidates = iri_values(f"{iri}.{t}" for t in links.TARGET_SUFFIXES)
    for pattern in ("?a mplan:alignmentTarget ?t", "?i mplan:alignedWith ?t"):
        rows = r.select(f"SELECT DISTINCT ?t {{ VALUES ?t {{ {candidates} }} {pattern} }}")
        found |= {x["t"].value for x in rows}
    return [iri, *sorted(found)]


def sdg_items(r: Reader, iri: str, munis: tuple[str, ...], bases: tuple[str, ...],
              page: int, size: int) -> Page:
    """The items linked to an SDG goal (or its targets) or target, across plans or in the
    plans of ``munis``, with the provenance of each link (``bases``: declared, curated,
    suggested, asserted). One row per (item, target, basis)."""
    # links' own readers (both kinds of link, each query with the values inside; the kind of
    # each item): the SDG page reads its links the same way
    rows = links._links(r, "?item ?target ?basis ?score ?plan ?muni",
                        links.link_values(sdg_targets(r, iri), munis), details=True)
    rows = [x for x in rows if links.basis_key(text_of(x, "basis")) in bases]
    rows.sort(key=lambda x: (x["muni"].value, x["plan"].value, x["item"].value,
                             links.basis_key(text_of(x, "basis")), x["target"].value))
    shown = _slice(rows, page, size)
    kinds = links._kinds(r, {x["item"].value for x in shown})
    refs = r.refs({x[k].value for x in shown for k in ("item", "plan", "muni", "target")})
    items = []
    for x in shown:
        kind = kinds.get(x["item"].value)
        items.append({"item": {**link(refs[x["item"].value]),
                               "kind": kind.iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]
                               if kind else None},
                      "target": link(refs[x["target"].value]),
                      "basis": links.basis_key(text_of(x, "basis")),
                      "score": json_number(x.get("score")),
                      "plan": link(refs[x["plan"].value]),
                      "municipality": link(refs[x["muni"].value])})
    return Page(items, len(rows), page, size)
