"""The endpoint's budgets and the holes an attack on purpose found (issue 19), one test per row.

Every server here is real (uvicorn on 127.0.0.1, an Oxigraph server or a plain HTTP server
for the remote cases); budgets are lowered so that each case is small and bounded in time.
"""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from publisher.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
DEEP = "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") } LIMIT 1"
RUNAWAY = "SELECT * WHERE { ?s1 ?p1 ?o1 . ?s2 ?p2 ?o2 . ?s3 ?p3 ?o3 } ORDER BY ?o3"
SMALL = "SELECT ?p WHERE { ?p a <https://w3id.org/mplan/def#Plan> }"
PAGE = "/plan/152021-nagaoka-next"
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
# one row is STR(?s) doubled 17 times: ~5 MB; 20 rows would be ~100 MB
HUGE_ROWS = ("SELECT ?z WHERE { ?s ?p ?o BIND(STR(?s) AS ?a0) "
             + " ".join(f"BIND(CONCAT(?a{i}, ?a{i}) AS ?a{i + 1})" for i in range(17))
             + " BIND(?a17 AS ?z) } LIMIT 20")
BYTES = 200_000
CHAIN = "ASK { FILTER(" + "+".join(["1"] * 10_000) + " > 0) }"  # no nesting; Oxigraph's parser dies
DEEP_VARIANTS = [
    DEEP,
    # a "<" that a tokenizer could take for the start of an IRI hides the brackets after it
    "SELECT * WHERE { ?a ?p ?b FILTER(?a<" + "(" * 10_000 + "1" + ")" * 10_000 + "&&?b>0) }",
    "SELECT * WHERE { " + "{ " * 10_000 + "?s ?p ?o" + " }" * 10_000 + " }",
    "SELECT * WHERE { ?s ?p " + "[ ?p " * 10_000 + "1" + " ]" * 10_000 + " }",
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "\\u0028" * 10_000 + "1" + "\\u0029" * 10_000 + ") }",
    # review: RDF 1.2 triple terms; an unclosed triple quote that a tokenizer would read to the
    # end; an IRI holding "#" beside a "<" read as less-than
    "SELECT * WHERE { " + "<< " * 10_000 + "?s ?p ?o" + " >> ?p ?o" * 10_000 + " }",
    "SELECT * WHERE { VALUES ?x { '''a' } FILTER(" + "(" * 10_000 + "1" + ")" * 10_000 + ") }",
    "# \\u0041BEEF\nSELECT * WHERE { <http://x/#> ?p ?a FILTER(?a<" + "(" * 10_000 + "1"
    + ")" * 10_000 + "&&?a>0) }",
]


def client(url: str, address: str = "127.0.0.1", timeout: float = 60) -> httpx.Client:
    """A client from one loopback address (the per-client limit counts addresses)."""
    return httpx.Client(base_url=url, timeout=timeout,
                        transport=httpx.HTTPTransport(local_address=address))


@pytest.fixture(scope="module")
def budget_app(web_settings):  # noqa: ANN001, ANN201
    """The seed publication with small budgets: 1 GB per worker, 200 kB per answer, one query
    per client at a time."""
    return create_app(replace(web_settings, query_timeout=20, max_concurrent_queries=3,
                              query_memory_mb=1024, max_result_bytes=BYTES,
                              max_queries_per_client=1, query_queue_wait=0.5))


@pytest.fixture(scope="module")
def budget(budget_app, run_server):  # noqa: ANN001, ANN201
    return run_server(budget_app)


# --- row 0: one request must not kill the server ---------------------------------------------

def test_deep_nesting_is_refused_before_any_parser(budget) -> None:  # noqa: ANN001
    with client(budget.url) as c:
        for deep in DEEP_VARIANTS:
            r = c.post("/sparql", data={"query": deep})
            assert r.status_code == 400 and r.json()["error"]["code"] == "too_deep", deep[:60]
        page = c.get("/query", params={"query": DEEP}, headers={"Accept": "text/html"})
        assert "10,000 個を超えています" in page.text  # the query page shows the same refusal
        nested = c.get("/sparql", params={"query": "ASK { " + "{ " * 101 + "}" * 101 + " }"})
        assert nested.json()["error"]["code"] == "too_deep"
        assert "more than 100 deep" in nested.json()["error"]["message"]
        at_limit = "ASK { FILTER(" + "(" * 98 + "1" + ")" * 98 + ") }"  # 100 levels with { and (
        assert c.get("/sparql", params={"query": at_limit}).status_code == 200
        assert c.get(PAGE, headers={"Accept": "text/html"}).status_code == 200


