"""The shortcut triples (docs/model.md, "Shortcuts") agree with the paths they abbreviate: every
element, indicator and indicator value has exactly the shortcut its path gives, and no other."""

from __future__ import annotations

import pyoxigraph as ox

MPLAN = "https://w3id.org/mplan/def#"
PREFIX = f"PREFIX mplan: <{MPLAN}>\n"
# each query lists the nodes whose shortcut is missing or differs from the path
DISAGREEMENTS = {
    "municipality missing": """SELECT ?x WHERE {
        { ?x a mplan:PlanElement ; mplan:inPlan/mplan:municipality ?m }
        UNION { ?x a mplan:Indicator ; mplan:inPlan/mplan:municipality ?m }
        UNION { ?x a mplan:IndicatorValue ; mplan:indicator/mplan:inPlan/mplan:municipality ?m }
        FILTER NOT EXISTS { ?x mplan:inMunicipality ?m } }""",
    "municipality not the path's": """SELECT ?x WHERE {
        ?x mplan:inMunicipality ?m .
        FILTER NOT EXISTS { { ?x a mplan:PlanElement ; mplan:inPlan/mplan:municipality ?m }
            UNION { ?x a mplan:Indicator ; mplan:inPlan/mplan:municipality ?m }
            UNION { ?x a mplan:IndicatorValue ; mplan:indicator/mplan:inPlan/mplan:municipality ?m } } }""",
    "value's plan missing": """SELECT ?x WHERE {
        ?x a mplan:IndicatorValue ; mplan:indicator/mplan:inPlan ?p . FILTER NOT EXISTS { ?x mplan:inPlan ?p } }""",
    "value's plan not the path's": """SELECT ?x WHERE {
        ?x a mplan:IndicatorValue ; mplan:inPlan ?p . FILTER NOT EXISTS { ?x mplan:indicator/mplan:inPlan ?p } }""",
    # the shortcut has its own property: mplan:municipality stays a plan's alone
    "mplan:municipality off a plan": """SELECT ?x WHERE {
        ?x mplan:municipality ?m . FILTER NOT EXISTS { ?x a mplan:Plan } }""",
}


def disagreements(store: ox.Store) -> dict[str, list[str]]:
    out = {}
    for name, query in DISAGREEMENTS.items():
        found = [s["x"].value for s in store.query(PREFIX + query, use_default_graph_as_union=True)]
        if found:
            out[name] = found
    return out


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(store.query(PREFIX + query, use_default_graph_as_union=True)))["n"].value)


def test_published_shortcuts_agree_with_their_paths(seed_publication) -> None:
    store = ox.Store.read_only(str(seed_publication / "store"))
    assert disagreements(store) == {}
    values = _count(store, "SELECT (COUNT(?v) AS ?n) WHERE { ?v a mplan:IndicatorValue }")
    assert values > 0
    assert _count(store, "SELECT (COUNT(?v) AS ?n) WHERE { ?v a mplan:IndicatorValue ; mplan:inPlan ?p }") == values
    del store


def test_the_check_finds_a_wrong_or_missing_shortcut(seed_publication) -> None:
    """The check above would fail if convert emitted a wrong shortcut: here one is moved to another
    city, and one value's plan is dropped."""
    plan_file = next(p for p in sorted((seed_publication / "downloads" / "plans").glob("*.nq"))
                     if f"<{MPLAN}IndicatorValue>".encode() in p.read_bytes())
    store = ox.Store()
    store.load(plan_file.read_bytes(), format=ox.RdfFormat.N_QUADS)
    assert disagreements(store) == {}
    municipality, in_plan = ox.NamedNode(MPLAN + "inMunicipality"), ox.NamedNode(MPLAN + "inPlan")
    indicator = next(q for q in store.quads_for_pattern(None, ox.NamedNode(MPLAN + "indicator"), None))
    value = indicator.subject
    element = next(q for q in store.quads_for_pattern(None, municipality, None)
                   if q.subject != value and "/element/" in q.subject.value)
    store.remove(element)
    store.add(ox.Quad(element.subject, municipality, ox.NamedNode("https://w3id.org/mplan/id/municipality/011002"),
                      element.graph_name))
    for q in list(store.quads_for_pattern(value, in_plan, None)):
        store.remove(q)
    store.add(ox.Quad(value, ox.NamedNode(MPLAN + "municipality"), element.object, element.graph_name))
    found = disagreements(store)
    assert found["municipality missing"] == [element.subject.value]
    assert found["municipality not the path's"] == [element.subject.value]
    assert found["value's plan missing"] == [value.value]
    assert found["mplan:municipality off a plan"] == [value.value]
