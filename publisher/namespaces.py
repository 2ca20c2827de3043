"""Namespaces and IRI minting, in one place (see docs/model.md)."""

from __future__ import annotations

import hashlib

from rdflib import Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, PROV, QB, RDF, RDFS, SKOS, VOID, XSD

MPLAN = Namespace("https://w3id.org/mplan/def#")
DEF = "https://w3id.org/mplan/def"
ONTOLOGY_IRI = URIRef(DEF)
SDG = Namespace("http://metadata.un.org/sdg/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ESTAT_SAC = "http://data.e-stat.go.jp/lod/sac/C"
WIKIDATA = "http://www.wikidata.org/entity/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
CSVW = Namespace("http://www.w3.org/ns/csvw#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DEFAULT_BASE = "https://w3id.org/mplan/id/"
DEFAULT_LICENSE = "https://creativecommons.org/licenses/by/4.0/"

PREFIXES = {
    "mplan": str(MPLAN), "skos": str(SKOS), "dcterms": str(DCTERMS), "dcat": str(DCAT),
    "prov": str(PROV), "org": str(ORG), "qb": str(QB), "void": str(VOID), "rdfs": str(RDFS),
    "rdf": str(RDF), "xsd": str(XSD), "owl": str(OWL), "sdg": str(SDG), "schema": str(SCHEMA),
    "sd": str(SD),
}


def concept(scheme: str, notation: str) -> URIRef:
    """The IRI of a concept in one of our schemes: ``concept("level", "goal")``."""
    return URIRef(f"{DEF}/{scheme}/{notation}")


def scheme_iri(scheme: str) -> URIRef:
    return URIRef(f"{DEF}/{scheme}")


#: Source-file prefix of an alignment target → our concept scheme (``sdg:`` is the UN's).
ALIGNMENT_SCHEMES = {"domain": "policy-domain", "pillar": "pillar",
                     "indicator-concept": "indicator-concept"}


def alignment_target(target: str) -> URIRef:
    """``sdg:13.2`` → the UN IRI; ``domain:environment``, ``pillar:1``,
    ``indicator-concept:population`` → our concepts."""
    prefix, _, local = target.partition(":")
    if prefix == "sdg":
        return SDG[local]
    return concept(ALIGNMENT_SCHEMES[prefix], local)


def content_id(text: str) -> str:
    """A short, stable id from content (for list items without an explicit id)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


class Iris:
    """Mints the data IRIs of docs/model.md under one base."""

    def __init__(self, base: str = DEFAULT_BASE):
        self.base = base if base.endswith("/") else base + "/"

    def municipality(self, code: str) -> URIRef:
        return URIRef(f"{self.base}municipality/{code}")

    def unit(self, code: str, unit_id: str) -> URIRef:
        return URIRef(f"{self.base}municipality/{code}/unit/{unit_id}")

    def plan(self, plan_id: str) -> URIRef:
        return URIRef(f"{self.base}plan/{plan_id}")

    def in_plan(self, plan_id: str, kind: str, local: str) -> URIRef:
        return URIRef(f"{self.base}plan/{plan_id}/{kind}/{local}")

    def dataset(self, plan_id: str) -> URIRef:
        return URIRef(f"{self.base}dataset/{plan_id}")

    def distribution(self, plan_id: str, fmt: str) -> URIRef:
        return URIRef(f"{self.base}dataset/{plan_id}/{fmt}")

    def catalog(self) -> URIRef:
        return URIRef(f"{self.base}catalog")
