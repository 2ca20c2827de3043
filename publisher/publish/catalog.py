"""The DCAT catalog (DCAT-AP 3.0.1) and the VoID description of a publication.

Both are written piece by piece: a head (the catalog node and the nodes every dataset shares)
and one piece per dataset, each serialised on its own. A build keeps each plan's pieces in its
cache, so that after one plan changed only that plan's piece is serialised again; the files
are the pieces one after the other (:func:`catalog_parts`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, VOID, XSD

from ..formats import by_extension
from ..namespaces import DEFAULT_LICENSE, ONTOLOGY_IRI, PREFIXES, SPDX, VCARD, Iris
from .compose import JSONLD_TAIL, jsonld_head, jsonld_items, split_header
from .dumps import PREFIX_MAP, jsonld_serialize, ox_term
from .splice import Part, data_part

IANA = "http://www.iana.org/assignments/media-types/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGE_JA = URIRef("http://publications.europa.eu/resource/authority/language/JPN")
FILE_TYPES = {"ttl": "RDF_TURTLE", "nt": "RDF_N_TRIPLES", "jsonld": "JSON_LD", "trig": "RDF_TRIG",
              "nq": "RDF_N_QUADS", "csv": "CSV", "csv-excel": "CSV"}  # SQLite has none: its media type is its format
#: The downloads that are tables, not RDF: media type and name (publish/csvout.py, publish/tables.py).
TABLE_FORMATS = {"csv": ("text/csv", "CSV"), "csv-excel": ("text/csv", "CSV"),
                 "sqlite": ("application/vnd.sqlite3", "SQLite")}
# The EU's data themes: every dataset here is about government and public sector
EU_THEMES = URIRef("http://publications.europa.eu/resource/authority/data-theme")
THEME_GOVERNMENT = URIRef(f"{EU_THEMES}/GOVE")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
# What CKAN's licence register matches besides the IRI (its "cc-by" licence goes by this title);
# the SPDX id names the exact licence
LICENSE_NAMES = {DEFAULT_LICENSE: ("Creative Commons Attribution", "CC-BY-4.0", "CC BY 4.0")}


@dataclass
class FileInfo:
    """A published file: its path under downloads/, size and SHA-256."""

    path: str
    size: int
    sha256: str
    title: tuple[str, str] | None = None  # (ja, en) what it holds, when not the whole dataset
    schema: str | None = None  # path under downloads/ of what it conforms to (CSVW metadata)


@dataclass
class DatasetInfo:
    """What the catalog says about one dataset."""

    key: str  # plan id, or "all"
    title_ja: str
    title_en: str
    description_ja: str
    description_en: str
    license: str
    modified: str  # xsd:date: the last revision of its sources
    files: dict[str, FileInfo]  # by extension
    municipality: URIRef | None = None
    municipality_name: str | None = None
    area: URIRef | None = None
    plan: URIRef | None = None
    triples: int = 0
    sources: tuple[URIRef, ...] = ()
    issued: str | None = None  # xsd:date: its first revision
    period: tuple[str, str] | None = None  # xsd:date of the first and last day of the plan period


GZIP = URIRef(IANA + "application/gzip")


def _bound(g: Graph) -> Graph:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns)
    g.bind("spdx", SPDX)
    g.bind("foaf", FOAF)
    g.bind("vcard", VCARD)
    return g


def contact_point(iris: Iris) -> URIRef:
    """Whom to ask about the data: the project, reached through its site."""
    return URIRef(f"{iris.base}publisher/contact")


def sparql_service(iris: Iris) -> URIRef:
    """The data service that answers SPARQL queries over every dataset."""
    return URIRef(f"{iris.base}service/sparql")


def sparql_endpoint(iris: Iris) -> URIRef:
    return URIRef(f"{iris.base}sparql")


def _shared_nodes(g: Graph, iris: Iris) -> None:
    """The contact point, the SPARQL service and the theme that every dataset refers to."""
    cat, contact, service = iris.catalog(), contact_point(iris), sparql_service(iris)
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal("mplan 自治体総合計画LODプロジェクト", lang="ja")))
    g.add((contact, VCARD.fn, Literal("mplan municipal plans LOD project", lang="en")))
    g.add((contact, VCARD.hasURL, URIRef(iris.base)))
    g.add((cat, DCAT.service, service))
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("SPARQL エンドポイント", lang="ja")))
    g.add((service, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    g.add((service, DCAT.endpointURL, sparql_endpoint(iris)))
    g.add((sparql_endpoint(iris), RDF.type, RDFS.Resource))
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((service, DCAT.contactPoint, contact))
    g.add((service, DCTERMS.license, URIRef(DEFAULT_LICENSE)))
    g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    g.add((cat, DCAT.themeTaxonomy, EU_THEMES))
    g.add((EU_THEMES, RDF.type, SKOS.ConceptScheme))
    g.add((EU_THEMES, DCTERMS.title, Literal("Data theme", lang="en")))
    g.add((THEME_GOVERNMENT, RDF.type, SKOS.Concept))
    g.add((THEME_GOVERNMENT, SKOS.prefLabel, Literal("Government and public sector", lang="en")))
    g.add((THEME_GOVERNMENT, SKOS.inScheme, EU_THEMES))


def _license_node(g: Graph, license: str) -> None:
    """A licence and, for the ones CKAN's register knows, the title it matches them by."""
    g.add((URIRef(license), RDF.type, DCTERMS.LicenseDocument))
    if license in LICENSE_NAMES:
        title, spdx_id, label = LICENSE_NAMES[license]
        g.add((URIRef(license), DCTERMS.title, Literal(title, lang="en")))
        g.add((URIRef(license), DCTERMS.identifier, Literal(spdx_id)))
        g.add((URIRef(license), RDFS.label, Literal(label, lang="en")))


