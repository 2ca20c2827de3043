"""Fixtures of the web tests: apps over the seed publication and over small fixture stores,
in-process clients, and real uvicorn servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox
import pytest
import uvicorn

from publisher.settings import Settings
from publisher.web.app import create_app
from publisher.web.store import OxigraphStore

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            # Starlette 1.x warns that its TestClient will move to httpx2; not our concern here.
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:starlette"))
            item.add_marker(pytest.mark.filterwarnings("ignore:Using `httpx`"))
            # rdflib's own parsers use its deprecated ConjunctiveGraph API internally
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:rdflib"))


def test_client(app):  # noqa: ANN001, ANN201
    """Starlette's in-process client (imported here: it warns about httpx on import)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def web_settings(seed_publication: Path) -> Settings:
    """Settings serving the seed publication, with the default limits."""
    return Settings(out=seed_publication, progress=False)


@pytest.fixture(scope="session")
def app(web_settings: Settings):  # noqa: ANN201
    return create_app(web_settings)


@pytest.fixture(scope="session")
def client(app):  # noqa: ANN001, ANN201
    with test_client(app) as c:
        yield c


@pytest.fixture(scope="session")
def store(seed_publication: Path) -> ox.Store:
    """The seed store, opened read-only by the tests themselves (the oracle)."""
    return ox.Store.read_only(str(seed_publication.resolve() / "store"))


@dataclass
class Server:
    """A uvicorn server running an app in a thread of this process."""

    url: str
    server: uvicorn.Server
    thread: threading.Thread


def start_server(app) -> Server:  # noqa: ANN001
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return Server(f"http://127.0.0.1:{port}", server, thread)


def stop_server(s: Server) -> None:
    s.server.should_exit = True
    s.thread.join(15)


@pytest.fixture(scope="session")
def run_server() -> Iterator:
    """Start more servers: ``run_server(app)``; each stops at the end of the session."""
    started: list[Server] = []

    def run(app) -> Server:  # noqa: ANN001
        s = start_server(app)
        started.append(s)
        return s

    yield run
    for s in started:
        stop_server(s)


@pytest.fixture(scope="session")
def server(app) -> Iterator[Server]:  # noqa: ANN001
    """The seed app over a real socket."""
    s = start_server(app)
    yield s
    stop_server(s)


ALIGNMENT_PREDICATES = {"https://w3id.org/mplan/def#alignment", "https://w3id.org/mplan/def#alignedWith"}


def _without_links(seed: ox.Store) -> list[ox.Quad]:
    """The seed's quads minus every SDG / policy-domain link (the tagger's and the plans')."""
    links = {q.subject for q in seed.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        ox.NamedNode("https://w3id.org/mplan/def#Alignment"))}
    return [q for q in seed if q.subject not in links and q.predicate.value not in ALIGNMENT_PREDICATES]


def _store(path: Path, quads: list[ox.Quad], *extra: Path) -> OxigraphStore:
    store = ox.Store(str(path))
    store.bulk_extend(quads)
    for trig in extra:
        store.bulk_load(trig.read_bytes(), ox.RdfFormat.TRIG)
    store.flush()
    del store
    return OxigraphStore.open(path)


@pytest.fixture(scope="session")
def bare_quads(seed_publication: Path) -> list[ox.Quad]:
    return _without_links(ox.Store.read_only(str(seed_publication.resolve() / "store")))


@pytest.fixture(scope="session")
def bare(tmp_path_factory: pytest.TempPathFactory, bare_quads: list[ox.Quad]) -> OxigraphStore:
    """The seed data with no SDG or policy-domain links at all."""
    return _store(tmp_path_factory.mktemp("bare") / "store", bare_quads)


@pytest.fixture(scope="session")
def aligned(tmp_path_factory: pytest.TempPathFactory, bare_quads: list[ox.Quad]) -> OxigraphStore:
    """The seed data with exactly the links of tests/web/fixtures/alignments.trig (every basis)."""
    return _store(tmp_path_factory.mktemp("aligned") / "store", bare_quads,
                  FIXTURES / "alignments.trig")


@pytest.fixture(scope="session")
def bare_client(bare: OxigraphStore, web_settings: Settings):  # noqa: ANN201
    app = create_app(replace(web_settings, max_concurrent_queries=1), bare)
    with test_client(app) as c:
        yield c


@pytest.fixture(scope="session")
def aligned_client(aligned: OxigraphStore, web_settings: Settings):  # noqa: ANN201
    app = create_app(replace(web_settings, max_concurrent_queries=1), aligned)
    with test_client(app) as c:
        yield c


# --- the same app over remote SPARQL stores ------------------------------------------------------

BACKENDS = ("embedded", "oxigraph", "virtuoso")


@pytest.fixture(scope="session")
def remote_endpoint(tmp_path_factory: pytest.TempPathFactory, seed_publication: Path) -> Iterator:
    """``remote_endpoint(name)``: the SPARQL endpoint of a real Oxigraph server or Virtuoso that
    holds the seed publication (started and `planlod publish`ed once, on first use)."""
    from servers import SERVERS, cli

    started: dict = {}
    failed: dict[str, str] = {}

    def endpoint(name: str) -> str:
        if name in failed:  # one clear error for every test that needs it, not a cascade
            raise RuntimeError(failed[name])
        if name not in started:
            server = SERVERS[name](tmp_path_factory.mktemp(name) / "data")
            result = cli(*server.publish_args(), out=seed_publication)
            if result.returncode != 0:
                failed[name] = (f"planlod publish to {name} exited with {result.returncode}:\n"
                                f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}\n{server.health()}")
                server.stop()
                raise RuntimeError(failed[name])
            started[name] = server
        server = started[name]
        if server.proc.poll() is not None:
            failed[name] = f"the {name} store stopped during the tests: {server.health()}"
            raise RuntimeError(failed[name])
        return server.sparql

    yield endpoint
    for server in started.values():
        server.stop()


@pytest.fixture(scope="session")
def backend_app(web_settings: Settings, app, remote_endpoint) -> Iterator:  # noqa: ANN001
    """``backend_app(name)``: the seed app over the embedded store or a remote one."""
    made = {"embedded": app}

    def get(name: str):  # noqa: ANN202
        if name not in made:
            made[name] = create_app(replace(web_settings, sparql_endpoint=remote_endpoint(name)))
        return made[name]

    return get


@pytest.fixture(scope="session")
def backend_client(backend_app, client) -> Iterator:  # noqa: ANN001
    """``backend_client(name)``: an in-process client of the seed app over that backend."""
    import contextlib

    clients = {"embedded": client}
    with contextlib.ExitStack() as stack:
        def get(name: str):  # noqa: ANN202
            if name not in clients:
                clients[name] = stack.enter_context(test_client(backend_app(name)))
            return clients[name]

        yield get


@pytest.fixture(params=BACKENDS)
def any_client(request: pytest.FixtureRequest, backend_client):  # noqa: ANN001, ANN201
    """The seed app's client over each backend in turn: embedded, Oxigraph server, Virtuoso."""
    return backend_client(request.param)
