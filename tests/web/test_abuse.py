"""A public endpoint meets bad clients. Each case has its expected answer; every test is bounded
in time and talks only to 127.0.0.1 (real uvicorn servers on free ports)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import httpx
import pytest

from publisher.web.app import create_app
from publisher.web.sparql import Unchecked, uses_service

ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # ~10^11 rows
SMALL = "SELECT ?p WHERE { ?p a <https://w3id.org/mplan/def#Plan> }"
PAGE = "/plan/152021-nagaoka-next"
TIMEOUT = 3.0


@pytest.fixture(scope="module")
def strict_app(web_settings):  # noqa: ANN001, ANN201
    """The seed publication with a short time limit and three workers."""
    return create_app(replace(web_settings, query_timeout=TIMEOUT, max_concurrent_queries=3,
                              query_queue_wait=0.5))


@pytest.fixture(scope="module")
def strict(strict_app, run_server):  # noqa: ANN001, ANN201
    return run_server(strict_app)


def worker_pids(app) -> set[int]:  # noqa: ANN001
    return app.state.releases.current.runner.pids()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_an_endless_query_stops_at_the_limit_and_others_are_served(strict, strict_app) -> None:  # noqa: ANN001
    before = worker_pids(strict_app)
    assert len(before) == 3
    result: dict = {}

    def slow() -> None:
        t0 = time.monotonic()
        with httpx.Client(base_url=strict.url, timeout=60) as c:
            result["response"] = c.post("/sparql", data={"query": ENDLESS})
        result["seconds"] = time.monotonic() - t0

    with httpx.Client(base_url=strict.url, timeout=10) as warm:  # first renders compile templates
        warm.get(PAGE, headers={"Accept": "text/html"})
        warm.get("/sparql", params={"query": SMALL})
    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.8)  # the endless query is running now
    page_seconds = query_seconds = float("inf")
    with httpx.Client(base_url=strict.url, timeout=10) as other:
        for _ in range(3):  # a shared, noisy machine: the best of three tries must be fast
            t0 = time.monotonic()
            page = other.get(PAGE, headers={"Accept": "text/html"})
            page_seconds = min(page_seconds, time.monotonic() - t0)
            t0 = time.monotonic()
            query = other.get("/sparql", params={"query": SMALL})
            query_seconds = min(query_seconds, time.monotonic() - t0)
            if page_seconds < 1.0 and query_seconds < 1.0:
                break
    assert "response" not in result, "the endless query should still be running"
    assert page.status_code == 200 and page_seconds < 1.0, page_seconds
    assert query.status_code == 200 and query_seconds < 1.0, query_seconds
    assert len(query.json()["results"]["bindings"]) == 5
    thread.join(30)
    r = result["response"]
    assert r.status_code == 503 and r.json()["error"]["code"] == "timeout"
    assert TIMEOUT - 0.2 <= result["seconds"] < TIMEOUT + 5
    # the worker that ran it was killed (the work really stopped) and replaced
    deadline = time.monotonic() + 20
    while len(worker_pids(strict_app)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    after = worker_pids(strict_app)
    assert len(after) == 3
    gone = before - after
    assert len(gone) == 1 and not alive(gone.pop())
    with httpx.Client(base_url=strict.url, timeout=10) as c:
        assert c.get("/sparql", params={"query": SMALL}).status_code == 200


SERVICE_QUERIES = [
    "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "select * where {{ service silent <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x ?y ?z FILTER EXISTS {{ SERVICE <http://127.0.0.1:{port}/> {{ ?x ?p ?o }} }} }} LIMIT 1",
    "SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }} }} }}",
    "ASK {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ # comment }}\n SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
    "PREFIX e: <http://127.0.0.1:{port}/> SELECT * WHERE {{ BIND(e: AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    # a "<" read as an IRI's start would hide the keyword; nesting that rdflib cannot parse
    "SELECT * WHERE {{ ?a ?b ?c FILTER(?a<0)SERVICE#>\n<http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ " + "{{ " * 40 + "?a ?b ?c FILTER(?a<0)SERVICE#>\n<http://127.0.0.1:{port}/sparql> "
    "{{ ?s ?p ?o }}" + " }}" * 40 + " }}",
    # review: an unclosed triple quote read one way by a tokenizer and another by Oxigraph; an
    # IRI holding "#" beside a "<" read as less-than, after a comment rdflib cannot read
    "SELECT * WHERE {{ VALUES ?x {{ '''a' }} SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
    "# \\u0041BEEF\nSELECT * WHERE {{ BIND(<urn:x#> AS ?x) BIND(-1 AS ?a) FILTER(?a<0)SERVICE#>\n"
    "<http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
]


@pytest.fixture
def listener():  # noqa: ANN201
    """A socket listening on 127.0.0.1 that records every connection it gets."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    hits: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            conn.settimeout(1)
            try:
                hits.append(conn.recv(4096) or b"(connected)")
            except OSError:
                hits.append(b"(connected)")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1], hits
    stop.set()
    thread.join(2)
    sock.close()


def test_service_makes_no_outgoing_connection(server, listener) -> None:  # noqa: ANN001
    port, hits = listener
    with httpx.Client(base_url=server.url, timeout=30) as c:
        for template in SERVICE_QUERIES:
            q = template.format(port=port)
            try:
                assert uses_service(q)
                refused = {"service_refused"}
            except Unchecked:  # the second check cannot read it: it is refused unread
                refused = {"syntax"}
            for r in (c.get("/sparql", params={"query": q}),
                      c.post("/sparql", content=q.encode(), headers={"Content-Type": "application/sparql-query"})):
                assert r.status_code == 400, (q, r.status_code, r.text)
                assert r.json()["error"]["code"] in refused, (q, r.text)
    time.sleep(1.0)
    assert hits == [], "the endpoint connected to another host on a client's behalf"


