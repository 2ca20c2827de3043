"""`planlod publish` to a real Oxigraph server and a real Virtuoso through the SPARQL 1.1
protocols (the servers: tests/servers.py)."""

from __future__ import annotations

import http.server
import os
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from pathlib import Path

import pyoxigraph
import pytest
from servers import ROOT, Oxigraph, Virtuoso, cli, oxigraph_publish_args
from servers import free_port as _free_port


@pytest.fixture(params=["oxigraph", "virtuoso"])
def server(request, tmp_path):
    s = Oxigraph(tmp_path / "oxigraph") if request.param == "oxigraph" else Virtuoso(tmp_path / "virtuoso")
    yield s
    s.stop()


_cli = cli
_publish_args = oxigraph_publish_args


@pytest.fixture()
def corpus(tmp_path) -> Path:
    shutil.copytree(ROOT / "datasets", tmp_path / "datasets")
    return tmp_path / "datasets"


def _build(tmp_path: Path, corpus: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "publisher", "--datasets", str(corpus), "--out",
                             str(tmp_path / "public"), "--cache-dir", str(tmp_path / "cache"), "build"],
                            cwd=ROOT, env={**os.environ, "CI": "1"}, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result


def _local_graphs(publication: Path) -> dict[str, set[str]]:
    store = pyoxigraph.Store.read_only(str(publication / "store"))
    out: dict[str, set[str]] = {}
    for q in store:
        out.setdefault(q.graph_name.value, set()).add(str(pyoxigraph.Triple(*q.triple)))
    return out


