"""The JSON-LD context we publish (``downloads/context.jsonld``) and compact with everywhere.

Every property we publish has a short name, so that a compacted document has no ``prefix:name``
keys: the properties of our ontology (``ontology/mplan.ttl``) under their local names
(``periodStart``, ``inPlan``), and the reused ones (DCTERMS, SKOS, DCAT, Data Cube, …) from the
table :data:`REUSED`. Where two vocabularies share a local name, ours keeps it and the other is
prefixed (``qbOrder``, ``rdfValue``).

Typed literals are compacted to native JSON only where that is lossless (JSON-LD 1.1 §8.6):

- ``xsd:integer`` and ``xsd:boolean`` become JSON numbers and ``true``/``false`` (a JSON
  integer or boolean expands back to exactly that datatype);
- ``xsd:decimal`` stays a string with its datatype in the context (``"value": "6.77"``): a
  JSON number would expand to ``xsd:double``, another datatype with another lexical form;
- ``xsd:gYear``, ``xsd:gYearMonth``, ``xsd:date`` and ``xsd:hexBinary`` stay strings with their
  datatype in the context (``"periodStart": "2024"``): JSON has no such type;
- language-tagged text uses language maps (``"label": {"ja": "…", "en": "…"}``) where a
  property's values are always tagged, else ``{"@language", "@value"}`` objects;
- a property whose values may be of several datatypes (``dcterms:issued``: a date or a month)
  gets no coercion, so each value keeps its own ``@type``.

The context is embedded in every document (never referenced by URL), so no processor fetches
anything. The plain JSON API (``/api/…``, docs/api.md) is where decimals are JSON numbers.

>>> ctx = jsonld_context()["@context"]
>>> ctx["periodStart"], ctx["value"]["@type"], ctx["title"]["@container"]
({'@id': 'mplan:periodStart', '@type': 'xsd:gYear'}, 'xsd:decimal', '@language')
>>> ctx["qbOrder"], ctx["order"]
('qb:order', 'mplan:order')
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from ..namespaces import MPLAN, PREFIXES

ONTOLOGY = Path(__file__).resolve().parents[2] / "ontology" / "mplan.ttl"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OWL = "http://www.w3.org/2002/07/owl#"
#: Datatypes a term coerces to (their values stay strings); integers and booleans are native.
TYPED = ("gYear", "gYearMonth", "date", "decimal", "hexBinary")
#: Prefixes kept in the context (for ``@type`` values of classes and datatypes without a term);
#: ``sdg`` is left out, so that SDG IRIs, which are data, stay whole.
CONTEXT_PREFIXES = {p: ns for p, ns in PREFIXES.items() if p != "sdg"}

ID, LANG, PLAIN = "@id", "@language", None
#: Reused properties: IRI (or CURIE), then ``@id`` (IRI values), ``@language`` (always
#: language-tagged text), an ``xsd:`` datatype, or ``None`` (anything: strings, numbers,
#: several datatypes, or blank nodes: rdflib writes a blank node under an ``@id``-coerced term
#: as a bare reference and drops its description). The name is the local name unless given
#: third.
REUSED: tuple[tuple[str, str | None] | tuple[str, str | None, str], ...] = (
    ("rdfs:label", LANG), ("rdfs:comment", LANG), ("rdfs:seeAlso", ID), ("rdfs:isDefinedBy", ID),
    ("rdfs:domain", PLAIN), ("rdfs:range", PLAIN), ("rdfs:subClassOf", PLAIN), ("rdfs:subPropertyOf", ID),
    ("rdf:value", PLAIN, "rdfValue"), ("rdf:first", PLAIN), ("rdf:rest", PLAIN),
    ("owl:unionOf", PLAIN), ("owl:versionInfo", PLAIN), ("owl:inverseOf", ID),
    ("owl:equivalentClass", PLAIN), ("owl:equivalentProperty", ID), ("owl:sameAs", ID),
    ("dcterms:title", LANG), ("dcterms:description", LANG), ("dcterms:alternative", LANG),
    ("dcterms:creator", PLAIN), ("dcterms:publisher", PLAIN), ("dcterms:issued", PLAIN),
    ("dcterms:modified", PLAIN), ("dcterms:created", PLAIN), ("dcterms:date", PLAIN, "dctermsDate"),
    ("dcterms:identifier", PLAIN),
    ("dcterms:bibliographicCitation", PLAIN), ("dcterms:license", ID), ("dcterms:rights", ID),
    ("dcterms:source", PLAIN), ("dcterms:spatial", ID), ("dcterms:temporal", ID),
    ("dcterms:isPartOf", ID), ("dcterms:hasPart", ID), ("dcterms:conformsTo", ID),
    ("dcterms:format", ID), ("dcterms:language", ID), ("dcterms:accrualPeriodicity", ID),
    ("dcterms:type", ID), ("dcterms:subject", ID), ("dcterms:references", ID),
    ("skos:prefLabel", LANG), ("skos:altLabel", LANG), ("skos:definition", LANG),
    ("skos:scopeNote", LANG), ("skos:example", PLAIN), ("skos:note", PLAIN),
    ("skos:notation", PLAIN), ("skos:inScheme", ID), ("skos:topConceptOf", ID),
    ("skos:hasTopConcept", ID), ("skos:broader", ID), ("skos:narrower", ID), ("skos:related", ID),
    ("skos:exactMatch", ID), ("skos:closeMatch", ID), ("skos:broadMatch", ID),
    ("skos:narrowMatch", ID), ("skos:relatedMatch", ID),
    ("dcat:dataset", ID), ("dcat:distribution", ID), ("dcat:accessURL", ID),
    ("dcat:downloadURL", ID), ("dcat:mediaType", ID), ("dcat:compressFormat", ID),
    ("dcat:landingPage", ID), ("dcat:theme", ID), ("dcat:themeTaxonomy", ID),
    ("dcat:contactPoint", ID), ("dcat:service", ID), ("dcat:servesDataset", ID),
    ("dcat:endpointURL", ID), ("dcat:keyword", LANG), ("dcat:byteSize", PLAIN),
    ("dcat:version", PLAIN), ("dcat:startDate", PLAIN), ("dcat:endDate", PLAIN),
    ("http://www.w3.org/2006/vcard/ns#fn", LANG), ("http://www.w3.org/2006/vcard/ns#hasURL", ID),
    ("qb:dataSet", ID), ("qb:structure", ID), ("qb:component", PLAIN), ("qb:dimension", ID),
    ("qb:measure", ID), ("qb:attribute", ID), ("qb:codeList", ID),
    ("qb:componentRequired", PLAIN), ("qb:order", PLAIN, "qbOrder"),
    ("prov:wasDerivedFrom", ID), ("prov:wasAttributedTo", PLAIN), ("prov:wasGeneratedBy", ID),
    ("prov:generatedAtTime", PLAIN),
    ("org:unitOf", ID), ("org:hasUnit", ID), ("org:subOrganizationOf", ID),
    ("void:dataDump", ID), ("void:subset", ID), ("void:vocabulary", ID), ("void:triples", PLAIN),
    ("void:uriSpace", PLAIN), ("void:sparqlEndpoint", ID), ("void:exampleResource", ID),
    ("http://xmlns.com/foaf/0.1/name", LANG), ("http://xmlns.com/foaf/0.1/homepage", ID),
    ("http://xmlns.com/foaf/0.1/primaryTopic", ID), ("http://xmlns.com/foaf/0.1/page", ID),
    ("http://spdx.org/rdf/terms#checksum", ID), ("http://spdx.org/rdf/terms#algorithm", ID),
    ("http://spdx.org/rdf/terms#checksumValue", "xsd:hexBinary"),
    ("http://purl.org/vocab/vann/preferredNamespacePrefix", PLAIN),
    ("http://purl.org/vocab/vann/preferredNamespaceUri", PLAIN),
    ("http://www.w3.org/2003/01/geo/wgs84_pos#location", ID),
    ("http://www.w3.org/2003/01/geo/wgs84_pos#lat", "xsd:decimal"),
    ("http://www.w3.org/2003/01/geo/wgs84_pos#long", "xsd:decimal"),
)
#: Reused classes with a short name (as ``@type`` values); others keep their CURIE.
CLASSES = ("skos:Concept", "skos:ConceptScheme", "dcat:Catalog", "dcat:Dataset",
           "dcat:Distribution", "dcat:DataService", "qb:Observation", "qb:DataSet",
           "qb:DataStructureDefinition", "org:OrganizationalUnit", "org:FormalOrganization",
           "dcterms:Location", "dcterms:LicenseDocument", "dcterms:MediaType",
           "dcterms:Standard", "prov:Activity", "prov:Entity",
           "http://xmlns.com/foaf/0.1/Document", "http://xmlns.com/foaf/0.1/Agent",
           "http://xmlns.com/foaf/0.1/Organization", "http://www.w3.org/2003/01/geo/wgs84_pos#Point",
           "http://spdx.org/rdf/terms#Checksum")


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def _mplan_terms() -> dict[str, Any]:
    """A term for each property and class of ontology/mplan.ttl, coerced by its range."""
    kinds: dict[str, set[str]] = {}
    ranges: dict[str, set[str]] = {}
    for t in ox.parse(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE):
        s = t.subject.value if isinstance(t.subject, ox.NamedNode) else ""
        if not s.startswith(str(MPLAN)) or not isinstance(t.object, ox.NamedNode):
            continue
        if t.predicate.value == RDF_NS + "type":
            kinds.setdefault(s, set()).add(t.object.value)
        elif t.predicate.value == "http://www.w3.org/2000/01/rdf-schema#range":
            ranges.setdefault(s, set()).add(t.object.value)
    out: dict[str, Any] = {}
    for iri, types in sorted(kinds.items()):
        name, curie = iri[len(str(MPLAN)):], "mplan:" + iri[len(str(MPLAN)):]
        if OWL + "Class" in types:
            out[name] = curie
        elif OWL + "ObjectProperty" in types:
            out[name] = {"@id": curie, "@type": "@id"}
        elif OWL + "DatatypeProperty" in types or RDF_NS + "Property" in types:
            [rng] = ranges.get(iri, {""}) if len(ranges.get(iri, ())) <= 1 else [""]
            if rng == RDF_NS + "langString":
                out[name] = {"@id": curie, "@container": "@language"}
            elif rng.startswith(XSD) and rng[len(XSD):] in TYPED:
                out[name] = {"@id": curie, "@type": "xsd:" + rng[len(XSD):]}
            else:
                out[name] = curie
        elif OWL + "AnnotationProperty" in types:
            out[name] = curie
    return out


def _reused_terms(taken: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in REUSED:
        iri, kind = entry[0], entry[1]
        name = entry[2] if len(entry) == 3 else _local(iri)  # type: ignore[misc]
        if name in taken or name in out:
            raise ValueError(f"JSON-LD term {name!r} ({iri}) is already defined")
        if kind == LANG:
            out[name] = {"@id": iri, "@container": "@language"}
        elif kind is not None:
            out[name] = {"@id": iri, "@type": kind}
        else:
            out[name] = iri
    for curie in CLASSES:
        name = _local(curie)
        if name in taken or name in out:
            raise ValueError(f"JSON-LD term {name!r} ({curie}) is already defined")
        out[name] = curie
    return out


@cache
def _context() -> tuple[tuple[str, Any], ...]:
    ctx: dict[str, Any] = dict(sorted(CONTEXT_PREFIXES.items()))
    mplan = _mplan_terms()
    clash = set(mplan) & set(ctx)
    if clash:
        raise ValueError(f"JSON-LD terms clash with prefixes: {sorted(clash)}")
    ctx.update(mplan)
    ctx.update(_reused_terms(ctx))
    return tuple(ctx.items())


def jsonld_context() -> dict[str, Any]:
    """The published JSON-LD context: prefixes and a short name for every term (a new dict
    on each call; it is built once)."""
    return {"@context": copy.deepcopy(dict(_context()))}
