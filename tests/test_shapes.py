"""The SHACL shapes (shapes/*.ttl) and their example corpus (tests/shapes/).

Corpus layout: one folder per shape, named after the shape's local name
(tests/shapes/PlanElement-level/ for mplansh:PlanElement-level), holding

- ``ok-*.ttl``: small conforming data; it must produce no validation result at all;
- ``bad-*.ttl`` with ``bad-*.expected.json``: data with one thing wrong, and the complete list
  of results it must produce, each ``{"focus", "path", "severity", "source_shape",
  "component"}`` (IRIs in full, path null for node-level results, severity Violation / Warning /
  Info, component the local name of the SHACL constraint component).

Every case is validated together with tests/shapes/context.ttl, a conforming municipality,
plan and source document that cases can point to, so that each case shows only what it is about.

Validation is called the way the validate stage should call it (see ``validate``): the concept
schemes are merged into the DATA graph, because pySHACL's ``ont_graph`` only copies RDFS/OWL
axioms into the data graph (not skos:inScheme or mplan:rank of SKOS concepts), and the shapes
look those up; and the data graph parses each SPARQL text once, because pySHACL hands rdflib the
query text for every target and focus node and parsing dominates the cost (~50 ms a query).
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import ORG, OWL, RDF, RDFS, SH, SKOS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

ROOT = Path(__file__).resolve().parents[1]
SHAPES_DIR = ROOT / "shapes"
ONTOLOGY = ROOT / "ontology" / "mplan.ttl"
VOCAB_DIR = ROOT / "ontology" / "vocab"
CORPUS = Path(__file__).resolve().parent / "shapes"
CONTEXT = CORPUS / "context.ttl"

MPLANSH = "https://w3id.org/mplan/shapes#"
MPLAN = "https://w3id.org/mplan/def#"
CONCEPTS = "https://w3id.org/mplan/def/"

TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)

# Constraint parameter -> the component a result of it names (SHACL 1.0, section 4 and 5).
COMPONENTS = {
    SH["class"]: "ClassConstraintComponent",
    SH.datatype: "DatatypeConstraintComponent",
    SH.nodeKind: "NodeKindConstraintComponent",
    SH.minCount: "MinCountConstraintComponent",
    SH.maxCount: "MaxCountConstraintComponent",
    SH.minExclusive: "MinExclusiveConstraintComponent",
    SH.minInclusive: "MinInclusiveConstraintComponent",
    SH.maxExclusive: "MaxExclusiveConstraintComponent",
    SH.maxInclusive: "MaxInclusiveConstraintComponent",
    SH.minLength: "MinLengthConstraintComponent",
    SH.maxLength: "MaxLengthConstraintComponent",
    SH.pattern: "PatternConstraintComponent",
    SH.languageIn: "LanguageInConstraintComponent",
    SH.uniqueLang: "UniqueLangConstraintComponent",
    SH.equals: "EqualsConstraintComponent",
    SH.disjoint: "DisjointConstraintComponent",
    SH.lessThan: "LessThanConstraintComponent",
    SH.lessThanOrEquals: "LessThanOrEqualsConstraintComponent",
    SH["not"]: "NotConstraintComponent",
    SH["and"]: "AndConstraintComponent",
    SH["or"]: "OrConstraintComponent",
    SH.xone: "XoneConstraintComponent",
    SH.node: "NodeConstraintComponent",
    SH.property: "PropertyConstraintComponent",
    SH.qualifiedMinCount: "QualifiedMinCountConstraintComponent",
    SH.qualifiedMaxCount: "QualifiedMaxCountConstraintComponent",
    SH.closed: "ClosedConstraintComponent",
    SH.hasValue: "HasValueConstraintComponent",
    SH["in"]: "InConstraintComponent",
    SH.sparql: "SPARQLConstraintComponent",
}

Result = tuple[str, "str | None", str, str, str]


# --- loading --------------------------------------------------------------------------------


def _parse(*paths: Path) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path, format="turtle")
    return graph


@cache
def shapes_graph() -> Graph:
    return _parse(*sorted(SHAPES_DIR.glob("*.ttl")))


@cache
def ontology_graph() -> Graph:
    return _parse(ONTOLOGY)


@cache
def vocab_graph() -> Graph:
    return _parse(*sorted(VOCAB_DIR.glob("*.ttl")))


@cache
def ontology_and_vocab_graph() -> Graph:
    return ontology_graph() + vocab_graph()


@cache
def context_graph() -> Graph:
    return _parse(CONTEXT)


@lru_cache(maxsize=256)
def _prepared(text: str) -> Query | None:
    try:
        return prepareQuery(text)
    except Exception:  # e.g. a prefix only the graph binds: let Graph.query handle the text
        return None


class QueryCachingGraph(Graph):
    """A Graph that parses each SPARQL text once (the text must declare its prefixes)."""

    def query(self, query_object, *args, **kwargs):  # type: ignore[override]
        if isinstance(query_object, str):
            query_object = _prepared(query_object) or query_object
        return super().query(query_object, *args, **kwargs)


def validate(data: Graph) -> Graph:
    """Validate one plan's graph; return the sh:ValidationReport graph."""
    data_graph = QueryCachingGraph()
    for triples in (data, vocab_graph()):
        for triple in triples:
            data_graph.add(triple)
    _, report, _ = pyshacl.validate(
        data_graph,
        shacl_graph=shapes_graph(),
        ont_graph=ontology_and_vocab_graph(),
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,
    )
    return report


