"""The ontology (ontology/mplan.ttl), its concept schemes (ontology/vocab/*.ttl) and the generated
reference (docs/ontology.md): they parse, follow docs/model.md, are labelled in Japanese and
English, match the source schema's code lists and the UN's SDG scheme, and the docs are current."""

from __future__ import annotations

import doctest
import json
import re
from functools import cache
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, QB, RDF, RDFS, SKOS
from shared_files import shared_path

import publisher.ontodoc as ontodoc
from publisher.namespaces import DEF, MPLAN

ROOT = Path(__file__).resolve().parents[1]
ONTOLOGY_DIR = ROOT / "ontology"
VOCAB_DIR = ONTOLOGY_DIR / "vocab"
SOURCE_SCHEMA = ROOT / "publisher" / "schemas" / "plan-source.schema.json"
ONTOLOGY_IRI = URIRef(DEF)
SDGO = "http://metadata.un.org/sdg/ontology#"
VANN = "http://purl.org/vocab/vann/"
CC_BY = URIRef("https://creativecommons.org/licenses/by/4.0/")
# A plain string, not rdflib's XSD namespace object: pytest's collector probes module globals
# and rdflib warns about every unknown attribute of XSD.
XSD = "http://www.w3.org/2001/XMLSchema#"

VOCAB_FILES = sorted(VOCAB_DIR.glob("*.ttl"))
SCHEMES = (
    "level", "plan-status", "direction", "value-kind", "value-qualifier", "data-source",
    "situation-kind", "event-kind", "link-basis", "policy-domain", "pillar", "sdg",
    "indicator-concept", "local-government-kind",
)
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


@cache
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_DIR / "mplan.ttl", format="turtle")


@cache
def vocab(name: str) -> Graph:
    return Graph().parse(VOCAB_DIR / f"{name}.ttl", format="turtle")


@cache
def un_sdg() -> Graph:
    return Graph().parse(shared_path("external", "un-sdg-kos-goals-targets-indicators.ttl"),
                         format="turtle")


def declared_terms() -> set[URIRef]:
    g = ontology()
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t) if isinstance(s, URIRef)} | {
        s for s in g.subjects(RDF.type, QB.DataStructureDefinition) if isinstance(s, URIRef)}


def langs(g: Graph, node: object, prop: URIRef) -> list[str]:
    return [o.language for o in g.objects(node, prop) if isinstance(o, Literal)]


def mplan_iris(g: Graph) -> set[URIRef]:
    return {n for triple in g for n in triple if isinstance(n, URIRef) and str(n).startswith(str(MPLAN))}


def turtle_blocks(markdown: str) -> list[str]:
    return re.findall(r"```turtle\n(.*?)```", markdown, flags=re.S)


# --- parsing ---------------------------------------------------------------------------------

def test_ontology_parses():
    assert len(ontology()) > 0


def test_every_expected_scheme_has_a_file():
    assert {p.stem for p in VOCAB_FILES} == set(SCHEMES)


@pytest.mark.parametrize("path", VOCAB_FILES, ids=lambda p: p.name)
def test_vocab_file_parses(path: Path):
    assert len(Graph().parse(path, format="turtle")) > 0


# --- the ontology against docs/model.md ------------------------------------------------------

def test_every_mplan_term_of_model_md_is_declared():
    used = set(re.findall(r"\bmplan:([A-Za-z][A-Za-z0-9]*)", (ROOT / "docs" / "model.md").read_text("utf-8")))
    assert used, "docs/model.md names no mplan: terms?"
    missing = sorted(u for u in used if MPLAN[u] not in declared_terms())
    assert not missing, f"used in docs/model.md but not declared in ontology/mplan.ttl: {missing}"


def test_no_undeclared_mplan_term_is_used_anywhere():
    used = mplan_iris(ontology())
    for name in SCHEMES:
        used |= mplan_iris(vocab(name))
    assert sorted(used - declared_terms()) == []


