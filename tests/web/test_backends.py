"""The same pages, RDF and query answers from the embedded store, from Oxigraph server and from
Virtuoso, for the whole seed corpus; and what the app does when the remote store fails.

The remote servers are real (tests/servers.py), loaded with `planlod publish`; the app reads them
with `serve --sparql-endpoint` (publisher.web.remote_store.SparqlStore)."""

from __future__ import annotations

import datetime as dt
import http.server
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pyoxigraph as ox
import pytest
from conftest import test_client as client_of

from publisher.web.app import create_app
from publisher.web.endpoint import make_runner
from publisher.web.examples import load_examples
from publisher.web.paths import Paths
from publisher.web.pool import WorkerPool
from publisher.web.remote_store import SparqlStore
from publisher.web.store import Release

B = "https://w3id.org/mplan/id/"
REMOTE = ("oxigraph", "virtuoso")


@pytest.fixture(scope="module")
def urls(backend_app, run_server) -> dict[str, str]:  # noqa: ANN001
    """Each backend's app on a real socket (pages are then fetched in parallel)."""
    return {name: run_server(backend_app(name)).url for name in ("embedded", *REMOTE)}


def resource_paths(store: ox.Store) -> list[str]:
    """Every resource of the seed corpus: each subject of the plan graphs under the base, the
    ontology and its schemes, the catalog, the SDG goals and the site's own pages."""
    paths = Paths(B)
    subjects = store.query(f"""SELECT DISTINCT ?s {{ GRAPH ?g {{ ?s ?p ?o }}
        FILTER(STRSTARTS(STR(?g), "{B}dataset/") && isIRI(?s) && STRSTARTS(STR(?s), "{B}")) }}""")
    out = {paths.path(row["s"].value) for row in subjects}
    out |= {paths.path(g.value) for g in store.named_graphs()}  # /def, /def/{scheme}, /catalog, …
    out |= {f"/sdg/{n}" for n in range(1, 18)} | {"/sdg/13.2", "/def/level/goal"}
    return sorted(p for p in out if p)


