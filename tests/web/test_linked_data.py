"""Every kind of resource dereferences: HTML and each RDF format, by Accept (with q-values), by
extension and by ?_mediatype=, in-process and over a real socket; the RDF parses back to exactly
what the store holds; Vary, ETag/Last-Modified and 304; 404 and 406."""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import XSD

from publisher.formats import FORMATS
from publisher.web.paths import Paths

B = "https://w3id.org/mplan/id/"
DEF = "https://w3id.org/mplan/def"

# (kind, local path, IRI, how the store oracle finds its triples)
RESOURCES = [
    ("municipality", "/municipality/152021", B + "municipality/152021", "describe"),
    ("municipality-without-plan", "/municipality/011002", B + "municipality/011002", "describe"),
    ("prefecture", "/municipality/150002", B + "municipality/150002", "describe"),
    ("plan", "/plan/152021-nagaoka-next", B + "plan/152021-nagaoka-next", "describe"),
    ("element", "/plan/152021-nagaoka-next/element/p-bosai",
     B + "plan/152021-nagaoka-next/element/p-bosai", "describe"),
    ("indicator", "/plan/202151-shiojiri-6/indicator/citizen-happiness",
     B + "plan/202151-shiojiri-6/indicator/citizen-happiness", "describe"),
    ("observation", "/plan/202151-shiojiri-6/indicator/citizen-happiness/value/baseline-2022",
     B + "plan/202151-shiojiri-6/indicator/citizen-happiness/value/baseline-2022", "describe"),
    ("source", "/plan/152021-nagaoka-next/source/direction-proposal",
     B + "plan/152021-nagaoka-next/source/direction-proposal", "describe"),
    ("viewpoint", "/plan/152021-nagaoka-next/viewpoint/vp1", B + "plan/152021-nagaoka-next/viewpoint/vp1",
     "describe"),
    ("dataset", "/dataset/152021-nagaoka-next", B + "dataset/152021-nagaoka-next", "describe"),
    ("distribution", "/dataset/152021-nagaoka-next/ttl", B + "dataset/152021-nagaoka-next/ttl", "describe"),
    ("concept", "/def/level/goal", DEF + "/level/goal", "describe"),
    ("policy-domain", "/def/policy-domain/environment", DEF + "/policy-domain/environment", "describe"),
    ("scheme", "/def/level", DEF + "/level", "graph"),
    ("ontology", "/def", DEF, "graph"),
    ("catalog", "/catalog", B + "catalog", "graph"),
    ("sdg-goal", "/sdg/13", "http://metadata.un.org/sdg/13", "describe"),
]
IDS = [r[0] for r in RESOURCES]
RDF_FORMATS = [f for f in FORMATS]


@pytest.fixture(params=["inprocess", "socket", "oxigraph", "virtuoso"])
def http(request: pytest.FixtureRequest, client, server, backend_client):  # noqa: ANN001, ANN201
    """The same tests through the app in-process and through uvicorn on 127.0.0.1, and through
    the app reading a real Oxigraph server and a real Virtuoso (`serve --sparql-endpoint`)."""
    if request.param == "inprocess":
        yield client
    elif request.param == "socket":
        with httpx.Client(base_url=server.url, timeout=30) as c:
            yield c
    else:
        yield backend_client(request.param)


def oracle(store: ox.Store, iri: str, how: str) -> Graph:
    """What the store holds about ``iri``, read with our own query (not the app's code)."""
    node = str(ox.NamedNode(iri))
    if how == "graph":
        q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}"
    else:
        q = (f"CONSTRUCT {{ {node} ?p ?o . ?s ?q {node} }} WHERE {{ {{ GRAPH ?g {{ {node} ?p ?o }} }} "
             f"UNION {{ GRAPH ?h {{ ?s ?q {node} }} }} }}")
    data = ox.serialize(store.query(q), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=data, format="nt")


CATALOG_LINKS = {f"http://www.w3.org/ns/dcat#{p}" for p in ("accessURL", "downloadURL", "endpointURL")} | \
    {f"http://rdfs.org/ns/void#{p}" for p in ("dataDump", "sparqlEndpoint")}