def _name(node: Node | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"  # never expected: every reported shape and path is an IRI
    return str(node)


def results_of(report: Graph) -> set[Result]:
    found = set()
    for result in report.objects(None, SH.result):  # not the sh:detail of a sh:node result
        component = report.value(result, SH.sourceConstraintComponent)
        found.add(
            (
                _name(report.value(result, SH.focusNode)),
                _name(report.value(result, SH.resultPath)),
                str(report.value(result, SH.resultSeverity)).removeprefix(str(SH)),
                _name(report.value(result, SH.sourceShape)),
                str(component).removeprefix(str(SH)),
            )
        )
    return found


def expected_of(case: Path) -> set[Result]:
    entries = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))
    return {
        (e["focus"], e["path"], e["severity"], e["source_shape"], e["component"]) for e in entries
    }


# --- the shapes that can be a result's sh:sourceShape ---------------------------------------


def reported_shapes(shapes: Graph) -> set[Node]:
    """Shapes with a target, and the property shapes those reach through sh:property.

    Shapes that only serve as parameters (of sh:node, sh:or, sh:not, sh:qualifiedValueShape)
    are left out: pySHACL reports their failures on the shape that uses them.
    """
    targeted = {s for t in TARGETS for s in shapes.subjects(t, None)}
    return targeted | {p for s in targeted for p in shapes.objects(s, SH.property)}


def constraint_components(shapes: Graph, shape: Node) -> set[str]:
    found = set()
    for parameter, component in COMPONENTS.items():
        if parameter == SH.property:
            continue  # property shapes are counted as shapes of their own
        value = shapes.value(shape, parameter)
        if value is None or (parameter == SH.uniqueLang and not value.toPython()):
            continue
        found.add(component)
    return found


def local_name(shape: Node) -> str:
    return str(shape).removeprefix(MPLANSH)


CASES = sorted(CORPUS.glob("*/ok-*.ttl")) + sorted(CORPUS.glob("*/bad-*.ttl"))


def _case_id(case: Path) -> str:
    return str(case.relative_to(CORPUS))


# --- the corpus -----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_case(case: Path) -> None:
    found = results_of(validate(context_graph() + _parse(case)))
    if case.name.startswith("ok-"):
        assert found == set(), "an ok example must produce no result at all"
        return
    expected = expected_of(case)
    assert any(e[3] == MPLANSH + case.parent.name for e in expected), (
        f"a bad example of {case.parent.name} must expect a result of that shape"
    )
    missing, unexpected = expected - found, found - expected
    assert not missing and not unexpected, (
        f"missing: {sorted(missing)}\nunexpected: {sorted(unexpected, key=str)}"
    )


def test_context_conforms() -> None:
    assert results_of(validate(context_graph())) == set()


def test_context_describes_local_governments_as_the_registry_does() -> None:
    """The context's prefectures and municipalities (and their points and sources) are the
    registry's triples, plus only what a plan's graph adds: names in other languages."""
    from publisher.namespaces import Iris
    from publisher.registry import registry
    from publisher.registry.rdf import registry_graph

    context, reg = context_graph(), registry_graph(registry(), Iris())
    described = {s for s in context.subjects() if (s, None, None) in reg}
    assert len(set(context.subjects(RDF.type, URIRef(MPLAN + "LocalGovernment")))) == 7
    ours = {t for t in context if t[0] in described}
    theirs = {t for t in reg if t[0] in described}
    plan_names = (RDFS.label, SKOS.prefLabel, URIRef(MPLAN + "prefecture"))
    added = {(s, p, o) for s, p, o in ours - theirs
             if p in plan_names and isinstance(o, Literal) and o.language not in (None, "ja")}
    assert ours - added == theirs


