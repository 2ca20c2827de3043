"""The W3C SPARQL 1.1 Protocol tests, read from their manifest and run against /sparql.

Every query test must pass as written; every update test (``update_*``) must be refused with a
4xx (the endpoint is read-only); every ``bad_*`` request must get a 4xx. The manifest and its
data files are read from ``../shared/external`` beside the checkout; where that folder is
missing the tests are skipped, and under CI they fail (tests/shared_files.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from shared_files import SHARED, shared_path

from publisher.settings import Settings
from publisher.web.app import create_app
from publisher.web.store import OxigraphStore

EXTERNAL = SHARED / "external"
MANIFEST = EXTERNAL / "w3c-sparql11-protocol-manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
TABULAR_TYPES = BOOLEAN_TYPES + ("text/csv", "text/tab-separated-values")
RDF_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
             "application/rdf+xml": ox.RdfFormat.RDF_XML, "application/ld+json": ox.RdfFormat.JSON_LD,
             "application/trig": ox.RdfFormat.TRIG, "application/n-quads": ox.RdfFormat.N_QUADS}


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[str]  # "2xx", "3xx", "4xx"
    format: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str
    title: str
    requests: list[Request]
    graphs: dict[str, str] = field(default_factory=dict)  # graph IRI → data file name

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _items(g: Graph, node: object) -> list:
    return list(Collection(g, node)) if node is not None else []


def load_manifest() -> list[ProtocolTest]:
    g = Graph().parse(shared_path("external", MANIFEST.name), format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _items(g, g.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[-1]
        graphs = {}
        for gd in g.objects(entry, UT.graphData):
            data = str(g.value(gd, UT.graph)).rsplit("/", 1)[-1]
            graphs[str(g.value(gd, RDFS.label))] = f"w3c-sparql11-protocol-{data}"
        requests = []
        action = g.value(entry, MF.action)
        for req in _items(g, g.value(action, HT.requests)):
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in _items(g, g.value(req, HT.headers))}
            body_node = g.value(req, HT.body)
            body = None
            if body_node is not None:
                encoding = str(g.value(body_node, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(body_node, CNT.chars)).encode(encoding)
            resp = g.value(req, HT.resp)
            statuses = {str(s).rsplit("StatusCode", 1)[-1] for s in g.objects(resp, MF.expectedStatus)}
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            path = str(g.value(req, HT.absolutePath)).replace("/sparql/", "/sparql", 1)
            requests.append(Request(str(g.value(req, HT.methodName)), path, headers, body, statuses,
                                    str(fmt) if fmt is not None else None,
                                    boolean.toPython() if boolean is not None else None))
        tests.append(ProtocolTest(name, str(g.value(entry, MF.name)), requests, graphs))
    return tests


def _params() -> list:
    if not SHARED.is_dir():  # skipped (or failed under CI) when it runs
        return [pytest.param(None, id="shared-missing")]
    return [pytest.param(t, id=t.name) for t in load_manifest()]


@pytest.fixture(scope="module")
def protocol_store(tmp_path_factory: pytest.TempPathFactory) -> OxigraphStore:
    """The manifest's data files, each in the named graph the manifest names."""
    graphs: dict[str, str] = {}
    for t in load_manifest():
        graphs.update(t.graphs)
    path = tmp_path_factory.mktemp("protocol") / "store"
    store = ox.Store(str(path))
    for iri, file in graphs.items():
        store.bulk_load((EXTERNAL / file).read_bytes(), ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode(iri))
    store.flush()
    del store
    return OxigraphStore.open(path)


@pytest.fixture(scope="module")
def protocol_app(protocol_store: OxigraphStore, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    settings = Settings(out=tmp_path_factory.mktemp("none") / "public", max_concurrent_queries=2)
    return create_app(settings, protocol_store)


@pytest.fixture(scope="module", params=["inprocess", "socket"])
def endpoint(request: pytest.FixtureRequest, protocol_app, run_server) -> Iterator[httpx.Client]:  # noqa: ANN001
    """The endpoint in-process, then over a real socket."""
    if request.param == "inprocess":
        from conftest import test_client

        with test_client(protocol_app) as c:
            yield c
    else:
        s = run_server(protocol_app)
        with httpx.Client(base_url=s.url, timeout=30) as c:
            yield c


def _status_class(code: int) -> str:
    return f"{code // 100}xx"


def check_body(req: Request, r: httpx.Response) -> None:
    mtype = r.headers.get("content-type", "").split(";")[0].strip()
    if req.format == "boolean":
        assert mtype in BOOLEAN_TYPES, mtype
        result = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.from_media_type(mtype))
        assert isinstance(result, ox.QueryBoolean)
        if req.boolean is not None:
            assert bool(result) is req.boolean
    elif req.format == "tabular":
        assert mtype in TABULAR_TYPES, mtype
        result = ox.parse_query_results(r.content, format=ox.QueryResultsFormat.from_media_type(mtype))
        assert isinstance(result, ox.QuerySolutions)
        list(result)
    elif req.format == "RDF":
        assert mtype in RDF_TYPES, mtype
        list(ox.parse(r.content, format=RDF_TYPES[mtype]))


@pytest.mark.parametrize("test", _params())
def test_w3c_protocol(endpoint: httpx.Client, test: ProtocolTest | None) -> None:
    assert test is not None  # without ../shared, the endpoint's store skips (or fails) first
    for req in test.requests:
        r = endpoint.request(req.method, req.path, headers=req.headers, content=req.body)
        assert "Traceback" not in r.text
        if test.is_update:  # read-only: the update is refused, and nothing after it applies
            assert 400 <= r.status_code < 500, (test.name, r.status_code, r.text[:300])
            break
        assert _status_class(r.status_code) in req.statuses, (test.name, r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert r.json()["error"]["status"] == r.status_code
        else:
            check_body(req, r)


def test_manifest_covers_the_protocol() -> None:
    """The manifest is there and holds the query, update and bad-request tests we rely on."""
    names = {t.name for t in load_manifest()}
    assert {"query_post_form", "query_get", "query_dataset_full", "bad_query_non_utf8",
            "update_post_direct"} <= names
    assert len(names) == 34
    assert URIRef  # rdflib is what reads the manifest