@pytest.mark.parametrize("query", ["deep", "chain"])
def test_deep_nesting_over_a_remote_store_leaves_the_server_up(web_settings, remote_endpoint,
                                                               run_server, query, caplog) -> None:  # noqa: ANN001
    """Remote-store mode parsed queries in the server process, which a deep query crashed:
    deep nesting is refused first now, and a long chain of + (no nesting) crashes the parser
    of a worker (logged with its cause, replaced), never the server, and is never sent to
    the store."""
    app = create_app(replace(web_settings, sparql_endpoint=remote_endpoint("oxigraph"),
                             max_concurrent_queries=1))
    s = run_server(app)
    with client(s.url) as c, caplog.at_level("ERROR", logger="planlod.serve"):
        r = c.post("/sparql", data={"query": DEEP if query == "deep" else CHAIN})
        code = "too_deep" if query == "deep" else "worker_died"
        assert r.status_code in (400, 500) and r.json()["error"]["code"] == code, r.text[:300]
        if query == "chain":  # the parser that died was the worker's, before the store saw it
            assert "killed by SIG" in caplog.text
        assert c.get(PAGE, headers={"Accept": "text/html"}).status_code == 200
        deadline = time.monotonic() + 20
        while (ok := c.get("/sparql", params={"query": SMALL})).status_code != 200:
            assert time.monotonic() < deadline, ok.text
            time.sleep(0.2)
        assert len(ok.json()["results"]["bindings"]) == 5


# --- rows 1 and 2: memory and bytes per query -------------------------------------------------

def test_a_query_over_the_memory_budget_gets_503_and_others_are_served(budget, budget_app) -> None:  # noqa: ANN001
    before = budget_app.state.releases.current.runner.pids()
    with client(budget.url) as c, client(budget.url, "127.0.0.3") as other:
        t0 = time.monotonic()
        r = c.post("/sparql", data={"query": RUNAWAY})
        assert r.status_code == 503, r.text[:300]
        assert r.json()["error"]["code"] == "memory_budget"
        assert "1024 MB" in r.json()["error"]["message"]
        assert time.monotonic() - t0 < 20, "stopped by the memory budget, not the time limit"
        assert other.get("/sparql", params={"query": SMALL}).status_code == 200
        assert c.get(PAGE, headers={"Accept": "text/html"}).status_code == 200
    deadline = time.monotonic() + 20  # the worker that ran it is replaced
    while len(budget_app.state.releases.current.runner.pids()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    after = budget_app.state.releases.current.runner.pids()
    assert len(after) == 3 and len(before - after) == 1


def test_an_answer_over_the_byte_budget_is_cut_and_flagged(budget) -> None:  # noqa: ANN001
    with client(budget.url) as c:
        for accept in ("application/sparql-results+json", "text/csv"):
            r = c.post("/sparql", data={"query": HUGE_ROWS}, headers={"Accept": accept})
            assert r.status_code == 200
            assert r.headers["x-sparql-truncated"] == "true"
            assert r.headers["x-sparql-max-bytes"] == str(BYTES)
            assert len(r.content) < 2 * BYTES
        graph = c.post("/sparql", headers={"Accept": "application/n-triples"}, data={
            "query": HUGE_ROWS.replace("SELECT ?z WHERE", "CONSTRUCT { ?s ?p ?z } WHERE")})
        assert graph.headers["x-sparql-truncated"] == "true" and len(graph.content) < 2 * BYTES
        small = c.get("/sparql", params={"query": SMALL})
        assert "x-sparql-truncated" not in small.headers


# --- row 12: one client cannot take the whole pool -------------------------------------------

def test_one_client_runs_at_most_its_share(budget, budget_app) -> None:  # noqa: ANN001
    answers: list[httpx.Response] = []
    hog = threading.Thread(target=lambda: answers.append(
        httpx.post(budget.url + "/sparql", data={"query": ENDLESS}, timeout=60)))
    hog.start()
    slots = budget_app.state.releases.current.slots._running  # noqa: SLF001
    deadline = time.monotonic() + 10
    while not slots and time.monotonic() < deadline:  # until the endless query runs
        time.sleep(0.05)
    with client(budget.url) as same, client(budget.url, "127.0.0.4") as other:
        second = same.get("/sparql", params={"query": SMALL})
        assert second.status_code == 429 and second.json()["error"]["code"] == "too_many_queries"
        assert second.headers["retry-after"]
        assert other.get("/sparql", params={"query": SMALL}).status_code == 200
    hog.join(60)
    assert answers[0].status_code == 503 and answers[0].json()["error"]["code"] == "timeout"


# --- row 4: no open redirect ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/id//evil.example/x", "/id///evil.example/x", "/id/\\evil.example/x",
                                  "/id/%2F%2Fevil.example/x"])
