"""RDF writers for every format of the format registry, registered by extension.

JSON-LD is compacted with the project's published context (the one in downloads/context.jsonld)
so that apps get short keys; the other formats come from pyoxigraph with our prefixes.

>>> import pyoxigraph as ox
>>> t = ox.Triple(ox.NamedNode("https://w3id.org/mplan/id/plan/x"),
...               ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("x", language="ja"))
>>> print(render_rdf([t], "ttl").decode().splitlines()[-1])
<https://w3id.org/mplan/id/plan/x> rdfs:label "x"@ja .
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Graph

from ...formats import by_extension
from ...namespaces import PREFIXES
from ...publish.dumps import jsonld_context

TURTLE_PREFIXES = dict(PREFIXES)


def _jsonld(triples: list[ox.Triple]) -> bytes:
    g = Graph()
    if triples:
        g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    ctx = jsonld_context()["@context"]
    doc = json.loads(g.serialize(format="json-ld", context=ctx, auto_compact=True))
    if isinstance(doc, list):
        doc = {"@context": ctx, "@graph": doc}
    doc.setdefault("@context", ctx)
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def render_rdf(triples: Iterable[ox.Triple], key: str) -> bytes:
    """``triples`` in the format whose extension is ``key`` (ttl, nt, jsonld, rdf, trig, nq)."""
    triples = list(triples)
    if key == "jsonld":
        return _jsonld(triples)
    fmt = by_extension(key).oxigraph
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML):
        return ox.serialize(triples, format=fmt, prefixes=_used_prefixes(triples))
    return ox.serialize(triples, format=fmt)


def _used_prefixes(triples: list[ox.Triple]) -> dict[str, str]:
    """Our prefixes that some IRI of ``triples`` starts with (so the output declares no others)."""
    iris = {t.value for triple in triples for t in (triple.subject, triple.predicate, triple.object)
            if isinstance(t, ox.NamedNode)}
    iris |= {t.object.datatype.value for t in triples if isinstance(t.object, ox.Literal)}
    return {p: ns for p, ns in TURTLE_PREFIXES.items() if any(i.startswith(ns) for i in iris)}
