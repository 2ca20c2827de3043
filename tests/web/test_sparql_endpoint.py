"""The /sparql endpoint: result formats, the Service Description, CORS, read-only, errors."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

SELECT = """PREFIX mplan: <https://w3id.org/mplan/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?plan ?title WHERE { ?plan a mplan:Plan ; rdfs:label ?title } ORDER BY ?plan ?title"""
CONSTRUCT = """PREFIX mplan: <https://w3id.org/mplan/def#>
CONSTRUCT { ?i a mplan:Indicator ; mplan:unit ?u } WHERE { ?i a mplan:Indicator ; mplan:unit ?u }"""
RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}


def expected_rows(store: ox.Store, query: str) -> list[tuple]:
    return [tuple(s) for s in store.query(query, use_default_graph_as_union=True)]


@pytest.mark.parametrize("media", list(RESULT_TYPES))
def test_select_in_every_results_format(any_client, store, media) -> None:  # noqa: ANN001
    want = expected_rows(store, SELECT)
    for how in ("accept", "param", "post-form", "post-direct"):
        if how == "accept":
            r = any_client.get("/sparql", params={"query": SELECT}, headers={"Accept": media})
        elif how == "param":
            r = any_client.get("/sparql", params={"query": SELECT, "_mediatype": media})
        elif how == "post-form":
            r = any_client.post("/sparql", data={"query": SELECT}, headers={"Accept": media})
        else:
            r = any_client.post("/sparql", content=SELECT.encode(), headers={
                "Content-Type": "application/sparql-query", "Accept": media})
        assert r.status_code == 200, (how, r.text)
        assert r.headers["content-type"].split(";")[0] == media
        if media == "text/csv":  # lossy by design (no datatypes, no languages): compare values
            lines = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
            assert lines[0] == ["plan", "title"]
            assert lines[1:] == [[t.value for t in row] for row in want]
            continue
        got = [tuple(s) for s in ox.parse_query_results(r.content, format=RESULT_TYPES[media])]
        assert got == want and len(got) == 10


def test_ask_and_its_formats(any_client) -> None:  # noqa: ANN001
    q = "ASK { ?s a <https://w3id.org/mplan/def#Plan> }"
    for media in ("application/sparql-results+json", "application/sparql-results+xml"):
        r = any_client.get("/sparql", params={"query": q}, headers={"Accept": media})
        assert bool(ox.parse_query_results(r.content, format=RESULT_TYPES[media])) is True
    assert any_client.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"}).status_code == 406


@pytest.mark.parametrize("media,fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                       ("application/rdf+xml", "xml"), ("application/ld+json", "json-ld")])
def test_construct_and_describe_as_rdf(any_client, store, media, fmt) -> None:  # noqa: ANN001
    r = any_client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": media})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    expected = Graph().parse(data=ox.serialize(store.query(CONSTRUCT, use_default_graph_as_union=True),
                                               format=ox.RdfFormat.N_TRIPLES), format="nt")
    got = Graph().parse(data=r.content, format=fmt)
    assert len(got) == len(expected) > 0 and set(got) == set(expected)
    d = any_client.get("/sparql", params={"query": "DESCRIBE <https://w3id.org/mplan/id/municipality/152021>"},
                   headers={"Accept": media})
    assert d.status_code == 200
    assert (URIRef("https://w3id.org/mplan/id/municipality/152021"), None, None) in Graph().parse(
        data=d.content, format=fmt)


def test_default_is_json_and_turtle(any_client) -> None:  # noqa: ANN001
    assert any_client.get("/sparql", params={"query": SELECT}).headers["content-type"].startswith(
        "application/sparql-results+json")
    assert any_client.get("/sparql", params={"query": CONSTRUCT}).headers["content-type"].startswith(
        "text/turtle")