def test_workers_have_no_network_even_past_the_checks(listener) -> None:  # noqa: ANN001
    """Defence in depth: a worker process drops its network (where Linux allows it)."""
    port, hits = listener
    code = ("import socket, sys\nfrom publisher.web.worker import isolate_network\n"
            "if not isolate_network(): sys.exit(3)\n"
            f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n"
            "except OSError:\n    sys.exit(0)\nsys.exit(1)\n")
    done = subprocess.run([sys.executable, "-c", code], timeout=30)
    if done.returncode == 3:
        pytest.skip("this platform does not allow network namespaces; the SERVICE checks remain")
    assert done.returncode == 0
    time.sleep(0.5)
    assert hits == []


def test_a_huge_result_is_capped_and_says_so(server) -> None:  # noqa: ANN001
    q = "SELECT ?a ?b WHERE { ?a ?p ?b . ?c ?q ?d } LIMIT 100000"
    with httpx.Client(base_url=server.url, timeout=60) as c:
        r = c.get("/sparql", params={"query": q}, headers={"Accept": "application/sparql-results+json"})
        assert r.status_code == 200
        assert r.headers["x-sparql-truncated"] == "true"
        assert len(r.json()["results"]["bindings"]) == 10_000
        as_csv = c.get("/sparql", params={"query": q}, headers={"Accept": "text/csv"})
        assert as_csv.headers["x-sparql-truncated"] == "true"
        assert as_csv.text.count("\r\n") == 10_001  # the header and 10,000 rows
        graph = c.get("/sparql", params={"query": "CONSTRUCT { ?a ?p ?b . ?c ?q ?d } WHERE "
                                                  "{ ?a ?p ?b . ?c ?q ?d } LIMIT 100000"},
                      headers={"Accept": "application/n-triples"})
        assert graph.headers["x-sparql-truncated"] == "true"
        assert graph.text.count("\n") == 10_000


def test_a_10_mb_body_gets_413(server) -> None:  # noqa: ANN001
    body = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * (10 * 1024 * 1024)
    with httpx.Client(base_url=server.url, timeout=60) as c:
        direct = c.post("/sparql", content=body, headers={"Content-Type": "application/sparql-query"})
        assert direct.status_code == 413 and direct.json()["error"]["code"] == "body_too_large"
        form = c.post("/sparql", content=b"query=" + body,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert form.status_code == 413

        def chunks():  # no Content-Length: the limit still holds while reading
            for _ in range(10):
                yield b"#" * (1024 * 1024)

        chunked = c.post("/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"})
        assert chunked.status_code == 413
        assert c.get("/sparql", params={"query": SMALL}).status_code == 200  # still serving


def test_fifty_concurrent_clients_get_answers_or_503(strict, strict_app) -> None:  # noqa: ANN001
    queries = [SMALL, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?o ?q ?x }",
               "SELECT ?s WHERE { ?s ?p ?o } LIMIT 2000"]

    def client(n: int) -> tuple[int, str | None, int]:
        # fifty clients on fifty loopback addresses (the per-client limit counts addresses)
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{n + 2}")
        with httpx.Client(base_url=strict.url, timeout=30, transport=transport) as c:
            q = c.post("/sparql", data={"query": queries[n % len(queries)]})
            code = q.json()["error"]["code"] if q.status_code >= 400 else None
            page = c.get(PAGE if n % 2 else "/", headers={"Accept": "text/html"})
            return q.status_code, code, page.status_code

    t0 = time.monotonic()
    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(client, range(50), timeout=60))
    elapsed = time.monotonic() - t0
    statuses = {status for status, _, _ in results}
    assert statuses <= {200, 503}, results
    assert 200 in statuses
    # 503 says why: no worker free in time, or (on a loaded machine) the time limit
    assert {code for status, code, _ in results if status == 503} <= {"busy", "timeout"}
    assert {page for _, _, page in results} == {200}  # pages never wait for query workers
    assert elapsed < 45
    with httpx.Client(base_url=strict.url, timeout=10) as c:  # no crash: still answering
        assert c.get("/sparql", params={"query": SMALL}).status_code == 200
    assert len(worker_pids(strict_app)) <= 3


@pytest.mark.parametrize("accept", ["", ";", "text/html;q=abc", "*/*;q=", "application/sparql-results+json;q=2",
                                    ",,,,", "text/", "/json", "\x01\x02", "a" * 5000,
                                    "application/sparql-results+json; q=0.5; q=1, */*;q=0.1"])
def test_malformed_accept_does_not_raise(client, accept) -> None:  # noqa: ANN001
    for path in ("/sparql?query=ASK%20%7B%7D", "/", PAGE, "/catalog", "/sdg/13", "/nothing"):
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code in (200, 404, 406), (path, accept, r.status_code)
        assert "Traceback" not in r.text


def test_a_dead_server_leaves_no_query_running(seed_publication) -> None:  # noqa: ANN001
    """If the server is killed mid-query, its worker notices and exits (no orphan burning CPU)."""
    script = f"""
import asyncio, sys
from pathlib import Path
from publisher.web.pool import WorkerPool
from publisher.web.sparql import QueryJob
pool = WorkerPool(Path({str(seed_publication.resolve() / "store")!r}), 1, 600)
pool.start()
print(pool.pids().pop(), flush=True)
asyncio.run(pool.run(QueryJob({ENDLESS!r})))
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    pid = int(proc.stdout.readline())
    time.sleep(1.0)
    assert alive(pid)
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(pid)
