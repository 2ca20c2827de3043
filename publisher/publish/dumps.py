"""Deterministic dumps of graphs in every dump format of the format registry.

The same graph always gives the same bytes: N-Triples and N-Quads are sorted line by line,
Turtle and TriG are written by Oxigraph from sorted triples, JSON-LD is compacted with our
context and its nodes and values sorted. The all-plans dumps are composed from the per-plan
files by :mod:`publisher.publish.compose`, never by loading every plan.
"""

from __future__ import annotations

import json
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from ..namespaces import MPLAN, PREFIXES
from .context import jsonld_context

CONTEXT_FILE = "context.jsonld"


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_json(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def jsonld_serialize(graph: Graph | Dataset) -> bytes:
    ctx = jsonld_context()["@context"]
    text = graph.serialize(format="json-ld", context=ctx, auto_compact=True)
    doc = json.loads(text)
    if isinstance(doc, list):
        doc = {"@context": ctx, "@graph": doc}
    body = {k: v for k, v in doc.items() if k != "@context"}
    out = {"@context": ctx, **_sorted_json(body)}
    return (json.dumps(out, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted({line for line in data.split(b"\n") if line.strip()})
    return b"\n".join(lines) + b"\n"


def _bind(g: Graph) -> None:
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)


def dataset_of(graphs: dict[URIRef, Graph]) -> Dataset:
    ds = Dataset()
    _bind(ds)
    for name in sorted(graphs):
        target = ds.graph(name)
        for triple in graphs[name]:
            target.add(triple)
    return ds


def ox_term(term: Any) -> Any:
    """The Oxigraph term of an rdflib term (TypeError for anything else)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"not an RDF term: {term!r}")


def sorted_quads(graphs: dict[URIRef, Graph]) -> list[ox.Quad]:
    """The quads of ``graphs``, sorted by graph, then by their N-Triples text (s, p, o)."""
    out: list[ox.Quad] = []
    for name in sorted(graphs):
        g = ox.NamedNode(str(name))
        quads = [ox.Quad(ox_term(s), ox_term(p), ox_term(o), g) for s, p, o in graphs[name]]
        quads.sort(key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
        out.extend(quads)
    return out


PREFIX_MAP = dict(sorted(PREFIXES.items()))


def serialize_all(graphs: dict[URIRef, Graph], exts: tuple[str, ...]) -> dict[str, bytes]:
    """:func:`serialize` in several formats, sorting the quads once."""
    quads = sorted_quads(graphs)
    return {ext: jsonld_serialize(dataset_of(graphs) if len(graphs) > 1 else _union(graphs))
            if ext == "jsonld" else _from_quads(quads, ext) for ext in exts}


def serialize(graphs: dict[URIRef, Graph], ext: str) -> bytes:
    """Bytes of ``graphs`` (named graphs by name) in the format with extension ``ext``.

    Triple formats get the union of the graphs; dataset formats keep the names. Turtle, TriG,
    N-Triples and N-Quads are written by Oxigraph from sorted quads (N-Triples and N-Quads then
    sorted line by line); JSON-LD by rdflib, compacted with our context and sorted.
    """
    if ext == "jsonld":
        return jsonld_serialize(dataset_of(graphs) if len(graphs) > 1 else _union(graphs))
    if ext == "ttl" and any(isinstance(t, BNode) for g in graphs.values() for triple in g for t in triple):
        # blank nodes (the ontology's OWL lists): rdflib writes them inline, so their labels,
        # new on every parse, never reach the file
        return _union(graphs).serialize(format="turtle", encoding="utf-8")
    return _from_quads(sorted_quads(graphs), ext)


def prefix_header(ext: str) -> bytes:
    """The ``@prefix`` lines that every Turtle (``ttl``) or TriG (``trig``) file we write
    starts with: Oxigraph declares every prefix of :data:`PREFIX_MAP`, used or not."""
    probe = ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.NamedNode("urn:x:o"),
                    ox.NamedNode("urn:x:g"))
    data = _from_quads([probe], ext)
    return data[: data.index(b"<urn:x:")]


def _from_quads(quads: list[ox.Quad], ext: str) -> bytes:
    if ext == "nq":
        return _sorted_lines(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    if ext == "trig":
        return ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=PREFIX_MAP)
    triples = sorted({q.triple for q in quads}, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    if ext == "nt":
        return _sorted_lines(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    if ext == "ttl":
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIX_MAP)
    raise KeyError(ext)


def _union(graphs: dict[URIRef, Graph]) -> Graph:
    g = Graph()
    _bind(g)
    for name in sorted(graphs):
        for t in graphs[name]:
            g.add(t)
    return g


__all__ = ["serialize", "jsonld_context", "CONTEXT_FILE", "MPLAN"]