def test_service_description(any_client) -> None:  # noqa: ANN001
    r = any_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef("http://testserver/sparql")) in g
    assert (None, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in g
    assert any_client.get("/sparql").headers["content-type"].startswith("text/turtle")
    page = any_client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html") and 'id="query"' in page.text


def test_browsers_asking_a_query_get_the_query_page(client) -> None:  # noqa: ANN001
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/html,*/*;q=0.8"},
                   follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/query?query=")


def test_cors_for_every_origin(client) -> None:  # noqa: ANN001
    pre = client.options("/sparql", headers={"Origin": "https://app.example",
                                               "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "POST" in pre.headers["access-control-allow-methods"]
    r = client.post("/sparql", content=SELECT.encode(), headers={
        "Content-Type": "application/sparql-query", "Origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "X-SPARQL-Truncated" in r.headers["access-control-expose-headers"]


@pytest.mark.parametrize("kind,request_", [
    ("direct", {"method": "POST", "content": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}}),
    ("form", {"method": "POST", "data": {"update": "CLEAR ALL"}}),
    ("get", {"method": "GET", "params": {"update": "CLEAR ALL"}}),
    ("insert-as-query", {"method": "GET", "params": {"query": "INSERT DATA { <a:s> <a:p> <a:o> }"}}),
])
def test_updates_are_refused(any_client, store, kind, request_) -> None:  # noqa: ANN001
    before = len(store)
    request_ = dict(request_)  # the same parameters serve every backend
    r = any_client.request(request_.pop("method"), "/sparql", **request_)
    assert 400 <= r.status_code < 500
    assert r.json()["error"]["code"] in ("read_only", "syntax")
    assert len(store) == before


@pytest.mark.parametrize("query", ["SELECT * WHERE { ?s ?p ", "ASK {", "SELECT ?x { FILTER( }",
                                   "PREFIX : <http://x/ SELECT * {}", "\x00", "SELEKT * {}"])
def test_syntax_errors_are_400_with_the_parsers_message(any_client, query) -> None:  # noqa: ANN001
    r = any_client.get("/sparql", params={"query": query})
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == "syntax" and "error at" in error["message"]
    assert "Traceback" not in r.text and "File \"" not in r.text


def test_bad_requests(any_client) -> None:  # noqa: ANN001
    assert any_client.put("/sparql", params={"query": "ASK {}"}).status_code == 405
    assert any_client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")]).status_code == 400
    assert any_client.post("/sparql", content=b"ASK {}", headers={"Content-Type": "text/plain"}).status_code == 415
    assert any_client.post("/sparql", content=b"ASK {}").status_code == 400
    assert any_client.post("/sparql", content="ASK {}".encode("utf-16"), headers={
        "Content-Type": "application/sparql-query"}).status_code == 400
    bad_graph = any_client.get("/sparql", params={"query": "ASK {}", "default-graph-uri": "not an iri"})
    assert bad_graph.status_code == 400 and bad_graph.json()["error"]["code"] == "bad_graph"


def test_query_page_shows_a_table_and_downloads(any_client) -> None:  # noqa: ANN001
    r = any_client.get("/query", params={"query": SELECT})
    assert r.status_code == 200
    assert 'id="result-table"' in r.text and "10 行" in r.text
    assert "_mediatype=text%2Fcsv" in r.text
    bad = any_client.get("/query", params={"query": "SELECT * {"})
    # the parser's position: Oxigraph's "error at", or (remote stores, where only rdflib may
    # read a query that it cannot) rdflib's "(line:1, col:11)"
    assert bad.status_code == 200 and 'role="alert"' in bad.text and "構文エラー" in bad.text
    assert "error at" in bad.text or "(line:1, col:11)" in bad.text
    ask = any_client.get("/query", params={"query": "ASK {}", "lang": "en"})
    assert "Answer" in ask.text and "true" in ask.text
    example = any_client.get("/query", params={"example": "plans"})
    assert "dcterms:title" in example.text  # the example is loaded into the editor


def test_truncation_is_said_in_json_and_headers(any_client) -> None:  # noqa: ANN001
    q = "SELECT ?a ?b WHERE { ?a ?p ?b . ?c ?q ?d } LIMIT 20000"
    r = any_client.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
    assert r.headers["x-sparql-truncated"] == "true" and r.headers["x-sparql-max-rows"] == "10000"
    doc = r.json()
    assert len(doc["results"]["bindings"]) == 10_000
    assert doc["head"]["link"] == ["http://testserver/sparql#truncated"]
    small = any_client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o } LIMIT 3"})
    assert "x-sparql-truncated" not in small.headers and "link" not in small.json()["head"]


def test_an_in_memory_store_is_served_too(web_settings) -> None:  # noqa: ANN001
    """Without an on-disk store the endpoint runs queries in threads (no hard time limit)."""
    from conftest import test_client

    from publisher.web.app import create_app
    from publisher.web.store import OxigraphStore

    mem = ox.Store()
    mem.add(ox.Quad(ox.NamedNode("https://w3id.org/mplan/id/municipality/999999"),
                    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), ox.Literal("試験市", language="ja"),
                    ox.NamedNode("https://w3id.org/mplan/id/dataset/x")))
    with test_client(create_app(web_settings, OxigraphStore(mem))) as c:
        r = c.get("/sparql", params={"query": "SELECT ?l { ?s ?p ?l }"})
        assert r.status_code == 200 and r.json()["results"]["bindings"][0]["l"]["value"] == "試験市"
        page = c.get("/municipality/999999", headers={"Accept": "text/html"})
        assert page.status_code == 200 and "試験市" in page.text
        assert c.head("/municipality/999999").status_code == 200