def _same(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    """Same graph names, and each graph isomorphic (the ontology has blank nodes)."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    def g(lines: set[str]) -> Graph:
        return Graph().parse(data="\n".join(f"{line} ." for line in lines), format="nt")

    return a.keys() == b.keys() and all(isomorphic(g(a[k]), g(b[k])) for k in a)


def test_publish_sends_only_what_changed_and_removes_what_was_removed(tmp_path, corpus, server):
    _build(tmp_path, corpus)
    public = tmp_path / "public"
    first = _cli(*server.publish_args(), out=public)
    assert first.returncode == 0, first.stderr
    remote = server.graphs()
    local = _local_graphs(public)
    state = remote.pop("https://w3id.org/mplan/id/publication-state")
    assert _same(remote, local)
    assert len(state) == len(local)

    again = _cli(*server.publish_args(), out=public)
    assert "sent 0 graphs" in again.stdout, again.stdout

    plan = corpus / "422011-nagasaki-2025" / "indicators.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("75.0", "76.0", 1), encoding="utf-8")
    _build(tmp_path, corpus)
    changed = _cli(*server.publish_args(), out=public)
    sent = [line.split()[-1] for line in changed.stdout.splitlines() if line.strip().startswith("sent ")]
    plan_graphs = [g for g in sent if "/dataset/" in g]
    assert plan_graphs == ["https://w3id.org/mplan/id/dataset/422011-nagasaki-2025"], changed.stdout
    # the catalog describes the plan's files (size, checksum), so it changes with it
    assert set(sent) - set(plan_graphs) == {"https://w3id.org/mplan/id/catalog"}

    shutil.rmtree(corpus / "202207-azumino-3")
    _build(tmp_path, corpus)
    removed = _cli(*server.publish_args(), out=public)
    assert "deleted https://w3id.org/mplan/id/dataset/202207-azumino-3" in removed.stdout
    remote = server.graphs()
    remote.pop("https://w3id.org/mplan/id/publication-state")
    assert _same(remote, _local_graphs(public))


class _SlowProxy(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """Relays HTTP to the real server, pausing before each request, so a publish can be killed
    midway."""

    daemon_threads = True
    allow_reuse_address = True


def _slow_proxy(target_port: int, delay: float) -> tuple[_SlowProxy, int]:
    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            time.sleep(delay)
            upstream = socket.create_connection(("127.0.0.1", target_port))
            self.request.settimeout(30)
            upstream.settimeout(30)

            def pump(a: socket.socket, b: socket.socket) -> None:
                try:
                    while data := a.recv(65536):
                        b.sendall(data)
                except OSError:
                    pass
                finally:
                    try:
                        b.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass

            t = threading.Thread(target=pump, args=(upstream, self.request), daemon=True)
            t.start()
            pump(self.request, upstream)
            t.join(timeout=30)
            upstream.close()

    proxy = _SlowProxy(("127.0.0.1", 0), Handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    return proxy, proxy.server_address[1]


def test_publish_killed_midway_then_rerun_equals_a_clean_publish(tmp_path, corpus, server):
    _build(tmp_path, corpus)
    public = tmp_path / "public"
    proxy, port = _slow_proxy(server.port, 0.15)
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "publisher", "--out", str(public),
                             *server.publish_args(url)], cwd=ROOT, env={**os.environ, "CI": "1"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # wait until some, not all, graphs are in
    local = _local_graphs(public)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = set(server.graphs()) - {"https://w3id.org/mplan/id/publication-state"}
        if 2 <= len(got) < len(local):
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proxy.shutdown()
    partial = server.graphs()
    partial.pop("https://w3id.org/mplan/id/publication-state", None)
    assert 0 < len(partial) < len(local), "the kill did not land midway"
    for graph, triples in partial.items():
        assert _same({graph: triples}, {graph: local[graph]}), f"{graph} is half-written"
    rerun = _cli(*server.publish_args(), out=public)
    assert rerun.returncode == 0, rerun.stderr
    remote = server.graphs()
    remote.pop("https://w3id.org/mplan/id/publication-state")
    assert _same(remote, local)


class _BadStore(http.server.BaseHTTPRequestHandler):
    mode = "500"

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.mode == "timeout":
            time.sleep(5)
            return
        if self.mode == "truncated":
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", "500")
            self.end_headers()
            self.wfile.write(b'{"head": {"vars": ["g", "h"]}, "results": {"bindi')
            self.wfile.flush()
            self.close_connection = True
            return
        code = 401 if self.mode == "401" else 500
        self.send_response(code)
        if code == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="store"')
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"error")

    do_GET = do_POST = do_PUT = do_DELETE = _answer


@pytest.mark.parametrize(("mode", "says"), [
    ("refused", "Connection refused"), ("401", "not authorised"), ("500", "500"),
    ("timeout", "no answer"), ("truncated", "unreadable answer")])
def test_bad_store_answers_give_a_clear_error(tmp_path, seed_publication, mode, says):
    if mode == "refused":
        url, server = f"http://127.0.0.1:{_free_port()}", None
    else:
        handler = type("Handler", (_BadStore,), {"mode": mode})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        result = _cli(*_publish_args(url), "--timeout", "1", out=seed_publication, timeout=60)
    finally:
        if server:
            server.shutdown()
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert url in result.stderr and "publication-state" in result.stderr, result.stderr
    assert says.lower() in result.stderr.lower(), result.stderr
    assert "→" in result.stderr


def test_publish_without_a_publication_says_build_first(tmp_path):
    result = _cli(*_publish_args("http://127.0.0.1:9"), out=tmp_path / "nothing")
    assert result.returncode == 2 and "planlod build" in result.stderr


class _DigestStore(http.server.BaseHTTPRequestHandler):
    """A Graph Store that, like Virtuoso, answers a request without credentials with a digest
    challenge and closes the connection at once, without reading the body it was sent; and that
    can drop the first PUT's connection with no answer at all."""

    protocol_version = "HTTP/1.1"
    log: list = []
    drop_first_put = False

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        authorised = (self.headers.get("Authorization") or "").startswith("Digest ")
        self.log.append((self.command, authorised))
        if not authorised:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Digest realm="store", nonce="n0", qop="auth"')
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return
        if self.command == "PUT" and type(self).drop_first_put:
            type(self).drop_first_put = False
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(201 if self.command == "PUT" else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET = do_PUT = do_DELETE = _answer


@pytest.mark.parametrize("drop_first_put", [False, True], ids=["digest", "dropped-connection"])
def test_digest_puts_carry_credentials_and_a_dropped_connection_is_retried(drop_first_put):
    from publisher.remote import RemoteStore

    handler = type("Handler", (_DigestStore,), {"log": [], "drop_first_put": drop_first_put})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/crud"
    big = b"".join(b'<urn:s%d> <urn:p> "%s" .\n' % (i, b"x" * 200) for i in range(20_000))  # 4 MB
    try:
        store = RemoteStore(url, url, "dba", "secret", auth="digest", graph_param="graph-uri")
        for g in ("urn:a", "urn:b", "urn:c"):
            store.put(g, big)
    finally:
        server.shutdown()
    puts = [authorised for method, authorised in handler.log if method == "PUT"]
    assert puts == [True] * (4 if drop_first_put else 3), handler.log  # never a body without credentials