def served(g: Graph, kind: str, http) -> Graph:  # noqa: ANN001
    """The catalog as /catalog serves it off the production host (docs/publication.md): byte
    sizes typed xsd:nonNegativeInteger as in catalog.ttl, links on the host the client asked."""
    if kind != "catalog":
        return g
    root = str(http.base_url).rstrip("/") + "/"
    out = Graph()
    for s, p, o in g:
        if str(p) == "http://www.w3.org/ns/dcat#byteSize":
            o = Literal(str(o), datatype=XSD.nonNegativeInteger)
        elif str(p) in CATALOG_LINKS and str(o).startswith(B):
            o = URIRef(root + str(o)[len(B):])
        out.add((s, p, o))
    return out


def parse(response: httpx.Response, rdflib_format: str) -> Graph:
    g = Graph()
    if response.content.strip():
        g.parse(data=response.content, format=rdflib_format)
    return g


@pytest.mark.parametrize("kind,path,iri,how", RESOURCES, ids=IDS)
def test_html_by_default_and_for_browsers(http, kind, path, iri, how) -> None:  # noqa: ANN001
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    r = http.get(path, headers={"Accept": browser})
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert "Accept" in r.headers["vary"]
    assert r.headers["etag"] and r.headers["last-modified"]
    html = r.text
    assert '<html lang="ja">' in html
    assert f"{path}.ttl" in html and f"{path}.jsonld" in html  # links to its RDF
    assert "CC BY 4.0" in html  # the licence is shown
    assert "/lang?to=en&amp;next=" in html  # the English switch, remembered by /lang


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=[f.extension for f in RDF_FORMATS])
@pytest.mark.parametrize("kind,path,iri,how", RESOURCES, ids=IDS)
def test_rdf_by_accept_parses_back_to_the_store(http, store, kind, path, iri, how, fmt) -> None:  # noqa: ANN001
    r = http.get(path, headers={"Accept": f"text/html;q=0.5, {fmt.media_type}"})
    assert r.status_code == 200, r.text[:500]
    assert r.headers["content-type"].split(";")[0] == fmt.media_type
    assert "Accept" in r.headers["vary"]
    got = parse(r, fmt.rdflib)
    assert isomorphic(got, served(oracle(store, iri, how), kind, http)), f"{kind} as {fmt.name} differs from the store"


@pytest.mark.parametrize("kind,path,iri,how", RESOURCES, ids=IDS)
def test_extension_and_mediatype_override(http, store, kind, path, iri, how) -> None:  # noqa: ANN001
    expected = served(oracle(store, iri, how), kind, http)
    for fmt in RDF_FORMATS:
        by_ext = http.get(f"{path}.{fmt.extension}", headers={"Accept": "text/html"})
        assert by_ext.status_code == 200
        assert by_ext.headers["content-type"].split(";")[0] == fmt.media_type
        assert isomorphic(parse(by_ext, fmt.rdflib), expected)
    by_param = http.get(path, params={"_mediatype": "text/turtle"}, headers={"Accept": "text/html"})
    assert by_param.headers["content-type"].startswith("text/turtle")
    assert http.get(f"{path}.html", headers={"Accept": "text/turtle"}).headers["content-type"].startswith("text/html")


def test_q_values_decide(client) -> None:  # noqa: ANN001
    path = "/plan/152021-nagaoka-next"
    cases = {
        "text/turtle;q=0.4, application/ld+json;q=0.9": "application/ld+json",
        "application/rdf+xml, text/turtle;q=0.1": "application/rdf+xml",
        "application/n-triples, text/html;q=0.2": "application/n-triples",
        "text/*": "text/html",  # equal q: the server's order (HTML first)
        "*/*": "text/html",
        "application/json": "application/ld+json",
    }
    for accept, expected in cases.items():
        r = client.get(path, headers={"Accept": accept})
        assert r.headers["content-type"].split(";")[0] == expected, accept


def test_not_acceptable_and_malformed_accept(client) -> None:  # noqa: ANN001
    r = client.get("/plan/152021-nagaoka-next", headers={"Accept": "image/png"})
    assert r.status_code == 406
    assert r.json()["error"]["code"] == "not_acceptable"
    for bad in ("", ";;;", "text/html;q=abc", "text/turtle;q=2, */*;q=", "garbage", ",,,",
                "text/turtle;q=0.5;q=0.9", "a/b/c", "*/html", "\x7f"):
        r = client.get("/plan/152021-nagaoka-next", headers={"Accept": bad})
        assert r.status_code in (200, 406), (bad, r.status_code)
    assert client.get("/plan/152021-nagaoka-next", params={"_mediatype": "image/png"}).status_code == 406