def _canonical(data: bytes) -> set[str]:
    dataset = ox.Dataset(ox.Quad(*q.triple) for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return {str(q) for q in dataset}


def _fetch(base: str, path: str) -> tuple[int, str, set[str]]:
    with httpx.Client(base_url=base, timeout=60) as c:
        page = c.get(path, headers={"Accept": "text/html"})
        rdf = c.get(path, headers={"Accept": "application/n-triples"})
        is_rdf = rdf.headers.get("content-type", "").startswith("application/n-triples")
        # the home page's examples and the catalog's download and paging links are absolute
        # URLs on the host asked: each backend's own
        host = base.rstrip("/")
        html = page.text.replace(host, "http://HOST")
        data = rdf.content.replace(host.encode(), b"http://HOST")
        return page.status_code, html, _canonical(data) if is_rdf else set()


def sample(paths: list[str]) -> list[str]:
    """The paths compared: all of them with PLANLOD_COMPARE_ALL=1 (about five minutes on two
    cores: some 5,000 requests to three apps in this process), else every page that is not a
    part of a plan, and every third of those (still every kind, every plan)."""
    if os.environ.get("PLANLOD_COMPARE_ALL"):
        return paths
    parts = [p for p in paths if p.count("/") >= 4]
    return sorted((set(paths) - set(parts)) | set(parts[::3]))


def test_every_page_and_its_rdf_is_the_same_from_every_backend(urls, store) -> None:  # noqa: ANN001
    paths = resource_paths(store) + ["/", "/compare", "/compare?basis=suggested", "/search?q=幸",
                                     "/search?q=happy&lang=en", "/plan/152021-nagaoka-next?lang=en"]
    assert len(paths) > 800
    paths = sample(paths)
    with ThreadPoolExecutor(12) as pool:
        got = {name: dict(zip(paths, pool.map(lambda p, u=url: _fetch(u, p), paths), strict=True))
               for name, url in urls.items()}
    differ = []
    for path in paths:
        status, html, graph = got["embedded"][path]
        assert status == 200, path
        for name in REMOTE:
            other = got[name][path]
            if other[0] != 200 or other[1] != html:
                differ.append(f"{name} {path}: page ({other[0]})")
            if other[2] != graph:
                differ.append(f"{name} {path}: RDF")
    assert differ == [], f"{len(differ)} differences: {differ[:20]}"


def _rows(answer: httpx.Response) -> set[tuple] | bool | set[str]:
    media = answer.headers["content-type"].split(";")[0]
    if media == "application/n-triples":
        return _canonical(answer.content)
    parsed = ox.parse_query_results(answer.content, format=ox.QueryResultsFormat.JSON)
    if isinstance(parsed, ox.QueryBoolean):
        return bool(parsed)
    names = [v.value for v in parsed.variables]
    return {tuple(str(s[n]) if s[n] is not None else None for n in names) for s in parsed}


QUERIES = [(e.name, e.query) for e in load_examples()]  # the query catalogue, the one example set


# Queries whose answer on the seeds is empty by the data's nature, not by a fault.
EMPTY_ON_SEEDS = {"suggestions-to-review": "the editors reviewed every seed suggestion: none is pending"}


@pytest.mark.parametrize("name,query", QUERIES, ids=[q[0] for q in QUERIES])
def test_every_example_query_answers_the_same(backend_client, name, query) -> None:  # noqa: ANN001
    accept = "application/sparql-results+json, application/n-triples;q=0.9"
    answers = {}
    for backend in ("embedded", *REMOTE):
        r = backend_client(backend).post("/sparql", data={"query": query}, headers={"Accept": accept})
        assert r.status_code == 200, (backend, r.text[:500])
        answers[backend] = _rows(r)
    if name in EMPTY_ON_SEEDS:  # still compared below: empty everywhere
        assert not answers["embedded"], f"{name} now answers on the seeds: drop it from EMPTY_ON_SEEDS"
    else:
        assert answers["embedded"], f"{name} answers nothing on the seed corpus"
    assert answers["oxigraph"] == answers["embedded"], f"{name} answers differently on oxigraph"
    assert answers["virtuoso"] == answers["embedded"], f"{name} answers differently on virtuoso"


# --- the endpoint's limits and the dataset over a remote store -----------------------------------

def test_make_runner_forwards_to_a_remote_store_from_worker_processes(web_settings) -> None:  # noqa: ANN001
    runner = make_runner(SparqlStore("http://127.0.0.1:9/sparql", user="u", password="pw"), web_settings)
    assert isinstance(runner, WorkerPool)
    assert runner.source.endpoint == "http://127.0.0.1:9/sparql" and runner.source.path is None
    assert "pw" not in repr(runner.source)


@pytest.mark.parametrize("backend", REMOTE)
def test_service_is_refused_before_the_store_sees_it(backend_client, backend) -> None:  # noqa: ANN001
    for q in ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
              r"SELECT * { \u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"):
        r = backend_client(backend).get("/sparql", params={"query": q})
        assert r.status_code == 400 and r.json()["error"]["code"] == "service_refused"


@pytest.mark.parametrize("backend", REMOTE)
def test_dataset_parameters_are_passed_through(backend_client, client, backend) -> None:  # noqa: ANN001
    params = {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }",
              "default-graph-uri": B + "dataset/202207-azumino-3"}
    want = client.get("/sparql", params=params).json()["results"]["bindings"][0]["n"]["value"]
    got = backend_client(backend).get("/sparql", params=params).json()["results"]["bindings"][0]["n"]["value"]
    assert got == want and int(want) > 100
    named = {"query": "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }", "named-graph-uri": B + "catalog"}
    rows = backend_client(backend).get("/sparql", params=named).json()["results"]["bindings"]
    assert [r["g"]["value"] for r in rows] == [B + "catalog"]


# --- failures of the store -----------------------------------------------------------------------

