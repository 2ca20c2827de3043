"""The registry as RDF: every prefecture and municipality at ``B/municipality/{code}``.

One named graph, :func:`graph_name` (the registry dataset's IRI, as a plan's graph is its
dataset's). A municipality that has a plan is the same IRI as in the plan's graph. The mapping
is in docs/model.md ("The registry").
"""

from __future__ import annotations

from decimal import Decimal

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, RDF, RDFS, SKOS, XSD

from ..namespaces import ESTAT_SAC, MPLAN, PREFIXES, Iris, concept
from . import SOURCE_CODES, SOURCE_POINTS, Registry

KEY = "registry"  # the dataset's key: B/dataset/registry
WGS84 = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
KIND_SCHEME = "local-government-kind"

POINT_NOTE_JA = "代表点（団体名のジオコーディングによる概略の位置。境界や庁舎の位置ではない）。"
POINT_NOTE_EN = ("A representative point, approximate: from geocoding the name; "
                 "not the boundary or the town hall's position.")


def graph_name(iris: Iris) -> URIRef:
    return iris.dataset(KEY)


def source_codes(iris: Iris) -> URIRef:
    return URIRef(f"{graph_name(iris)}/source/soumu-codes")


def source_points(iris: Iris) -> URIRef:
    return URIRef(f"{graph_name(iris)}/source/points")


def _decimal(value: float) -> Literal:
    return Literal(format(Decimal(str(value)), "f"), datatype=XSD.decimal)


def registry_graph(reg: Registry, iris: Iris) -> Graph:
    """The registry's triples: names, kana, generated romanisation, kind, prefecture, the
    e-Stat standard area, and a representative point (W3C Basic Geo).

    >>> from publisher.registry import registry
    >>> g = registry_graph(registry(), Iris("https://example.org/id/"))
    >>> m = URIRef("https://example.org/id/municipality/011002")
    >>> str(g.value(m, RDFS.label)), str(g.value(m, DCTERMS.isPartOf)).rsplit("/", 1)[1]
    ('札幌市', '010006')
    >>> str(g.value(g.value(m, WGS84.location), WGS84.lat)), str(g.value(m, MPLAN.romanizedName))
    ('43.0620958', 'Sapporo-shi')
    """
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("wgs84", WGS84)
    codes, points = source_codes(iris), source_points(iris)
    for node, label_ja, label_en, cite in (
            (codes, "総務省「全国地方公共団体コード」", "全国地方公共団体コード (Ministry of Internal Affairs "
             "and Communications)", SOURCE_CODES),
            (points, "市区町村の代表点", "Representative points of municipalities", SOURCE_POINTS)):
        g.add((node, RDF.type, PROV.Entity))
        g.add((node, RDFS.label, Literal(label_ja, lang="ja")))
        g.add((node, RDFS.label, Literal(label_en, lang="en")))
        g.add((node, DCTERMS.bibliographicCitation, Literal(cite)))
    g.add((codes, DCTERMS.publisher, Literal("総務省", lang="ja")))
    for lg in reg:
        node = iris.municipality(lg.code)
        g.add((node, RDF.type, MPLAN.LocalGovernment))
        g.add((node, RDF.type, MPLAN.Prefecture if lg.is_prefecture else MPLAN.Municipality))
        g.add((node, RDF.type, ORG.FormalOrganization))
        g.add((node, RDF.type, DCTERMS.Location))
        g.add((node, RDFS.label, Literal(lg.name, lang="ja")))
        g.add((node, SKOS.prefLabel, Literal(lg.name, lang="ja")))
        g.add((node, MPLAN.kana, Literal(lg.kana, lang="ja-Kana")))
        g.add((node, MPLAN.romanizedName, Literal(lg.name_en, lang="en")))
        g.add((node, MPLAN.localGovernmentCode, Literal(lg.code)))
        g.add((node, MPLAN.localGovernmentKind, concept(KIND_SCHEME, lg.kind)))
        g.add((node, MPLAN.statisticalArea, URIRef(ESTAT_SAC + lg.code[:5])))
        g.add((node, DCTERMS.source, codes))
        if lg.is_prefecture:
            continue
        g.add((node, DCTERMS.isPartOf, iris.municipality(lg.prefecture_code)))
        g.add((node, MPLAN.prefecture, Literal(lg.prefecture.name, lang="ja")))
        if lg.lat is None or lg.lng is None:
            continue
        # W3C Basic Geo, whose decimals every store gives back as written (a GeoSPARQL
        # wktLiteral comes back from Virtuoso in its own datatype and in single precision)
        point = URIRef(f"{node}/point")
        g.add((node, WGS84.location, point))
        g.add((point, RDF.type, WGS84.Point))
        g.add((point, WGS84.lat, _decimal(lg.lat)))
        g.add((point, WGS84.long, _decimal(lg.lng)))
        g.add((point, RDFS.comment, Literal(POINT_NOTE_JA, lang="ja")))
        g.add((point, RDFS.comment, Literal(POINT_NOTE_EN, lang="en")))
        g.add((point, DCTERMS.source, points))
    return g