def test_id_redirects_stay_on_this_site(client, path) -> None:  # noqa: ANN001
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 301
    location = r.headers["location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    ok = client.get("/id/plan/152021-nagaoka-next", follow_redirects=False)
    assert ok.status_code == 301 and ok.headers["location"] == "/plan/152021-nagaoka-next"


# --- row 5: the query's own dataset -----------------------------------------------------------

def _count(c, query: str, **params: str) -> int:  # noqa: ANN001
    r = c.get("/sparql", params={"query": query, **params},
              headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text[:300]
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("backend", ["embedded", "oxigraph"])
def test_from_in_the_query_names_the_dataset(backend_client, backend, store) -> None:  # noqa: ANN001
    import pyoxigraph as ox

    c = backend_client(backend)
    graph = "https://w3id.org/mplan/id/dataset/152021-nagaoka-next"
    in_graph = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)))
    assert in_graph > 0
    count = "SELECT (COUNT(*) AS ?n) {from} WHERE {{ ?s ?p ?o }}"
    assert _count(c, count.format(**{"from": "FROM <http://nonexistent/>"})) == 0
    assert _count(c, count.format(**{"from": f"FROM <{graph}>"})) == in_graph
    assert _count(c, count.format(**{"from": ""})) > in_graph  # no FROM: the union of all graphs
    one_line = "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> " + count  # "#" in an IRI
    assert _count(c, one_line.format(**{"from": f"FROM <{graph}>"})) == in_graph
    in_a_string = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != '<FROM') }"
    assert _count(c, in_a_string) > in_graph
    # the protocol's dataset wins over the query's (SPARQL 1.1 Protocol, 2.1.4)
    assert _count(c, count.format(**{"from": "FROM <http://nonexistent/>"}),
                  **{"default-graph-uri": graph}) == in_graph


def test_ordinary_long_queries_are_not_refused(client) -> None:  # noqa: ANN001
    """Review: IRIs with "#" on many lines once counted as nesting, and "service" in an IRI
    as the keyword."""
    rows = "\n".join(f"(<http://example.org/ns#item{i}> {i})" for i in range(150))
    values = "SELECT * WHERE { VALUES (?x ?n) {\n" + rows + "\n} }"
    unions = " UNION\n".join("{ ?s a <http://www.w3.org/2002/07/owl#Class> }" for _ in range(150))
    for query in (values, "SELECT * WHERE { " + unions + " } LIMIT 1",
                  "SELECT * WHERE { <http://example.org/service/1> ?p ?o }"):
        r = client.get("/sparql", params={"query": query})
        assert r.status_code == 200, r.text[:300]


# --- row 10: internal errors that were really bad requests ------------------------------------