def test_every_bad_example_has_expected_results() -> None:
    for case in CORPUS.glob("*/bad-*.ttl"):
        assert case.with_suffix(".expected.json").is_file(), case
    for sidecar in CORPUS.glob("*/*.expected.json"):
        assert sidecar.name.startswith("bad-"), sidecar
        assert sidecar.with_name(sidecar.name.replace(".expected.json", ".ttl")).is_file(), sidecar


def test_every_shape_has_examples() -> None:
    shapes = shapes_graph()
    names = {local_name(s) for s in reported_shapes(shapes)}
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert names - folders == set(), "shapes without an example folder"
    assert folders - names == set(), "example folders without a shape"
    for name in names:
        assert list((CORPUS / name).glob("ok-*.ttl")), f"{name} has no ok example"
        assert list((CORPUS / name).glob("bad-*.ttl")), f"{name} has no bad example"


def test_no_shape_without_a_failing_example() -> None:
    """Every reported shape, and each of its constraints, fails in some bad example."""
    shapes = shapes_graph()
    expected = set().union(*(expected_of(c) for c in CORPUS.glob("*/bad-*.ttl")))
    failing = {(e[3], e[4]) for e in expected}
    missing = [
        (str(shape), component)
        for shape in reported_shapes(shapes)
        for component in constraint_components(shapes, shape)
        if (str(shape), component) not in failing
    ]
    assert missing == []


# --- the shapes -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SHAPES_DIR.glob("*.ttl")), ids=lambda p: p.name)
def test_shapes_parse(path: Path) -> None:
    assert len(_parse(path)) > 0


def test_shapes_pass_shacl_for_shacl() -> None:
    # Raises ReportableRuntimeError, with the report, if the shapes break SHACL-for-SHACL.
    conforms, _, text = pyshacl.validate(Graph(), shacl_graph=shapes_graph(), meta_shacl=True)
    assert conforms, text


def test_every_shape_is_named_labelled_and_explained() -> None:
    shapes = shapes_graph()
    for shape in reported_shapes(shapes):
        assert isinstance(shape, URIRef) and str(shape).startswith(MPLANSH), shape
        for prop in (SH.message, RDFS.label):
            langs = {o.language for o in shapes.objects(shape, prop) if isinstance(o, Literal)}
            assert {"ja", "en"} <= langs, f"{local_name(shape)}: {prop} needs ja and en"
        assert shapes.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info), shape


def test_sparql_constraints_are_selective() -> None:
    """pySHACL runs a SPARQL constraint once per focus node, so a shape with one must be
    targeted by a SPARQL target (see shapes/common.ttl); the municipality (one per plan) is the
    one exception."""
    shapes = shapes_graph()
    exceptions = {URIRef(MPLANSH + "Municipality-checkDigit")}
    for shape in set(shapes.subjects(SH.sparql, None)) - exceptions:
        assert shapes.value(shape, SH.target) is not None, local_name(shape)
        assert not any(shapes.value(shape, t) for t in TARGETS if t != SH.target), local_name(shape)


def test_every_class_of_the_ontology_has_a_shape() -> None:
    shapes, ontology = shapes_graph(), ontology_graph()
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if str(c).startswith(MPLAN)}
    targeted = set(shapes.objects(None, SH.targetClass))
    assert classes - targeted == set()
    assert ORG.OrganizationalUnit in targeted


def test_shapes_use_only_terms_the_ontology_and_vocabularies_define() -> None:
    shapes, ontology, vocab = shapes_graph(), ontology_graph(), vocab_graph()
    used: set[str] = {str(n) for t in shapes for n in t if isinstance(n, URIRef)}
    prefixes = {
        "mplan": MPLAN,
        "level": CONCEPTS + "level/",
        "vk": CONCEPTS + "value-kind/",
        "lb": CONCEPTS + "link-basis/",
    }
    for text in shapes.objects(None, SH.select):
        for prefix, name in re.findall(r"\b(mplan|level|vk|lb):([A-Za-z-]+)", str(text)):
            used.add(prefixes[prefix] + name)
    terms = {u for u in used if u.startswith(MPLAN)}
    concepts = {u for u in used if u.startswith(CONCEPTS)}
    assert {t for t in terms if (URIRef(t), None, None) not in ontology} == set()
    assert {c for c in concepts if (URIRef(c), RDF.type, None) not in vocab} == set()