def _file_type_node(g: Graph, ext: str) -> None:
    """A file type of the EU's register, also typed as an Internet media type with a value
    and a label: the form CKAN's harvester reads a format's name from (it looks at the first
    type it meets, so the files and ``/catalog`` write the types in order, ``dct:IMT`` first).
    A download with no file type in the register (SQLite) has its media type as its format."""
    node = _format_node(ext)
    g.add((node, RDF.type, DCTERMS.IMT))
    g.add((node, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((node, RDF.value, Literal(_media_type_name(ext))))
    g.add((node, RDFS.label, Literal(_format_name(ext), lang="en")))


def _file_kind(ext: str) -> str:
    """The format a distribution's key names: ``csv-excel`` and ``csv-{query}`` (a catalogue
    query's answer, publish/answers.py) are CSV files."""
    return "csv" if ext.startswith("csv-") else ext


def _format_node(ext: str) -> URIRef:
    kind = _file_kind(ext)
    return URIRef(EU_FILE_TYPE + FILE_TYPES[kind]) if kind in FILE_TYPES else _media_type(ext)


def _media_type_name(ext: str) -> str:
    kind = _file_kind(ext)
    return TABLE_FORMATS[kind][0] if kind in TABLE_FORMATS else by_extension(kind).media_type


def _format_name(ext: str) -> str:
    kind = _file_kind(ext)
    return TABLE_FORMATS[kind][1] if kind in TABLE_FORMATS else by_extension(kind).name


def catalog_head(iris: Iris, datasets: list[DatasetInfo], modified: str) -> Graph:
    """The catalog node, its publisher, and every node the datasets share (licences, media
    types, file types, the ontology): the part of the catalog that is not one dataset's.
    (Each dataset's piece says that the catalog lists it, so the head does not grow with the
    number of datasets.)"""
    g = _bound(Graph())
    cat = iris.catalog()
    publisher = URIRef(f"{iris.base}publisher")
    g.add((cat, RDF.type, DCAT.Catalog))
    g.add((cat, DCTERMS.title, Literal("自治体総合計画 オープンデータ", lang="ja")))
    g.add((cat, DCTERMS.title, Literal("Municipal comprehensive plans as linked open data", lang="en")))
    g.add((cat, DCTERMS.description, Literal(
        "日本の市町村の総合計画（将来像・目標・政策・施策・指標・SDGs との対応）を共通オントロジーで記述したデータセットの目録。",
        lang="ja")))
    g.add((cat, DCTERMS.description, Literal(
        "Catalog of Japanese municipalities' comprehensive plans (vision, goals, policies, measures, "
        "indicators, SDG links) described with one shared ontology.", lang="en")))
    g.add((cat, DCTERMS.publisher, publisher))
    g.add((cat, DCTERMS.language, EU_LANGUAGE_JA))
    g.add((EU_LANGUAGE_JA, RDF.type, DCTERMS.LinguisticSystem))
    g.add((cat, DCTERMS.modified, Literal(modified, datatype=XSD.date)))
    g.add((cat, FOAF.homepage, URIRef(iris.base)))
    g.add((URIRef(iris.base), RDF.type, FOAF.Document))
    g.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, RDF.type, FOAF.Organization))
    g.add((publisher, FOAF.name, Literal("mplan 自治体総合計画LODプロジェクト", lang="ja")))
    g.add((publisher, FOAF.name, Literal("mplan municipal plans LOD project", lang="en")))
    g.add((ONTOLOGY_IRI, RDF.type, DCTERMS.Standard))
    _shared_nodes(g, iris)
    for info in datasets:
        _license_node(g, info.license)
        for ext, f in info.files.items():
            g.add((_media_type(ext), RDF.type, DCTERMS.MediaType))
            _file_type_node(g, ext)
            if f.path.endswith(".gz"):
                g.add((GZIP, RDF.type, DCTERMS.MediaType))
    return g