class _Upstream(http.server.BaseHTTPRequestHandler):
    """A misbehaving SPARQL store: 401, 500, or slow."""

    mode = "500"

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.mode == "slow":
            time.sleep(3)
        code = {"401": 401, "500": 500, "503": 503}.get(self.mode, 500)
        self.send_response(code)
        if code == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"error")


def _upstream(mode: str) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = type("Handler", (_Upstream,), {"mode": mode})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/sparql"


@pytest.mark.parametrize("mode,status,code", [("down", 503, "store_unavailable"), ("401", 502, "store_error"),
                                              ("500", 502, "store_error"), ("503", 503, "store_unavailable"),
                                              ("slow", 503, "timeout")])
def test_store_failures_are_one_json_error(web_settings, mode, status, code) -> None:  # noqa: ANN001
    from servers import free_port

    server, url = (None, f"http://127.0.0.1:{free_port()}/sparql") if mode == "down" else _upstream(mode)
    try:
        settings = replace(web_settings, sparql_endpoint=url, query_timeout=1.0)
        with client_of(create_app(settings)) as c:
            for r in (c.get("/plan/152021-nagaoka-next", headers={"Accept": "application/json"}),
                      c.get("/sparql", params={"query": "ASK {}"}), c.get("/healthz")):
                assert r.status_code == status, (r.status_code, r.text)
                assert set(r.json()["error"]) == {"status", "code", "message", "message_ja"}
                assert r.json()["error"]["code"] == code
                assert "Traceback" not in r.text
            page = c.get("/", headers={"Accept": "text/html"})
            assert page.status_code == status and "Traceback" not in page.text
    finally:
        if server:
            server.shutdown()


def test_too_many_queries_at_once_get_503_busy(web_settings) -> None:  # noqa: ANN001
    server, url = _upstream("slow")
    try:
        store = SparqlStore(url, release_ttl=3600)
        store._state = (Release("x", dt.datetime.now(dt.UTC)), ())  # noqa: SLF001  # only jobs are slow
        store._checked = time.monotonic()  # noqa: SLF001
        settings = replace(web_settings, sparql_endpoint=url, max_concurrent_queries=1,
                           query_queue_wait=0.2, query_timeout=5.0)
        with client_of(create_app(settings, store)) as c, ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(c.get, "/sparql", params={"query": "ASK {}"}) for _ in range(2)]
            answers = [f.result() for f in futures]
        assert sorted(r.json()["error"]["code"] for r in answers) == ["busy", "store_error"]
        busy = next(r for r in answers if r.json()["error"]["code"] == "busy")
        assert busy.status_code == 503 and busy.headers["retry-after"]
    finally:
        server.shutdown()


def test_a_new_publish_changes_the_etag(tmp_path, seed_publication, web_settings) -> None:  # noqa: ANN001
    import requests
    from servers import Oxigraph, cli

    server = Oxigraph(tmp_path / "oxigraph")
    try:
        assert cli(*server.publish_args(), out=seed_publication).returncode == 0
        store = SparqlStore(server.sparql, release_ttl=0)
        with client_of(create_app(replace(web_settings, sparql_endpoint=server.sparql), store)) as c:
            first = c.get("/plan/152021-nagaoka-next", headers={"Accept": "text/turtle"}).headers["etag"]
            same = c.get("/plan/152021-nagaoka-next", headers={"Accept": "text/turtle"}).headers["etag"]
            assert first == same
            state = B + "publication-state"  # what a publish of a changed plan does to the state
            nt = (f"<{B}dataset/202207-azumino-3> <https://w3id.org/mplan/def#contentHash> \"changed\" .\n")
            requests.post(f"{server.url}/store", params={"graph": state}, data=nt.encode(),
                          headers={"Content-Type": "application/n-triples"}, timeout=10).raise_for_status()
            after = c.get("/plan/152021-nagaoka-next", headers={"Accept": "text/turtle"})
            assert after.headers["etag"] != first
            assert c.get("/plan/152021-nagaoka-next", headers={"Accept": "text/turtle",
                                                                 "If-None-Match": first}).status_code == 200
    finally:
        server.stop()
