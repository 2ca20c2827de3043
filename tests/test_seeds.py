"""The seed plans are transcribed faithfully: the graph holds what the seed text lists.

Each tests/seeds/<plan>.expected.yaml was written from the seed text, independently of the
plan's source files; here the built graph is checked against it.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS

from publisher.namespaces import MPLAN, SDG, Iris, concept

EXPECTED = sorted((Path(__file__).parent / "seeds").glob("*.expected.yaml"))
DATASETS = Path(__file__).parents[1] / "datasets"
XSD_DATE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")


def test_every_seed_plan_has_expected_facts():
    plans = {p.name for p in (Path(__file__).parents[1] / "datasets").iterdir() if p.is_dir()}
    assert plans == {p.name.removesuffix(".expected.yaml") for p in EXPECTED}
    assert len(plans) == 5


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_counts(expected_file, seed_checked):
    exp = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    g = seed_checked.graphs[exp["plan"]]
    for level in ("vision", "goal", "policy", "measure", "action"):
        n = len(set(g.subjects(MPLAN.level, concept("level", level))))
        assert n == exp["counts"][level], f"{level}: {n} in the graph, {exp['counts'][level]} in the text"
    assert len(set(g.subjects(RDF.type, MPLAN.Viewpoint))) == exp["counts"]["viewpoints"]
    assert len(set(g.subjects(RDF.type, MPLAN.Indicator))) == exp["counts"]["indicators"]


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_every_value_is_in_the_graph(expected_file, seed_checked):
    exp = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    g = seed_checked.graphs[exp["plan"]]
    found = set()
    for node in g.subjects(RDF.type, MPLAN.IndicatorValue):
        ind = g.value(node, MPLAN.indicator)
        title = str(g.value(ind, RDFS.label))
        titles = {str(t) for t in g.objects(ind, RDFS.label)}
        kind = str(g.value(node, MPLAN.valueKind)).rsplit("/", 1)[-1]
        fy = g.value(node, MPLAN.fiscalYear)
        found.add((frozenset(titles) if titles else title, kind, Decimal(str(g.value(node, MPLAN.value))),
                   str(g.value(node, MPLAN.unit) or ""), int(str(fy)) if fy is not None else None))
    expected_values = exp.get("values") or []
    for v in expected_values:
        key = (v["indicator"], v["kind"], Decimal(str(v["value"])), str(v.get("unit", "")),
               v.get("fiscal_year"))
        assert any(v["indicator"] in t and key[1:] == f[1:] for f in found for t in [f[0]]), \
            f"not in the graph: {key}"
    assert len(found) == len(expected_values), "the graph has values the text does not give"


@pytest.mark.parametrize("expected_file", EXPECTED, ids=lambda p: p.name.split(".")[0])
def test_departments(expected_file, seed_checked):
    exp = yaml.safe_load(expected_file.read_text(encoding="utf-8"))
    g = seed_checked.graphs[exp["plan"]]
    units = {str(g.value(u, RDFS.label)) for u in g.subjects(RDF.type, URIRef("http://www.w3.org/ns/org#OrganizationalUnit"))}
    assert units == set(exp.get("departments") or [])


def test_nagasaki_community_council_example(seed_checked):
    """The issue's own example: 地域コミュニティ連絡協議会設立地区数 18地区 (R2年度) → 68地区 (R7年度)."""
    g = seed_checked.graphs["422011-nagasaki-2025"]
    ind = next(s for s, o in g.subject_objects(RDFS.label) if str(o) == "地域コミュニティ連絡協議会設立地区数")
    values = {(str(g.value(v, MPLAN.valueKind)).rsplit("/", 1)[-1], g.value(v, MPLAN.value).toPython(),
               str(g.value(v, MPLAN.fiscalYear)), str(g.value(v, MPLAN.textAsWritten)))
              for v in g.subjects(MPLAN.indicator, ind)}
    assert values == {("baseline", Decimal("18"), "2020", "18地区 (R 2年度)"),
                      ("target", Decimal("68"), "2025", "68地区 (R 7年度)")}
    assert (ind, MPLAN.direction, concept("direction", "increase")) in g