def _media_type(ext: str) -> URIRef:
    return URIRef(IANA + _media_type_name(ext))


def dataset_graph(iris: Iris, info: DatasetInfo) -> Graph:
    """One dataset of the catalog: its description, its distributions and their checksums."""
    g = _bound(Graph())
    ds = iris.dataset(info.key)
    g.add((iris.catalog(), DCAT.dataset, ds))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.identifier, Literal(info.key)))
    g.add((ds, DCTERMS.title, Literal(info.title_ja, lang="ja")))
    g.add((ds, DCTERMS.title, Literal(info.title_en, lang="en")))
    g.add((ds, DCTERMS.description, Literal(info.description_ja, lang="ja")))
    g.add((ds, DCTERMS.description, Literal(info.description_en, lang="en")))
    g.add((ds, DCTERMS.license, URIRef(info.license)))
    g.add((ds, DCTERMS.modified, Literal(info.modified, datatype=XSD.date)))
    g.add((ds, DCTERMS.language, EU_LANGUAGE_JA))
    g.add((ds, DCTERMS.conformsTo, ONTOLOGY_IRI))
    g.add((ds, VOID.triples, Literal(info.triples, datatype=XSD.integer)))
    g.add((ds, DCAT.contactPoint, contact_point(iris)))
    g.add((ds, DCAT.theme, THEME_GOVERNMENT))
    g.add((sparql_service(iris), DCAT.servesDataset, ds))
    g.add((ds, VOID.sparqlEndpoint, sparql_endpoint(iris)))
    if info.issued is not None:
        g.add((ds, DCTERMS.issued, Literal(info.issued, datatype=XSD.date)))
    if info.period is not None:
        period = URIRef(f"{ds}/period")
        g.add((ds, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, Literal(info.period[0], datatype=XSD.date)))
        g.add((period, DCAT.endDate, Literal(info.period[1], datatype=XSD.date)))
    for kw in ("総合計画", "KPI", "SDGs", "comprehensive plan"):
        g.add((ds, DCAT.keyword, Literal(kw, lang="en" if kw.isascii() else "ja")))
    if info.municipality is not None:
        g.add((ds, DCTERMS.publisher, info.municipality))
        g.add((info.municipality, RDF.type, FOAF.Agent))
        g.add((info.municipality, RDF.type, DCTERMS.Location))
        g.add((info.municipality, FOAF.name, Literal(info.municipality_name, lang="ja")))
        g.add((ds, DCTERMS.spatial, info.municipality))
    else:
        g.add((ds, DCTERMS.publisher, URIRef(f"{iris.base}publisher")))
    if info.area is not None:
        g.add((ds, DCTERMS.spatial, info.area))
        g.add((info.area, RDF.type, DCTERMS.Location))
    if info.plan is not None:
        g.add((ds, FOAF.primaryTopic, info.plan))
        g.add((ds, DCAT.landingPage, info.plan))
        g.add((info.plan, RDF.type, FOAF.Document))
    for src in info.sources:
        g.add((ds, PROV.wasDerivedFrom, src))
    for ext, f in sorted(info.files.items()):
        dist = iris.distribution(info.key, ext)
        url = URIRef(f"{iris.base}downloads/{f.path}")
        name = _format_name(ext)
        title_ja, title_en = f.title or (info.title_ja, info.title_en)
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"{title_ja}（{name}）", lang="ja")))
        g.add((dist, DCTERMS.title, Literal(f"{title_en} ({name})", lang="en")))
        if f.schema is not None:
            schema = URIRef(f"{iris.base}downloads/{f.schema}")
            g.add((dist, DCTERMS.conformsTo, schema))
            g.add((schema, RDF.type, DCTERMS.Standard))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.mediaType, _media_type(ext)))
        if f.path.endswith(".gz"):
            g.add((dist, DCAT.compressFormat, GZIP))
        g.add((dist, DCTERMS.format, _format_node(ext)))
        g.add((dist, DCAT.byteSize, Literal(f.size, datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.license, URIRef(info.license)))
        g.add((dist, DCTERMS.modified, Literal(info.modified, datatype=XSD.date)))
        checksum = URIRef(f"{dist}/checksum")
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(f.sha256, datatype=XSD.hexBinary)))
    return g


