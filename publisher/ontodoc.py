"""Generate the ontology reference (``docs/ontology.md``) from the Turtle in ``ontology/``.

The reference is derived from ``ontology/mplan.ttl`` and ``ontology/vocab/*.ttl`` only, so it
cannot drift from them; ``tests/test_ontology.py`` checks that the committed file is current.

    python -m publisher.ontodoc            # (re)write docs/ontology.md
    python -m publisher.ontodoc --check    # exit 1 if docs/ontology.md is out of date

>>> from pathlib import Path
>>> text = render(Path(__file__).resolve().parents[1] / "ontology")
>>> text.startswith("# mplan ontology reference")
True
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, QB, RDF, RDFS, SKOS

from publisher.namespaces import DEF, MPLAN, PREFIXES

ROOT = Path(__file__).resolve().parents[1]
VANN_PREFIX = URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix")
VANN_URI = URIRef("http://purl.org/vocab/vann/preferredNamespaceUri")

#: Concept schemes in the order docs/model.md lists them; any other file follows, sorted.
SCHEME_ORDER = (
    "level", "plan-status", "direction", "value-kind", "value-qualifier", "data-source",
    "situation-kind", "event-kind", "link-basis", "policy-domain", "pillar", "sdg",
)

#: Schemes too long to list in full: only their top concepts are shown, plus a count.
TOP_CONCEPTS_ONLY = frozenset({"sdg"})

EXAMPLE_TTL = """\
@base <https://w3id.org/mplan/id/> .
@prefix direction: <https://w3id.org/mplan/def/direction/> .
@prefix level: <https://w3id.org/mplan/def/level/> .
@prefix mplan: <https://w3id.org/mplan/def#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix qb: <http://purl.org/linked-data/cube#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix value-kind: <https://w3id.org/mplan/def/value-kind/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

# 基本施策 H1 of Nagasaki's plan: a policy-level element, its target state and department.
<plan/422011-nagasaki-2025/element/H1> a mplan:PlanElement ;
    rdfs:label "市民との良好なコミュニケーションを図ります"@ja ;
    mplan:level level:policy ;
    mplan:localLevelTerm "基本施策"@ja ;
    skos:notation "H1" ;
    mplan:parent <plan/422011-nagasaki-2025/element/H> ;
    mplan:inPlan <plan/422011-nagasaki-2025> ;
    mplan:responsibleUnit <municipality/422011/unit/kouhou-kouchou> ;
    mplan:targetState <plan/422011-nagasaki-2025/element/H1/target-state> ;
    prov:wasDerivedFrom <plan/422011-nagasaki-2025/source/plan> ;
    mplan:sourceSection "H1 市民との良好なコミュニケーションを図ります" .

<plan/422011-nagasaki-2025/element/H1/target-state> a mplan:TargetState ;
    mplan:targetSubject "市民が"@ja ;
    mplan:targetIntent "さまざまな情報を共有することで、市政への関心を高め、信頼関係を築いている。"@ja ;
    mplan:targetYear "2025"^^xsd:gYear ;
    mplan:targetYearText "2025年度" .

# Its outcome indicator (成果指標): a higher value is better.
<plan/422011-nagasaki-2025/indicator/H1-satisfaction> a mplan:Indicator ;
    rdfs:label "市政情報の発信に満足している市民の割合"@ja ;
    mplan:localLevelTerm "成果指標"@ja ;
    mplan:measures <plan/422011-nagasaki-2025/element/H1> ;
    mplan:inPlan <plan/422011-nagasaki-2025> ;
    mplan:unit "%" ;
    mplan:direction direction:increase ;
    mplan:directionBasis "基準値→目標値" .

# Baseline and target, as Data Cube observations: 68.9% (R 2年度) → 75.0% (R 7年度).
<plan/422011-nagasaki-2025/indicator/H1-satisfaction/value/baseline-2020> a mplan:IndicatorValue ;
    qb:dataSet <plan/422011-nagasaki-2025/indicator-values> ;
    mplan:indicator <plan/422011-nagasaki-2025/indicator/H1-satisfaction> ;
    mplan:valueKind value-kind:baseline ;
    mplan:fiscalYear "2020"^^xsd:gYear ;
    mplan:fiscalYearText "R 2年度" ;
    mplan:value 68.9 ;
    mplan:unit "%" ;
    mplan:textAsWritten "68.9% (R 2年度)" .

