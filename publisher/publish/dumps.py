"""Deterministic dumps of graphs in every dump format of the format registry.

The same graph always gives the same bytes: N-Triples and N-Quads are sorted line by line,
Turtle and TriG come from rdflib's sorted serializers, JSON-LD is compacted with our context
and its nodes and values sorted.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import Dataset, Graph, URIRef

from ..formats import by_extension
from ..namespaces import MPLAN, PREFIXES

CONTEXT_FILE = "context.jsonld"


def jsonld_context() -> dict[str, Any]:
    """The JSON-LD context published with the dumps: prefixes and natural names of our terms."""
    ctx: dict[str, Any] = dict(sorted(PREFIXES.items()))
    ctx.update({
        "label": {"@id": "rdfs:label", "@container": "@language"},
        "description": {"@id": "dcterms:description", "@container": "@language"},
        "notation": "skos:notation",
        "level": {"@id": "mplan:level", "@type": "@id"},
        "parent": {"@id": "mplan:parent", "@type": "@id"},
        "inPlan": {"@id": "mplan:inPlan", "@type": "@id"},
        "measures": {"@id": "mplan:measures", "@type": "@id"},
        "indicator": {"@id": "mplan:indicator", "@type": "@id"},
        "valueKind": {"@id": "mplan:valueKind", "@type": "@id"},
        "fiscalYear": {"@id": "mplan:fiscalYear", "@type": "xsd:gYear"},
        "value": {"@id": "mplan:value", "@type": "xsd:decimal"},
        "unit": "mplan:unit",
        "textAsWritten": "mplan:textAsWritten",
        "direction": {"@id": "mplan:direction", "@type": "@id"},
        "responsibleUnit": {"@id": "mplan:responsibleUnit", "@type": "@id"},
        "municipality": {"@id": "mplan:municipality", "@type": "@id"},
    })
    return {"@context": ctx}


def _sorted_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_json(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_sorted_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _jsonld(graph: Graph | Dataset) -> bytes:
    ctx = jsonld_context()["@context"]
    text = graph.serialize(format="json-ld", context=ctx, auto_compact=True)
    doc = json.loads(text)
    if isinstance(doc, list):
        doc = {"@context": ctx, "@graph": doc}
    body = {k: v for k, v in doc.items() if k != "@context"}
    out = {"@context": ctx, **_sorted_json(body)}
    return (json.dumps(out, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _sorted_lines(data: bytes) -> bytes:
    lines = sorted({line for line in data.decode("utf-8").splitlines() if line.strip()})
    return ("\n".join(lines) + "\n").encode("utf-8")


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


def serialize(graphs: dict[URIRef, Graph], ext: str) -> bytes:
    """Bytes of ``graphs`` (named graphs by name) in the format with extension ``ext``.

    Triple formats get the union of the graphs; dataset formats keep the names.
    """
    fmt = by_extension(ext)
    if ext == "nq":
        chunks = [dataset_of({n: g}).serialize(format="nquads", encoding="utf-8")
                  for n, g in graphs.items()]
        return _sorted_lines(b"".join(chunks))
    if ext == "trig":
        parts = []
        for name in sorted(graphs):
            g = Graph()
            _bind(g)
            for t in graphs[name]:
                g.add(t)
            body = g.serialize(format="turtle", encoding="utf-8").decode("utf-8")
            prefixes = [ln for ln in body.splitlines() if ln.startswith("@prefix")]
            # no re-indentation: a long literal may span lines and must stay as it is
            triples = "\n".join(ln for ln in body.splitlines()
                                if not ln.startswith("@prefix")).strip("\n")
            parts.append((prefixes, f"<{name}> {{\n{triples}\n}}\n"))
        prefixes = sorted({p for ps, _ in parts for p in ps})
        return ("\n".join(prefixes) + "\n\n" + "\n".join(t for _, t in parts)).encode("utf-8")
    if ext == "jsonld":
        return _jsonld(dataset_of(graphs) if len(graphs) > 1 else _union(graphs))
    union = _union(graphs)
    data = union.serialize(format=fmt.rdflib, encoding="utf-8")
    return _sorted_lines(data) if ext == "nt" else data


def _union(graphs: dict[URIRef, Graph]) -> Graph:
    g = Graph()
    _bind(g)
    for name in sorted(graphs):
        for t in graphs[name]:
            g.add(t)
    return g


__all__ = ["serialize", "jsonld_context", "CONTEXT_FILE", "MPLAN"]