def test_ontology_metadata():
    g = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in g
    for prop in (DCTERMS.title, DCTERMS.description):
        assert sorted(langs(g, ONTOLOGY_IRI, prop)) == ["en", "ja"], prop
    assert g.value(ONTOLOGY_IRI, OWL.versionInfo) is not None
    assert g.value(ONTOLOGY_IRI, DCTERMS.license) == CC_BY
    assert str(g.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespacePrefix"))) == "mplan"
    assert str(g.value(ONTOLOGY_IRI, URIRef(VANN + "preferredNamespaceUri"))) == str(MPLAN)


def test_ontology_version_is_the_package_version():
    import publisher
    assert str(ontology().value(ONTOLOGY_IRI, OWL.versionInfo)) == publisher.__version__


@pytest.mark.parametrize("term", sorted(declared_terms()), ids=lambda t: str(t).split("#")[-1])
def test_term_is_labelled_and_explained_in_japanese_and_english(term: URIRef):
    g = ontology()
    assert str(term).startswith(str(MPLAN)), f"{term} is declared here but is not an mplan: term"
    labels = langs(g, term, RDFS.label)
    assert sorted(labels) == ["en", "ja"], f"{term}: one rdfs:label @ja and one @en, got {labels}"
    explained = langs(g, term, RDFS.comment) + langs(g, term, SKOS.definition)
    assert {"ja", "en"} <= set(explained), f"{term}: rdfs:comment or skos:definition @ja and @en"
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in g


def test_domains_and_ranges_name_declared_or_reused_classes():
    g = ontology()
    classes = set(g.subjects(RDF.type, OWL.Class))
    for prop in (RDFS.domain, RDFS.range, RDFS.subClassOf):
        for subject, target in g.subject_objects(prop):
            members = list(Collection(g, g.value(target, OWL.unionOf))) if isinstance(target, BNode) else [target]
            assert members, f"{subject} {prop}: empty class expression"
            for member in members:
                if str(member).startswith(str(MPLAN)):
                    assert member in classes, f"{subject} {prop} {member}: not a declared class"


def test_object_and_datatype_properties_have_fitting_ranges():
    g = ontology()
    both = set(g.subjects(RDF.type, OWL.ObjectProperty)) & set(g.subjects(RDF.type, OWL.DatatypeProperty))
    assert not both, f"declared both object and datatype property: {both}"
    for p in g.subjects(RDF.type, OWL.DatatypeProperty):
        for r in g.objects(p, RDFS.range):
            assert str(r).startswith((XSD, str(RDF))), f"datatype property {p} has range {r}"
    for p in g.subjects(RDF.type, OWL.ObjectProperty):
        for r in g.objects(p, RDFS.range):
            assert not str(r).startswith(XSD), f"object property {p} has range {r}"


def test_reused_superclasses_of_model_md():
    g = ontology()
    expected = {
        "Municipality": {"http://www.w3.org/ns/org#FormalOrganization", str(DCTERMS.Location)},
        "Plan": {"http://www.w3.org/ns/prov#Entity"},
        "SourceDocument": {"http://www.w3.org/ns/prov#Entity"},
        "IndicatorValue": {str(QB.Observation)},
        "DistributionTable": {str(QB.DataSet)},
        "DistributionCell": {str(QB.Observation)},
        "PlanningEvent": {"http://www.w3.org/ns/prov#Activity"},
        "Alignment": {"http://www.w3.org/ns/prov#Entity"},
    }
    for name, supers in expected.items():
        assert supers <= {str(o) for o in g.objects(MPLAN[name], RDFS.subClassOf)}, name
    assert (MPLAN.statisticalArea, RDFS.subPropertyOf, DCTERMS.spatial) in g


def test_indicator_value_structure():
    g = ontology()
    dsd = MPLAN.IndicatorValueStructure
    assert (dsd, RDF.type, QB.DataStructureDefinition) in g
    components = {(role, g.value(spec, role)) for spec in g.objects(dsd, QB.component)
                  for role in (QB.dimension, QB.measure, QB.attribute) if g.value(spec, role) is not None}
    assert components == {
        (QB.dimension, MPLAN.indicator), (QB.dimension, MPLAN.valueKind), (QB.dimension, MPLAN.fiscalYear),
        (QB.measure, MPLAN.value),
        (QB.attribute, MPLAN.unit), (QB.attribute, MPLAN.textAsWritten), (QB.attribute, MPLAN.qualifier),
    }
    kinds = {QB.dimension: QB.DimensionProperty, QB.measure: QB.MeasureProperty, QB.attribute: QB.AttributeProperty}
    for role, prop in components:
        assert (prop, RDF.type, kinds[role]) in g, f"{prop} must be a {kinds[role]}"


# --- concept schemes -------------------------------------------------------------------------

@pytest.mark.parametrize("name", SCHEMES)
def test_concept_scheme(name: str):
    g = vocab(name)
    scheme = URIRef(f"{DEF}/{name}")
    assert set(g.subjects(RDF.type, SKOS.ConceptScheme)) == {scheme}
    assert sorted(langs(g, scheme, DCTERMS.title)) == ["en", "ja"]
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert concepts, f"{name}: no concepts"
    assert set(g.subjects(SKOS.inScheme, scheme)) == concepts
    tops = set(g.objects(scheme, SKOS.hasTopConcept))
    assert tops == set(g.subjects(SKOS.topConceptOf, scheme)) and tops
    for c in concepts:
        assert sorted(langs(g, c, SKOS.prefLabel)) == ["en", "ja"], f"{c}: one prefLabel @ja and one @en"
        notations = list(g.objects(c, SKOS.notation))
        assert len(notations) == 1, f"{c}: exactly one skos:notation"
        if name != "sdg":
            assert c == URIRef(f"{DEF}/{name}/{notations[0]}"), f"{c}: IRI must be def/{name}/{{notation}}"
        if c not in tops:
            broader = set(g.objects(c, SKOS.broader))
            assert broader and broader <= concepts, f"{c}: not top, so skos:broader a concept of the scheme"
        if (c, SKOS.definition, None) in g:
            assert sorted(langs(g, c, SKOS.definition)) == ["en", "ja"], f"{c}: definition @ja and @en"


def schema_enum(*path: str) -> set[str]:
    node = json.loads(SOURCE_SCHEMA.read_text("utf-8"))["$defs"]
    for key in path:
        node = node[key]
    return set(node["enum"])


@pytest.mark.parametrize(("name", "path"), [
    ("level", ("Element", "properties", "level")),
    ("plan-status", ("Plan", "properties", "status")),
    ("direction", ("Indicator", "properties", "direction")),
    ("value-kind", ("Value", "properties", "kind")),
    ("value-qualifier", ("Value", "properties", "qualifier")),
    ("data-source", ("Indicator", "properties", "data_source")),
    ("situation-kind", ("SituationItem", "properties", "kind")),
    ("event-kind", ("Event", "properties", "kind")),
])
def test_scheme_notations_are_the_source_schema_codes(name: str, path: tuple[str, ...]):
    notations = {str(n) for n in vocab(name).objects(None, SKOS.notation)}
    assert notations == schema_enum(*path)


def test_link_basis_covers_source_bases_and_suggested():
    notations = {str(n) for n in vocab("link-basis").objects(None, SKOS.notation)}
    assert notations == schema_enum("Alignment", "properties", "basis") | {"suggested"}


def test_policy_domains_and_pillars():
    domains = {str(n) for n in vocab("policy-domain").objects(None, SKOS.notation)}
    assert domains == {"children-education", "welfare-health", "economy-industry", "safety-disaster",
                       "environment", "urban-infrastructure", "civic-participation", "culture-tourism",
                       "diversity-peace", "administration"}
    g = vocab("policy-domain")
    for c in g.subjects(RDF.type, SKOS.Concept):
        assert sorted(langs(g, c, SKOS.definition)) == ["en", "ja"], f"{c}: say what belongs there"
    assert {str(n) for n in vocab("pillar").objects(None, SKOS.notation)} == {"1", "2", "3", "4", "5"}


def test_pillar_labels_are_exactly_as_azumino_lists_them():
    seeds = shared_path("seeds")
    seed = next(seeds.glob("001_*.txt"), None)
    assert seed is not None, f"seed 001 (安曇野市) is missing from {seeds}"
    headings = dict(re.findall(r"^#### \((\d)\) (.+)$", seed.read_text("utf-8"), flags=re.M))
    g = vocab("pillar")
    for c in g.subjects(RDF.type, SKOS.Concept):
        ja = next(str(o) for o in g.objects(c, SKOS.prefLabel) if o.language == "ja")
        assert headings[str(g.value(c, SKOS.notation))].strip() == ja
    assert g.value(URIRef(f"{DEF}/pillar"), DCTERMS.source) is not None


def test_level_ranks():
    g = vocab("level")
    ranks = {str(g.value(c, SKOS.notation)): g.value(c, MPLAN.rank) for c in g.subjects(RDF.type, SKOS.Concept)}
    assert {k: v.toPython() for k, v in ranks.items()} == {"vision": 1, "goal": 2, "policy": 3, "measure": 4, "action": 5}
    assert all(v.datatype == URIRef(XSD + "integer") for v in ranks.values())


# --- SDGs against the UN's scheme -----------------------------------------------------------

def un_goals_and_targets() -> tuple[set[URIRef], set[URIRef]]:
    un = un_sdg()
    return set(un.subjects(RDF.type, URIRef(SDGO + "Goal"))), set(un.subjects(RDF.type, URIRef(SDGO + "Target")))


def test_sdg_iris_are_exactly_the_un_goals_and_targets():
    goals, targets = un_goals_and_targets()
    assert (len(goals), len(targets)) == (17, 169)
    ours = set(vocab("sdg").subjects(RDF.type, SKOS.Concept))
    assert sorted(ours - goals - targets) == [], "not a goal or target in the UN scheme"
    assert sorted((goals | targets) - ours) == [], "UN goals or targets missing from sdg.ttl"


def test_sdg_hierarchy_and_notation_follow_the_un():
    g, un = vocab("sdg"), un_sdg()
    goals, targets = un_goals_and_targets()
    scheme = URIRef(f"{DEF}/sdg")
    for goal in goals:
        assert (goal, SKOS.topConceptOf, scheme) in g
        assert str(g.value(goal, SKOS.notation)) == str(goal).rsplit("/", 1)[1]
    for target in targets:
        assert set(g.objects(target, SKOS.broader)) == set(un.objects(target, URIRef(SDGO + "isTargetOf")))
        assert str(g.value(target, SKOS.notation)) == str(target).rsplit("/", 1)[1]


def test_sdg_labels_are_our_own():
    g, un = vocab("sdg"), un_sdg()
    for c in g.subjects(RDF.type, SKOS.Concept):
        ours = {str(o) for o in g.objects(c, SKOS.prefLabel)}
        theirs = {str(o) for o in un.objects(c, SKOS.prefLabel)}
        assert not ours & theirs, f"{c}: label copied from the UN file"


# --- the generated reference -----------------------------------------------------------------

def test_docs_are_current():
    committed = (ROOT / "docs" / "ontology.md").read_text("utf-8")
    assert committed == ontodoc.render(ONTOLOGY_DIR), "run: python -m publisher.ontodoc"


def test_ontodoc_check_mode(tmp_path: Path):
    out = tmp_path / "ontology.md"
    assert ontodoc.main(["--output", str(out), "--check"]) == 1
    assert ontodoc.main(["--output", str(out)]) == 0
    assert ontodoc.main(["--output", str(out), "--check"]) == 0


def test_ontodoc_docstring_examples():
    assert doctest.testmod(ontodoc).failed == 0


def test_docs_example_parses_and_uses_only_defined_terms():
    blocks = turtle_blocks((ROOT / "docs" / "ontology.md").read_text("utf-8"))
    assert blocks, "docs/ontology.md has no ```turtle example"
    concepts = set()
    for name in SCHEMES:
        concepts |= set(vocab(name).subjects(RDF.type, SKOS.Concept))
    for block in blocks:
        example = Graph().parse(data=block, format="turtle")
        assert (None, RDF.type, MPLAN.IndicatorValue) in example
        assert sorted(mplan_iris(example) - declared_terms()) == []
        used_concepts = {o for o in example.objects() if isinstance(o, URIRef) and str(o).startswith(DEF + "/")}
        assert sorted(used_concepts - concepts) == []