def test_conditional_requests(http) -> None:  # noqa: ANN001
    path = "/plan/152021-nagaoka-next/element/p-bosai"
    for accept in ("text/html", "text/turtle"):
        first = http.get(path, headers={"Accept": accept})
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        again = http.get(path, headers={"Accept": accept, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        assert http.get(path, headers={"Accept": accept, "If-Modified-Since": modified}).status_code == 304
        assert http.get(path, headers={"Accept": accept, "If-None-Match": '"other"'}).status_code == 200
    html = http.get(path, headers={"Accept": "text/html"}).headers["etag"]
    ttl = http.get(path, headers={"Accept": "text/turtle"}).headers["etag"]
    assert html != ttl  # one ETag per representation
    assert http.get(path + ".ttl", headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.parametrize("path", ["/plan/no-such-plan", "/municipality/000000", "/def/level/nope",
                                  "/def/nope", "/sdg/18", "/sdg/13.99x", "/sdg/13.9", "/nothing/here",
                                  "/plan/", "/plan/152021-nagaoka-next/element/nope.ttl",
                                  "/plan/%3E%20%3Cx", "/plan/a%20b", "/def/%7B%7D", "/%00",
                                  "/plan/152021-nagaoka-next%22%3E", "/sdg/%3E"])
def test_unknown_iris_are_404(http, path) -> None:  # noqa: ANN001
    r = http.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    assert r.json()["error"]["status"] == 404
    page = http.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 404 and "404" in page.text and "Traceback" not in page.text


def test_id_prefix_and_hash_terms(client) -> None:  # noqa: ANN001
    r = client.get("/id/plan/152021-nagaoka-next", follow_redirects=False)
    assert r.status_code == 301 and r.headers["location"] == "/plan/152021-nagaoka-next"
    doc = client.get("/def", headers={"Accept": "text/html"}).text
    assert 'id="Plan"' in doc and 'id="alignmentTarget"' in doc  # def#Plan lands on its anchor
    ttl = client.get("/def", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=ttl.content, format="turtle")
    assert (None, None, None) in g and len(g) > 500


def test_links_and_content_location(client) -> None:  # noqa: ANN001
    r = client.get("/plan/152021-nagaoka-next", headers={"Accept": "text/turtle"})
    assert r.headers["content-location"] == "/plan/152021-nagaoka-next.ttl"
    assert '</plan/152021-nagaoka-next.jsonld>; rel="alternate"; type="application/ld+json"' in r.headers["link"]


def test_cors_on_resources(client) -> None:  # noqa: ANN001
    r = client.get("/plan/152021-nagaoka-next.jsonld", headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.json()["@context"]["mplan"] == "https://w3id.org/mplan/def#"


class _Links(HTMLParser):
    """Text and link targets of a page's "all properties" table."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = 0
        self.hrefs: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "details" and ("class", "props") in attrs:
            self.inside += 1
        elif self.inside and tag == "a":
            self.hrefs.add(dict(attrs).get("href", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self.inside:
            self.inside -= 1

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text.append(data)


@pytest.mark.parametrize("kind,path,iri,how", [r for r in RESOURCES if r[3] == "describe"],
                         ids=[r[0] for r in RESOURCES if r[3] == "describe"])
def test_html_shows_what_the_store_holds(any_client, store, kind, path, iri, how) -> None:  # noqa: ANN001
    """The page, parsed back, shows every outgoing value: literals as written, links as local
    paths (for our IRIs) or as the IRI (for others), labelled."""
    parser = _Links()
    parser.feed(any_client.get(path, headers={"Accept": "text/html"}).text)
    text = " ".join(" ".join(parser.text).split())
    for quad in store.quads_for_pattern(ox.NamedNode(iri), None, None):
        o = quad.object
        if isinstance(o, ox.Literal):
            assert " ".join(o.value.split()) in text, (quad.predicate, o.value[:80])
        elif isinstance(o, ox.NamedNode):
            local = Paths("https://w3id.org/mplan/id/").path(o.value)
            assert (local or o.value) in parser.hrefs, o.value
