"""The small parts: negotiation, IRI ↔ path, the SERVICE check, result writers, and the
examples in the web modules' docstrings (executed here)."""

from __future__ import annotations

import doctest
import importlib

import pyoxigraph as ox
import pytest

from publisher.web.conneg import ASK_OFFERS, HTML, RDF_OFFERS, SELECT_OFFERS, negotiate, rdf_offers
from publisher.web.paths import Paths
from publisher.web.renderers.results import RESULT_WRITERS
from publisher.web.service.reader import bind
from publisher.web.sparql import Unchecked, keywords, refusal, uses_service

MODULES = ["publisher.web.conneg", "publisher.web.paths", "publisher.web.sparql",
           "publisher.web.store", "publisher.web.i18n", "publisher.web.examples",
           "publisher.web.renderers.results", "publisher.web.renderers.rdf",
           "publisher.web.renderers.links", "publisher.web.renderers.html", "publisher.web.renderers.maps",
           "publisher.web.renderers.charts",
           "publisher.web.service.reader", "publisher.web.app", "publisher.web.remote_store",
           "publisher.web.sparql_text", "publisher.sparqlclient", "publisher.web.routes"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("accept,expected", [
    (None, "html"), ("", "html"), ("*/*", "html"),
    ("text/turtle", "ttl"), ("text/turtle;q=0.1, application/rdf+xml;q=0.2", "rdf"),
    ("application/*", "nt"),  # the first application/* RDF format of the registry
    ("application/ld+json;q=1, text/html;q=0.99", "jsonld"),
    ("text/html;q=0, */*;q=0.1", "ttl"),
    ("TEXT/TURTLE", "ttl"), ("application/json", "jsonld"), ("text/plain", "nt"),
    ("text/turtle; charset=utf-8; q=0.8, application/n-triples; q=0.9", "nt"),
])
def test_negotiate(accept: str | None, expected: str) -> None:
    assert negotiate(rdf_offers(html=True), accept).key == expected


def test_negotiate_overrides_and_refusals() -> None:
    offers = rdf_offers(html=True)
    assert negotiate(offers, "text/html", override="ttl").key == "ttl"
    assert negotiate(offers, "text/html", override="application/ld+json").key == "jsonld"
    assert negotiate(offers, None, override="image/png") is None
    assert negotiate(offers, "image/png, text/html;q=0") is None
    assert negotiate(SELECT_OFFERS, "application/json").key == "json"
    assert negotiate(ASK_OFFERS, "text/csv") is None
    assert negotiate(RDF_OFFERS + (HTML,), "*/*").key == "ttl"  # machines get RDF first
    for junk in (";;", "q=1", "text/html;q=x", "\x00", "*/html", "a/b/c", "text/turtle;q=-1"):
        negotiate(offers, junk)  # never raises


def test_paths_round_trip() -> None:
    p = Paths("https://w3id.org/mplan/id/")
    for iri in ("https://w3id.org/mplan/id/plan/x/element/y", "https://w3id.org/mplan/def/level/goal",
                "https://w3id.org/mplan/def", "http://metadata.un.org/sdg/13.2",
                "https://w3id.org/mplan/id/catalog"):
        assert p.iri(p.path(iri)) == iri
    assert p.path("https://example.org/x") is None
    assert p.href("https://example.org/x") == "https://example.org/x"
    custom = Paths("http://localhost:8000/data")
    assert custom.path("http://localhost:8000/data/plan/x") == "/plan/x"


def test_bind_writes_only_validated_terms() -> None:
    q = bind("SELECT ?o { ?x ?p ?o }", {"x": "http://ex/a", "q": ox.Literal('a"} } DROP ALL #')})
    assert q.startswith('SELECT ?o { VALUES (?x ?q) { (<http://ex/a> "a\\"} } DROP ALL #") }')
    with pytest.raises(ValueError):
        bind("SELECT ?o { ?x ?p ?o }", {"x": "http://ex/a> } ; DROP ALL ; <x"})
    with pytest.raises(ValueError):
        bind("SELECT ?o { ?x ?p ?o }", {"x y": "http://ex/a"})


@pytest.mark.parametrize("query,refused", [
    ("SELECT * { SERVICE <http://x/> { ?s ?p ?o } }", True),
    ("select * { sErViCe ?g { ?s ?p ?o } }", True),
    ("SELECT * { ?s ?p 'SERVICE <http://x/> {}' }", False),
    ('SELECT * { ?s ?p """\nSERVICE <http://x/> {}\n""" }', False),
    ("SELECT * { ?s ?p ?o } # SERVICE <http://x/> {}", False),
    ("SELECT ?service { ?service <http://ex/SERVICE> ?o }", False),
    ("PREFIX service: <http://x/> SELECT * { ?s service:SERVICE ?o }", False),
    ("SELECT * { ?s ?p ?o.SERVICE <http://x/> { } }", True),
    ("SELECT * { FILTER(1<2)SERVICE<http://x/>{?s?p?o} }", True),
    ("SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }", True),
    ("SELECT * { ?s ?p ?o }", False),
])
def test_service_detection(query: str, refused: bool) -> None:
    assert uses_service(query) is refused


def test_a_query_without_the_word_service_is_not_parsed_twice() -> None:
    """SPARQL 1.2 syntax that rdflib's parser cannot read, but Oxigraph can: without the word
    "service" anywhere it is run (the second check is skipped); with the word, even in a
    comment, the query stays refused unread, as before."""
    plain = "SELECT * { << ?s ?p ?o >> ?q ?r }"
    assert list(ox.Store().query(plain)) == []  # Oxigraph reads it
    assert uses_service(plain) is False
    with pytest.raises(Unchecked):
        uses_service(plain + " # service")
    assert refusal(plain) is None
    assert refusal(plain + " # Service").code == "syntax"


def test_keywords_skip_strings_and_iris() -> None:
    assert keywords("SELECT ?x { <urn:SELECT> ?p 'WHERE' } LIMIT 1") == {"SELECT", "LIMIT"}


def test_result_writers() -> None:
    rows = [{"s": ox.NamedNode("http://ex/a"), "o": ox.Literal("x, \"y\"", language="ja")},
            {"s": ox.BlankNode("b1")}]
    json_doc = RESULT_WRITERS["json"].select(["s", "o"], rows, None)
    parsed = list(ox.parse_query_results(json_doc, format=ox.QueryResultsFormat.JSON))
    assert parsed[0]["o"] == ox.Literal("x, \"y\"", language="ja") and parsed[1]["o"] is None
    xml = RESULT_WRITERS["xml"].select(["s", "o"], rows, None)
    assert list(ox.parse_query_results(xml, format=ox.QueryResultsFormat.XML))[0]["s"] == rows[0]["s"]
    tsv = RESULT_WRITERS["tsv"].select(["s", "o"], rows, None)
    assert list(ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV))[0]["o"] == rows[0]["o"]
    assert RESULT_WRITERS["csv"].select(["s", "o"], rows, None).splitlines()[1] == b'http://ex/a,"x, ""y"""'
    assert RESULT_WRITERS["csv"].boolean is None


def test_incoming_reads_a_bounded_number_of_links() -> None:
    """Below the bound: every linking subject, ordered by predicate then subject, and the exact
    count. Above it: at most ``scan`` links read, and the count says there are more."""
    from publisher.web.service.reader import Reader
    from publisher.web.store import OxigraphStore

    mem = ox.Store()
    target, g = ox.NamedNode("http://ex/target"), ox.NamedNode("http://ex/g")
    for n in range(7):
        for p in ("http://ex/p", "http://ex/q"):
            mem.add(ox.Quad(ox.NamedNode(f"http://ex/s{n}"), ox.NamedNode(p), target, g))
    reader = Reader(OxigraphStore(mem), Paths("http://ex/"))
    links, total = reader.incoming("http://ex/target", limit=3)
    assert total == "7"
    assert [(s.iri, p.iri) for s, p in links] == [
        ("http://ex/s0", "http://ex/p"), ("http://ex/s1", "http://ex/p"), ("http://ex/s2", "http://ex/p")]
    links, total = reader.incoming("http://ex/target", limit=3, scan=5)
    assert total.endswith("+") and int(total[:-1]) <= 5 and len(links) == 3