def test_no_sdg_link_is_invented(seed_checked):
    """The seeds' SDG icons were lost: no plan declares an SDG goal. The only SDG links are the
    tagger's suggestions as the editors reviewed them in sdg-review.yaml (basis curated); every
    suggestion has been decided, so none is left as suggested."""
    for g in seed_checked.graphs.values():
        for a, target in g.subject_objects(MPLAN.alignmentTarget):
            if "metadata.un.org/sdg" in str(target):
                assert g.value(a, MPLAN.basis) == concept("link-basis", "curated"), a


def _review(plan: str) -> list[dict]:
    path = DATASETS / plan / "sdg-review.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))["suggestions"] if path.is_file() else []


def test_published_sdg_links_are_the_editors_review(seed_publication: Path):
    """In the published store, each accepted suggestion is a curated link by the editors, dated,
    with their reason as evidence and the mplan:alignedWith shortcut; a rejected one is neither
    a link nor the shortcut; and there is no other SDG link."""
    store = ox.Store.read_only(str(seed_publication.resolve() / "store"))
    iris = Iris()
    basis, by, when, why = (ox.NamedNode(str(t)) for t in (MPLAN.basis, PROV.wasAttributedTo,
                                                            DCTERMS.date, MPLAN.evidence))
    aligned, alignment = ox.NamedNode(str(MPLAN.alignedWith)), ox.NamedNode(str(MPLAN.alignment))
    curated = ox.NamedNode(str(concept("link-basis", "curated")))
    accepted = rejected = 0
    published = set()
    for plan in sorted(p.name for p in DATASETS.iterdir() if p.is_dir()):
        for e in _review(plan):
            owner = ox.NamedNode(str(iris.in_plan(plan, e["kind"], e["about"])))
            target = ox.NamedNode(str(SDG[e["target"].split(":", 1)[1]]))
            notation = e["target"].replace(":", "-")
            nodes = [q.object for q in store.quads_for_pattern(owner, alignment, None)
                     if q.object.value.endswith(f"/{notation}")]
            shortcut = list(store.quads_for_pattern(owner, aligned, target))
            where = f"{plan} {e['about']} {e['target']}"
            if e["decision"] == "rejected":
                rejected += 1
                assert not nodes and not shortcut, f"{where} was rejected"
                continue
            assert e["decision"] == "accepted", where
            accepted += 1
            assert [n.value for n in nodes] == [f"{owner.value}/alignment/curated/{notation}"], where
            node = nodes[0]
            values = {p: [q.object for q in store.quads_for_pattern(node, p, None)]
                      for p in (basis, by, when, why)}
            assert values[basis] == [curated], where
            assert values[by] == [ox.Literal(e["by"])], where
            assert values[when] == [ox.Literal(e["date"], datatype=XSD_DATE)], where
            assert values[why] == [ox.Literal(e["note"], language="ja")], where
            assert shortcut, f"{where}: accepted, so mplan:alignedWith"
            published.add((owner.value, node.value))
    assert accepted and rejected
    sdg_links = {(q.subject.value, q.object.value) for q in store.quads_for_pattern(None, alignment, None)
                 if "/alignment/" in q.object.value and "/sdg-" in q.object.value}
    assert sdg_links == published, "every SDG link comes from an accepted suggestion"
    sdg_shortcuts = [q for q in store.quads_for_pattern(None, aligned, None)
                     if q.object.value.startswith("http://metadata.un.org/sdg/")]
    assert len(sdg_shortcuts) == len(published)
    del store


def test_every_part_records_its_source(seed_checked):
    """Every element, indicator and viewpoint says which document and section it came from."""
    for pid, g in seed_checked.graphs.items():
        for cls in (MPLAN.PlanElement, MPLAN.Indicator, MPLAN.Viewpoint):
            for node in g.subjects(RDF.type, cls):
                assert g.value(node, MPLAN.sourceSection) is not None, f"{pid}: {node} has no section"
                doc = g.value(node, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))
                assert doc is not None and g.value(doc, MPLAN.fileName) is not None, node
                assert isinstance(g.value(node, MPLAN.sourceSection), Literal)