def test_odd_requests_get_clear_4xx(client) -> None:  # noqa: ANN001
    assert client.get("/downloads/x%00.ttl").status_code == 404
    for page in ("1" * 5000, "²", "-1", "0"):
        r = client.get("/catalog", params={"page": page}, headers={"Accept": "application/json"})
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_page", page
    form = "&".join(f"f{i}=1" for i in range(2000)) + "&query=ASK{}"
    r = client.post("/sparql", content=form,
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "too_many_fields"


# --- row 11: syntax errors in the user's terms ------------------------------------------------

@pytest.mark.parametrize("query,words,where", [
    ("SELECT * WHERE { ?s x:p ?o }", "the prefix x: is not declared", "line 1, column 21"),
    ("SELECT * WHERE { <not an iri> ?p ?o }", "not a valid IRI", "line 1"),
    ("SELECT * WHERE {\n  ?s ?p }", "a triple pattern has no object", "line 2"),
    ("SELECT * WHERE { ?s <http://x/p> ?o ; <http://x/q> . }", "a triple pattern has no object", "line 1"),
])
def test_common_syntax_errors_are_explained(client, query, words, where) -> None:  # noqa: ANN001
    err = client.get("/sparql", params={"query": query}).json()["error"]
    assert err["code"] == "syntax"
    assert words in err["message"] and where in err["message"]
    assert "(parser: error at" in err["message"]  # Oxigraph's own words stay as the detail
    assert "SPARQL の構文エラー" in err["message_ja"]


# --- row 15: nosniff everywhere -------------------------------------------------------------------

def test_every_response_says_nosniff(client) -> None:  # noqa: ANN001
    for path, accept in [("/sparql?query=ASK%7B%7D", "application/sparql-results+json"),
                         ("/sparql?query=SELECT%20*%7B%7D", "text/csv"),
                         ("/sparql?query=nonsense", "application/json"),
                         (PAGE + ".ttl", "*/*"), ("/downloads/all.nt.gz", "*/*"),
                         ("/catalog?page=x", "application/json"), ("/nothing", "application/json"),
                         ("/healthz", "*/*"), (PAGE, "text/html")]:
        r = client.get(path, headers={"Accept": accept})
        assert r.headers.get("x-content-type-options") == "nosniff", (path, r.status_code)


# --- rows 16 and 17: credentials --------------------------------------------------------------

@pytest.fixture
def redirecting_store() -> Iterator[tuple[str, list]]:
    """A 'store' on 127.0.0.1 that answers every request with 302 to another host (127.0.0.2),
    which records the Authorization header of anything it receives."""
    seen: list = []

    class Thief(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.headers.get("Authorization"))
            body = b'{"head":{},"boolean":true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

    thief = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Thief)
    to = f"http://127.0.0.2:{thief.server_address[1]}/sparql"

    class Redirect(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(302)
            self.send_header("Location", to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST  # noqa: N815
        do_PUT = do_POST  # noqa: N815
        do_HEAD = do_POST  # noqa: N815

    store = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    for s in (thief, store):
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{store.server_address[1]}/sparql", seen
    for s in (thief, store):
        s.shutdown()
        s.server_close()


def test_credentials_never_follow_a_redirect(web_settings, redirecting_store, seed_publication,
                                             tmp_path) -> None:  # noqa: ANN001
    url, seen = redirecting_store
    settings = replace(web_settings, sparql_endpoint=url, store_user="alice",
                       store_password="s3cret", query_timeout=5)
    from conftest import test_client

    with test_client(create_app(settings)) as c:
        for path in (PAGE, "/sparql?query=ASK%7B%7D"):
            r = c.get(path, headers={"Accept": "application/json"})
            assert r.status_code == 502, r.text[:300]
            assert url not in r.text and "alice" not in r.text  # nothing of the store for clients
    publish = subprocess.run(
        [sys.executable, "-m", "publisher", "--out", str(seed_publication), "publish",
         "--store", url, "--user", "alice"], cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"MPLAN_STORE_PASSWORD": "s3cret", "PATH": "/usr/bin:/bin", "CI": "1"})
    assert publish.returncode == 2 and "302" in publish.stderr, publish.stderr[-500:]
    assert seen == [], "the credentials went to another host"


def test_a_password_in_a_store_url_is_refused_and_never_shown(tmp_path) -> None:  # noqa: ANN001
    for args in (["serve", "--sparql-endpoint", "http://u:PW-4711@127.0.0.1:9/sparql"],
                 ["publish", "--store", "http://u:PW-4711@127.0.0.1:9/store"]):
        done = subprocess.run([sys.executable, "-m", "publisher", *args], cwd=ROOT, timeout=60,
                              capture_output=True, text=True)
        assert done.returncode == 2, done.stderr
        assert "PW-4711" not in done.stdout + done.stderr
        assert "MPLAN_STORE_PASSWORD" in done.stderr and "***@127.0.0.1:9" in done.stderr
    helps = subprocess.run([sys.executable, "-m", "publisher", "serve", "--help"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60).stdout
    assert "visible to other users" in " ".join(helps.split())


def test_an_unreachable_store_is_unavailable_not_described(web_settings) -> None:  # noqa: ANN001
    from conftest import test_client
    from servers import free_port

    url = f"http://127.0.0.1:{free_port()}/sparql"
    with test_client(create_app(replace(web_settings, sparql_endpoint=url))) as c:
        for path in (PAGE, "/sparql?query=ASK%7B%7D"):
            r = c.get(path, headers={"Accept": "application/json"})
            assert r.status_code == 503 and r.json()["error"]["code"] == "store_unavailable"
            assert "127.0.0.1" not in r.text and "refused" not in r.text.lower()