def void_head(iris: Iris) -> Graph:
    """The part of the VoID description that is not one dataset's."""
    g = _bound(Graph())
    g.add((iris.dataset("all"), RDFS.seeAlso, iris.catalog()))
    return g


def void_dataset(iris: Iris, info: DatasetInfo) -> Graph:
    """One dataset in the VoID description (a plan is a subset of ``all``)."""
    g = _bound(Graph())
    ds = iris.dataset(info.key)
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal(info.title_ja, lang="ja")))
    g.add((ds, VOID.triples, Literal(info.triples, datatype=XSD.integer)))
    g.add((ds, VOID.vocabulary, ONTOLOGY_IRI))
    g.add((ds, VOID.uriSpace, Literal(iris.base)))
    g.add((ds, DCTERMS.license, URIRef(info.license)))
    for ext, f in sorted(info.files.items()):
        if _file_kind(ext) not in TABLE_FORMATS:
            g.add((ds, VOID.dataDump, URIRef(f"{iris.base}downloads/{f.path}")))
    if info.plan is not None:  # a plan's dataset is a subset of all plans'
        g.add((iris.dataset("all"), VOID.subset, ds))
    return g


CATALOG_FILES = ("catalog.ttl", "catalog.jsonld", "void.ttl")
CATALOG_PREFIXES = {**PREFIX_MAP, "foaf": str(FOAF), "spdx": str(SPDX), "vcard": str(VCARD)}


def _turtle(g: Graph) -> bytes:
    triples = sorted((ox.Triple(ox_term(s), ox_term(p), ox_term(o)) for s, p, o in g),
                     key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=CATALOG_PREFIXES)


STORE_PIECE = "store.nt"  # the catalog and VoID triples as N-Triples lines, for the store


def _pieces(catalog: Graph, void: Graph) -> dict[str, bytes]:
    """The pieces of the files: the catalog files hold the VoID triples too, so that they are
    the graph the store holds and ``/catalog`` serves; ``void.ttl`` holds only those."""
    published = _bound(Graph())
    for g in (catalog, void):
        for t in g:
            published.add(t)
    lines = ox.serialize([ox.Triple(ox_term(s), ox_term(p), ox_term(o)) for s, p, o in published],
                         format=ox.RdfFormat.N_TRIPLES).splitlines(keepends=True)
    return {"catalog.ttl": split_header(_turtle(published))[1],
            "catalog.jsonld": jsonld_items(jsonld_serialize(published)),
            "void.ttl": split_header(_turtle(void))[1],
            STORE_PIECE: b"".join(sorted(lines))}


def head_pieces(iris: Iris, datasets: list[DatasetInfo], modified: str) -> dict[str, bytes]:
    """The head's piece of each file of :data:`CATALOG_FILES`."""
    return _pieces(catalog_head(iris, datasets, modified), void_head(iris))


def dataset_pieces(iris: Iris, info: DatasetInfo) -> dict[str, bytes]:
    """One dataset's piece of each file of :data:`CATALOG_FILES`."""
    return _pieces(dataset_graph(iris, info), void_dataset(iris, info))


Source = tuple[str | None, Callable[[], dict[str, bytes]]]  # a piece's cache key, and its pieces


def catalog_parts(name: str, sources: Sequence[Source]) -> list[Part]:
    """The parts of the file ``name`` (one of :data:`CATALOG_FILES`, or :data:`STORE_PIECE` for
    the store's catalog graph as N-Triples lines) from the head's and the datasets' pieces, in
    that order: the head first. A source whose key is None is keyed by its bytes; the others'
    pieces are read only if the file is not copied from its previous version
    (:mod:`publisher.publish.splice`)."""
    jsonld = name.endswith(".jsonld")

    def part(i: int, key: str | None, get: Callable[[], dict[str, bytes]]) -> Part:
        def load() -> bytes:
            data = get()[name]
            if not jsonld:
                return data
            if i == 0:
                assert data.strip(), "the catalog's head has no JSON-LD nodes"
                return b"\n" + data
            return b",\n" + data if data.strip() else b""

        return data_part(load()) if key is None else Part(f"{key}:{name}", load=load)

    parts = [part(i, key, get) for i, (key, get) in enumerate(sources)]
    if jsonld:
        return [data_part(jsonld_head()), *parts, data_part(JSONLD_TAIL)]
    if name == STORE_PIECE:
        return parts
    probe = Graph()
    probe.add((URIRef("urn:x:s"), URIRef("urn:x:p"), URIRef("urn:x:o")))
    return [data_part(split_header(_turtle(probe))[0]), *parts]