<plan/422011-nagasaki-2025/indicator/H1-satisfaction/value/target-2025> a mplan:IndicatorValue ;
    qb:dataSet <plan/422011-nagasaki-2025/indicator-values> ;
    mplan:indicator <plan/422011-nagasaki-2025/indicator/H1-satisfaction> ;
    mplan:valueKind value-kind:target ;
    mplan:fiscalYear "2025"^^xsd:gYear ;
    mplan:fiscalYearText "R 7年度" ;
    mplan:value 75.0 ;
    mplan:unit "%" ;
    mplan:textAsWritten "75.0% (R 7年度)" .

<plan/422011-nagasaki-2025/indicator-values> a qb:DataSet ;
    qb:structure mplan:IndicatorValueStructure .
"""


def render(ontology_dir: Path) -> str:
    """Markdown reference of the ontology and concept schemes found in ``ontology_dir``.

    Pure: reads the Turtle files, returns text. Raises ``ValueError`` if the built-in example
    does not parse, so a broken example can never be published.
    """
    onto = Graph().parse(ontology_dir / "mplan.ttl", format="turtle")
    schemes = _load_schemes(ontology_dir / "vocab")
    try:
        Graph().parse(data=EXAMPLE_TTL, format="turtle")
    except Exception as exc:  # rdflib raises several parser exception types
        raise ValueError(f"the example Turtle in publisher/ontodoc.py does not parse: {exc}") from exc

    out: list[str] = []
    out += _header(onto, schemes)
    out += _classes(onto)
    out += _properties(onto, OWL.ObjectProperty, "Object properties", "object-properties")
    out += _properties(onto, OWL.DatatypeProperty, "Datatype properties", "datatype-properties")
    out += _structures(onto)
    out += ["## Concept schemes", ""]
    for name, graph in schemes:
        out += _scheme(name, graph)
    out += _example()
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m publisher.ontodoc``. Returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m publisher.ontodoc", description=__doc__.split("\n")[0])
    parser.add_argument("--ontology-dir", type=Path, default=ROOT / "ontology")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "ontology.md")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the output file is not up to date")
    args = parser.parse_args(argv)
    text = render(args.ontology_dir)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is out of date; run python -m publisher.ontodoc", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


# --- loading ---------------------------------------------------------------------------------

def _load_schemes(vocab_dir: Path) -> list[tuple[str, Graph]]:
    files = {p.stem: p for p in vocab_dir.glob("*.ttl")}
    order = [n for n in SCHEME_ORDER if n in files] + sorted(set(files) - set(SCHEME_ORDER))
    return [(n, Graph().parse(files[n], format="turtle")) for n in order]


# --- small helpers ---------------------------------------------------------------------------

def _curie(node: object) -> str:
    """``mplan:Plan`` for terms of a known namespace, the full IRI otherwise."""
    text = str(node)
    best = max(((p, ns) for p, ns in PREFIXES.items() if text.startswith(ns) and len(text) > len(ns)),
               key=lambda item: len(item[1]), default=None)
    if best is not None:
        return f"{best[0]}:{text[len(best[1]):]}"
    return text


def _code(node: object) -> str:
    return f"`{_curie(node)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _text(g: Graph, node: object, prop: URIRef, lang: str) -> str:
    values = sorted(str(o) for o in g.objects(node, prop) if isinstance(o, Literal) and o.language == lang)
    return values[0] if values else ""


def _both(g: Graph, node: object, prop: URIRef) -> str:
    """English, then Japanese, as one table cell."""
    parts = [_text(g, node, prop, "en"), _text(g, node, prop, "ja")]
    return "<br>".join(_cell(p) for p in parts if p)


def _class_expr(g: Graph, node: object) -> str:
    """A named class, or an ``owl:unionOf`` of named classes written ``A`` or ``B``."""
    if isinstance(node, BNode):
        union = g.value(node, OWL.unionOf)
        if union is not None:
            return " or ".join(_code(m) for m in Collection(g, union))
    return _code(node)


def _exprs(g: Graph, nodes: Iterable[object]) -> str:
    return ", ".join(sorted(_class_expr(g, n) for n in nodes))


def _anchor(term: URIRef) -> str:
    return _curie(term).replace(":", "-")


def _terms(g: Graph, rdf_type: URIRef) -> list[URIRef]:
    return sorted((s for s in g.subjects(RDF.type, rdf_type) if isinstance(s, URIRef)), key=str)


# --- sections --------------------------------------------------------------------------------

def _header(onto: Graph, schemes: list[tuple[str, Graph]]) -> list[str]:
    iri = URIRef(DEF)
    licence = onto.value(iri, DCTERMS.license)
    counts = (len(_terms(onto, OWL.Class)), len(_terms(onto, OWL.ObjectProperty)),
              len(_terms(onto, OWL.DatatypeProperty)), len(schemes))
    return [
        "# mplan ontology reference",
        "",
        "<!-- Generated by `python -m publisher.ontodoc` from ontology/mplan.ttl and "
        "ontology/vocab/*.ttl. Do not edit by hand: edit the Turtle and run it again. -->",
        "",
        f"**{_text(onto, iri, DCTERMS.title, 'en')}**<br>{_text(onto, iri, DCTERMS.title, 'ja')}",
        "",
        "| | |",
        "|---|---|",
        f"| Ontology IRI | `{iri}` |",
        f"| Namespace | `{onto.value(iri, VANN_URI)}` (prefix `{onto.value(iri, VANN_PREFIX)}:`) |",
        f"| Version | {onto.value(iri, OWL.versionInfo)} |",
        f"| Modified | {onto.value(iri, DCTERMS.modified)} |",
        f"| Licence | <{licence}> |",
        "| Sources | `ontology/mplan.ttl`, `ontology/vocab/*.ttl` |",
        "| Terms | {} classes, {} object properties, {} datatype properties, {} concept schemes |".format(*counts),
        "",
        _cell(_text(onto, iri, DCTERMS.description, "en")),
        "",
        _cell(_text(onto, iri, DCTERMS.description, "ja")),
        "",
        "The contract behind these terms (IRI patterns, named graphs, which reused term carries "
        "what) is [model.md](model.md). Terms of other vocabularies are used with their usual "
        "prefixes: " + ", ".join(f"`{p}:`" for p in sorted(PREFIXES) if p != "mplan") + ".",
        "",
        "- [Classes](#classes)",
        "- [Object properties](#object-properties)",
        "- [Datatype properties](#datatype-properties)",
        "- [Data structure of indicator values](#data-structure-of-indicator-values)",
        "- [Concept schemes](#concept-schemes)",
        "- [Example](#example)",
        "",
    ]


def _classes(onto: Graph) -> list[str]:
    out = ["## Classes", "",
           "| class | label (ja) | label (en) | subclass of | comment (en / ja) |",
           "|---|---|---|---|---|"]
    for c in _terms(onto, OWL.Class):
        supers = _exprs(onto, onto.objects(c, RDFS.subClassOf)) or "—"
        out.append(f"| <a id=\"{_anchor(c)}\"></a>{_code(c)} | {_cell(_text(onto, c, RDFS.label, 'ja'))} "
                   f"| {_cell(_text(onto, c, RDFS.label, 'en'))} | {supers} | {_both(onto, c, RDFS.comment)} |")
    return out + [""]


def _characteristics(onto: Graph, p: URIRef) -> str:
    notes = []
    if (p, RDF.type, OWL.FunctionalProperty) in onto:
        notes.append("functional")
    for kind, name in ((QB.DimensionProperty, "qb dimension"), (QB.MeasureProperty, "qb measure"),
                       (QB.AttributeProperty, "qb attribute")):
        if (p, RDF.type, kind) in onto:
            notes.append(name)
    code_list = onto.value(p, QB.codeList)
    if code_list is not None:
        notes.append(f"code list `{code_list}`")
    notes += [f"sub-property of {_code(s)}" for s in sorted(onto.objects(p, RDFS.subPropertyOf), key=str)]
    return "<br>*" + "; ".join(notes) + "*" if notes else ""


def _properties(onto: Graph, rdf_type: URIRef, title: str, anchor: str) -> list[str]:
    out = [f"## {title}", "",
           "| property | label (ja) | label (en) | domain | range | comment (en / ja) |",
           "|---|---|---|---|---|---|"]
    for p in _terms(onto, rdf_type):
        domain = _exprs(onto, onto.objects(p, RDFS.domain)) or "any"
        range_ = _exprs(onto, onto.objects(p, RDFS.range)) or "any"
        out.append(f"| <a id=\"{_anchor(p)}\"></a>{_code(p)}{_characteristics(onto, p)} "
                   f"| {_cell(_text(onto, p, RDFS.label, 'ja'))} | {_cell(_text(onto, p, RDFS.label, 'en'))} "
                   f"| {domain} | {range_} | {_both(onto, p, RDFS.comment)} |")
    return out + [""]


def _structures(onto: Graph) -> list[str]:
    out = ["## Data structure of indicator values", ""]
    for dsd in _terms(onto, QB.DataStructureDefinition):
        out += [f"{_code(dsd)} ({_cell(_text(onto, dsd, RDFS.label, 'ja'))} / "
                f"{_cell(_text(onto, dsd, RDFS.label, 'en'))}): {_cell(_text(onto, dsd, RDFS.comment, 'en'))}",
                "",
                "| component | property | order | required |",
                "|---|---|---|---|"]
        rows = []
        for spec in onto.objects(dsd, QB.component):
            for role, name in ((QB.dimension, "dimension"), (QB.measure, "measure"), (QB.attribute, "attribute")):
                prop = onto.value(spec, role)
                if prop is None:
                    continue
                order = onto.value(spec, QB.order)
                required = onto.value(spec, QB.componentRequired)
                rows.append(((name != "dimension", name != "measure", int(order or 0), str(prop)),
                             f"| {name} | {_code(prop)} | {order if order is not None else ''} "
                             f"| {'no' if required is not None and not required.toPython() else 'yes'} |"))
        out += [row for _, row in sorted(rows)] + [""]
    return out


def _scheme(name: str, g: Graph) -> list[str]:
    scheme = next(iter(sorted(g.subjects(RDF.type, SKOS.ConceptScheme), key=str)))
    concepts = sorted(g.subjects(SKOS.inScheme, scheme), key=lambda c: _notation_key(g, c))
    shown = [c for c in concepts if (c, SKOS.topConceptOf, scheme) in g] if name in TOP_CONCEPTS_ONLY else concepts
    has_rank = any(g.value(c, MPLAN.rank) is not None for c in shown)
    out = [f"### {_text(g, scheme, DCTERMS.title, 'en')} / {_text(g, scheme, DCTERMS.title, 'ja')}",
           "",
           f"`{scheme}` (file `ontology/vocab/{name}.ttl`, concept IRIs `{_concept_base(scheme, concepts)}{{notation}}`)",
           "",
           _cell(_text(g, scheme, DCTERMS.description, "en")),
           "",
           _cell(_text(g, scheme, DCTERMS.description, "ja")),
           ""]
    source = g.value(scheme, DCTERMS.source)
    if isinstance(source, BNode):
        out += [f"Source: {_cell(_text(g, source, DCTERMS.title, 'ja'))} / {_cell(_text(g, source, DCTERMS.title, 'en'))}"
                f" ({_cell(_text(g, source, DCTERMS.description, 'en'))})", ""]
    elif source is not None:
        out += [f"Source: <{source}>", ""]
    hidden = len(concepts) - len(shown)
    head = ("| notation | label (ja) | label (en) |" + (" rank |" if has_rank else "")
            + (" narrower |" if hidden else "") + " definition (en / ja) |")
    out += [head, "|---" * (head.count("|") - 1) + "|"]
    for c in shown:
        extra = f" {g.value(c, MPLAN.rank)} |" if has_rank else ""
        extra += f" {len(set(g.subjects(SKOS.broader, c)))} |" if hidden else ""
        out.append(f"| `{g.value(c, SKOS.notation)}` | {_cell(_text(g, c, SKOS.prefLabel, 'ja'))} "
                   f"| {_cell(_text(g, c, SKOS.prefLabel, 'en'))} |{extra} {_both(g, c, SKOS.definition) or '—'} |")
    if hidden:
        last = concepts[-1]
        out += ["", f"Only the top concepts are listed. The scheme has {hidden} further concepts (for the SDGs, "
                    f"the targets), each `skos:broader` its top concept, e.g. `{g.value(last, SKOS.notation)}` "
                    f"{_cell(_text(g, last, SKOS.prefLabel, 'ja'))} / {_cell(_text(g, last, SKOS.prefLabel, 'en'))}."]
    return out + [""]


def _concept_base(scheme: URIRef, concepts: list) -> str:
    if concepts:
        first = str(concepts[0])
        return first[: first.rindex("/") + 1]
    return f"{scheme}/"


def _notation_key(g: Graph, concept: object) -> tuple:
    """Numeric notations (1, 2, …, 10; 1.1, …, 1.a) in number order, others by ``mplan:order``."""
    notation = str(g.value(concept, SKOS.notation) or concept)
    parts = notation.split(".")
    if all(p.isalnum() for p in parts) and parts[0].isdigit():
        return (0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts))
    order = g.value(concept, MPLAN.order)
    return (1, (int(order) if order is not None else 0, 0, notation))


def _example() -> list[str]:
    return [
        "## Example",
        "",
        "A policy-level element of Nagasaki's plan with its target state, its outcome indicator "
        "and the indicator's baseline and target, in the shape [model.md](model.md) prescribes (the ids `H1-satisfaction`, "
        "`kouhou-kouchou` and `plan` are illustrative; the values are the plan's own). "
        "Relative IRIs resolve against the default data base `https://w3id.org/mplan/id/`.",
        "",
        "```turtle",
        EXAMPLE_TTL.rstrip(),
        "```",
        "",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
