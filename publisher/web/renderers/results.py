"""SPARQL query results writers: JSON, XML, CSV and TSV, registered by key.

They write rows we already hold (the endpoint stops reading a result at the row cap), so a
capped result is still a well-formed document. A capped JSON or XML result also says so in its
``head`` with a ``link`` to the endpoint's ``#truncated`` note (:func:`truncated_link`; a
``link`` is allowed by both formats); every format gets the ``X-SPARQL-Truncated`` header.

>>> import pyoxigraph as ox
>>> rows = [{"x": ox.NamedNode("http://ex/a"), "n": ox.Literal("1")}]
>>> RESULT_WRITERS["csv"].select(["x", "n"], rows, None)
b'x,n\\r\\nhttp://ex/a,1\\r\\n'
>>> RESULT_WRITERS["json"].boolean(True)
b'{"head":{},"boolean":true}'
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox


def truncated_link(endpoint: str | None) -> str:
    """The ``head`` ``link`` of a result the row cap cut short: the endpoint's note on its limits.

    >>> truncated_link("http://127.0.0.1:8000/sparql")
    'http://127.0.0.1:8000/sparql#truncated'
    """
    return f"{endpoint or '/sparql'}#truncated"

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
Rows = Sequence[dict[str, object]]


def _json_term(term: object) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _json_term(term.subject),
                                            "predicate": _json_term(term.predicate),
                                            "object": _json_term(term.object)}}
    assert isinstance(term, ox.Literal)
    out: dict = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def json_select(variables: Sequence[str], rows: Rows, link: str | None) -> bytes:
    head: dict = {"vars": list(variables)}
    if link:
        head["link"] = [link]
    bindings = [{k: _json_term(v) for k, v in row.items()} for row in rows]
    return json.dumps({"head": head, "results": {"bindings": bindings}}, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def json_boolean(value: bool) -> bytes:
    return json.dumps({"head": {}, "boolean": value}, separators=(",", ":")).encode()


def _xml_term(term: object) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>"
                f"{_xml_term(term.predicate)}</predicate><object>{_xml_term(term.object)}"
                "</object></triple>")
    assert isinstance(term, ox.Literal)
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


_XML_HEAD = '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'


def xml_select(variables: Sequence[str], rows: Rows, link: str | None) -> bytes:
    parts = [_XML_HEAD, "<head>"]
    parts += [f"<variable name={quoteattr(v)}/>" for v in variables]
    if link:
        parts.append(f"<link href={quoteattr(link)}/>")
    parts.append("</head><results>")
    for row in rows:
        parts.append("<result>")
        parts += [f"<binding name={quoteattr(k)}>{_xml_term(v)}</binding>" for k, v in row.items()]
        parts.append("</result>")
    parts.append("</results></sparql>\n")
    return "".join(parts).encode("utf-8")


def xml_boolean(value: bool) -> bytes:
    return f"{_XML_HEAD}<head/><boolean>{str(value).lower()}</boolean></sparql>\n".encode()


def _csv_field(term: object) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.Triple):
        text = str(term)
    else:
        text = term.value  # type: ignore[attr-defined]
    if any(c in text for c in ',"\r\n'):
        text = '"' + text.replace('"', '""') + '"'
    return text


def csv_select(variables: Sequence[str], rows: Rows, link: str | None) -> bytes:
    lines = [",".join(_csv_field(ox.Literal(v)) for v in variables)]
    lines += [",".join(_csv_field(row.get(v)) for v in variables) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _tsv_field(term: object) -> str:
    """RDF terms in N-Triples syntax (which is Turtle syntax, as TSV results require)."""
    return "" if term is None else str(term).replace("\t", "\\t")


def tsv_select(variables: Sequence[str], rows: Rows, link: str | None) -> bytes:
    lines = ["\t".join(f"?{v}" for v in variables)]
    lines += ["\t".join(_tsv_field(row.get(v)) for v in variables) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass(frozen=True)
class ResultWriter:
    """How one results format writes SELECT rows and, where defined, an ASK answer."""

    media_type: str
    select: Callable[[Sequence[str], Rows, str | None], bytes]
    boolean: Callable[[bool], bytes] | None = None


RESULT_WRITERS: dict[str, ResultWriter] = {
    "json": ResultWriter("application/sparql-results+json", json_select, json_boolean),
    "xml": ResultWriter("application/sparql-results+xml", xml_select, xml_boolean),
    "csv": ResultWriter("text/csv; charset=utf-8", csv_select),
    "tsv": ResultWriter("text/tab-separated-values; charset=utf-8", tsv_select),
}
"""Keys match the offers of :mod:`publisher.web.conneg` (SELECT_OFFERS, ASK_OFFERS)."""
