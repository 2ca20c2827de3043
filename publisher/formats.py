"""The one registry of RDF formats: media type ↔ extension ↔ serializer names.

Used by the build (dump files), the server (content negotiation) and the CLI alike.

>>> by_extension("ttl").media_type
'text/turtle'
>>> by_media_type("application/ld+json").extension
'jsonld'
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph


@dataclass(frozen=True)
class RdfFormat:
    name: str
    extension: str
    media_type: str
    rdflib: str  # rdflib serializer / parser name
    oxigraph: pyoxigraph.RdfFormat
    dataset: bool  # can hold named graphs
    aliases: tuple[str, ...] = ()


FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat("Turtle", "ttl", "text/turtle", "turtle", pyoxigraph.RdfFormat.TURTLE, False,
              ("application/x-turtle",)),
    RdfFormat("N-Triples", "nt", "application/n-triples", "nt", pyoxigraph.RdfFormat.N_TRIPLES,
              False, ("text/plain",)),
    RdfFormat("JSON-LD", "jsonld", "application/ld+json", "json-ld", pyoxigraph.RdfFormat.JSON_LD,
              True, ("application/json",)),
    RdfFormat("RDF/XML", "rdf", "application/rdf+xml", "xml", pyoxigraph.RdfFormat.RDF_XML, False,
              ("application/xml", "text/xml")),
    RdfFormat("TriG", "trig", "application/trig", "trig", pyoxigraph.RdfFormat.TRIG, True),
    RdfFormat("N-Quads", "nq", "application/n-quads", "nquads", pyoxigraph.RdfFormat.N_QUADS, True),
)

DUMP_FORMATS = ("ttl", "nt", "jsonld", "trig", "nq")


def by_extension(ext: str) -> RdfFormat:
    for f in FORMATS:
        if f.extension == ext:
            return f
    raise KeyError(ext)


def by_media_type(media_type: str) -> RdfFormat:
    mt = media_type.split(";")[0].strip().lower()
    for f in FORMATS:
        if f.media_type == mt or mt in f.aliases:
            return f
    raise KeyError(media_type)
