"""Publishing to any SPARQL 1.1 store: the Graph Store HTTP Protocol to write, the SPARQL 1.1
Protocol (SPARQLWrapper) to read back.

Each graph of the current publication (one per plan, the ontology, each concept scheme, the
catalog) is replaced with one Graph Store ``PUT`` — atomic in the store — only when its
content hash differs from the one recorded in the store's state graph. After each ``PUT`` the
graph's triple count is checked by query, then the state graph is updated, so a publish killed
at any moment leaves every graph old or new and a re-run sends only what is still missing.
Graphs recorded in the state but no longer published are deleted.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import time
import urllib.error
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from SPARQLWrapper import JSON, POST
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException, Unauthorized

from .errors import Location, Problem, StoreError, usage_error
from .namespaces import MPLAN
from .sparqlclient import SparqlClient

STATE_PREDICATE = str(MPLAN.contentHash)
NT = "application/n-triples"


@dataclass
class RemoteStore:
    """Where a SPARQL 1.1 store is and how to talk to it."""

    graph_store: str  # Graph Store HTTP Protocol endpoint, e.g. http://127.0.0.1:7878/store
    query_endpoint: str  # SPARQL 1.1 Protocol query endpoint, e.g. http://127.0.0.1:7878/query
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0
    graph_param: str = "graph"  # Virtuoso's crud endpoint also accepts "graph-uri"
    auth: str = "basic"  # or "digest" (Virtuoso's sparql-graph-crud-auth)
    retries: int = 2  # more tries of a request whose connection broke (PUT and DELETE are idempotent)
    _session: requests.Session | None = field(default=None, init=False, repr=False, compare=False)

    def _auth(self) -> requests.auth.AuthBase | None:
        if self.user is None:
            return None
        if self.auth == "digest":
            return requests.auth.HTTPDigestAuth(self.user, self.password or "")
        return requests.auth.HTTPBasicAuth(self.user, self.password or "")

    def _connection(self) -> requests.Session:
        """One HTTP session for the whole publish. With digest authentication it first asks
        once without a body: the store's challenge is then answered up front on every later
        request, instead of the store refusing (and cutting) a large PUT body to send its
        challenge, which a client sees as a reset connection."""
        if self._session is None:
            self._session = requests.Session()
            self._session.auth = self._auth()
            if self.auth == "digest" and self.user is not None:
                try:
                    self._session.head(self.graph_store, timeout=self.timeout)
                except requests.exceptions.RequestException:
                    pass  # the request itself says what is wrong
        return self._session

    def _fail(self, graph: str | None, what_en: str, what_ja: str, hint_en: str = "",
              hint_ja: str = "") -> StoreError:
        where = f"graph <{graph}>" if graph else "the store"
        return StoreError(Problem(
            Location(), f"ストア {self.graph_store} の{('グラフ <' + graph + '> ') if graph else ''}で失敗しました: {what_ja}",
            f"store {self.graph_store}, {where}: {what_en}",
            hint_ja or "ストアが起動しているか、URL と認証情報が正しいか確認して、もう一度 publish してください（送信済みのグラフは再送されません）。",
            hint_en or "Check that the store is up and that the URLs and credentials are right, then run publish again (graphs already sent are not sent again).",
            code="store"))

    def _request(self, method: str, graph: str, data: bytes | None = None) -> requests.Response:
        for attempt in range(self.retries + 1):
            try:
                response = self._connection().request(
                    method, self.graph_store, params={self.graph_param: graph}, data=data,
                    headers={"Content-Type": f"{NT}; charset=utf-8"} if data is not None else {},
                    timeout=self.timeout, allow_redirects=False)
                break
            except requests.exceptions.Timeout:
                raise self._fail(graph, f"no answer within {self.timeout:g} s", f"{self.timeout:g} 秒以内に応答がありません") from None
            except requests.exceptions.RequestException as exc:
                broken = isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.ChunkedEncodingError)
                if broken and attempt < self.retries:
                    time.sleep(0.5 * (attempt + 1))  # a reset or refused connection: try again
                    continue
                if isinstance(exc, requests.exceptions.ConnectionError):
                    raise self._fail(graph, f"cannot connect ({_reason(exc)})", f"接続できません（{_reason(exc)}）") from None
                raise self._fail(graph, f"request failed ({_reason(exc)})", f"要求が失敗しました（{_reason(exc)}）") from None
        if 300 <= response.status_code < 400:  # never followed: the credentials stay here
            raise self._fail(graph, f"HTTP {response.status_code}: a redirect to "
                             f"{response.headers.get('Location', '?')}",
                             f"HTTP {response.status_code}: リダイレクトされました",
                             "Give the store's final URL (redirects are not followed, so that "
                             "credentials never go to another address).",
                             "ストアの最終的な URL を指定してください（認証情報を他へ送らないよう、"
                             "リダイレクトは追跡しません）。")
        if response.status_code in (401, 403):
            raise self._fail(graph, f"HTTP {response.status_code}: not authorised",
                             f"HTTP {response.status_code}: 認証されていません",
                             "Give --user and --password (or MPLAN_STORE_PASSWORD) with write access.",
                             "書き込み権限のある --user と --password（または MPLAN_STORE_PASSWORD）を指定してください。")
        if method == "DELETE" and response.status_code == 404:
            return response
        if response.status_code >= 400:
            raise self._fail(graph, f"HTTP {response.status_code}: {response.text[:200].strip()}",
                             f"HTTP {response.status_code} が返りました")
        return response

    def put(self, graph: str, ntriples: bytes) -> None:
        self._request("PUT", graph, ntriples)

    def delete(self, graph: str) -> None:
        self._request("DELETE", graph)

    def select(self, query: str, graph: str | None = None) -> list[dict[str, str]]:
        """Rows of a SELECT, each a dict of variable → lexical value."""
        client = SparqlClient(self.query_endpoint, user=self.user, password=self.password,
                              auth=self.auth)
        client.setQuery(query)
        client.setMethod(POST)
        client.setReturnFormat(JSON)
        client.setTimeout(int(self.timeout))
        try:
            result = client.queryAndConvert()
        except Unauthorized:
            raise self._fail(graph, f"HTTP 401: not authorised at {self.query_endpoint}",
                             f"{self.query_endpoint} で認証されていません（HTTP 401）",
                             "Give --user and --password (or MPLAN_STORE_PASSWORD).",
                             "--user と --password（または MPLAN_STORE_PASSWORD）を指定してください。") from None
        except TimeoutError:
            raise self._fail(graph, f"no answer from {self.query_endpoint} within {self.timeout:g} s",
                             f"{self.query_endpoint} から {self.timeout:g} 秒以内に応答がありません") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                raise self._fail(graph, f"no answer from {self.query_endpoint} within {self.timeout:g} s",
                                 f"{self.query_endpoint} から {self.timeout:g} 秒以内に応答がありません") from None
            raise self._fail(graph, f"query failed at {self.query_endpoint} ({_reason(exc)})",
                             f"{self.query_endpoint} への問い合わせが失敗しました（{_reason(exc)}）") from None
        except http.client.IncompleteRead as exc:
            raise self._fail(graph, f"unreadable answer from {self.query_endpoint} (truncated: {_reason(exc)})",
                             f"{self.query_endpoint} の応答が途中で切れています") from None
        except (SPARQLWrapperException, http.client.HTTPException, OSError) as exc:
            raise self._fail(graph, f"query failed at {self.query_endpoint} ({_reason(exc)})",
                             f"{self.query_endpoint} への問い合わせが失敗しました（{_reason(exc)}）") from None
        except (json.JSONDecodeError, ValueError) as exc:
            raise self._fail(graph, f"unreadable answer from {self.query_endpoint} ({_reason(exc)})",
                             f"{self.query_endpoint} の応答を読めません（{_reason(exc)}）") from None
        if not isinstance(result, dict) or "results" not in result:
            raise self._fail(graph, f"unexpected answer from {self.query_endpoint}",
                             f"{self.query_endpoint} から予期しない応答がありました")
        return [{k: v["value"] for k, v in row.items()} for row in result["results"]["bindings"]]

    def count(self, graph: str) -> int:
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {_iri(graph)} {{ ?s ?p ?o }} }}", graph)
        return int(rows[0]["n"]) if rows else 0


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


def _iri(value: str) -> str:
    """An IRI as a SPARQL term, refusing characters that could end it."""
    if any(c in value for c in '<>"{}|^`\\ \n\r\t'):
        raise usage_error(f"not an IRI: {value!r}", f"IRI ではありません: {value!r}")
    return f"<{value}>"


@dataclass
class PublishPlan:
    """Per graph: the N-Triples to send and its content hash."""

    graphs: dict[str, bytes]
    hashes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.hashes = {g: hashlib.sha256(nt).hexdigest() for g, nt in self.graphs.items()}


def graphs_of_publication(publication: Path) -> dict[str, bytes]:
    """Every named graph of the publication's store, as sorted N-Triples."""
    import pyoxigraph

    store_path = publication / "store"
    if not store_path.is_dir():
        raise usage_error(f"no publication at {publication}: run planlod build first",
                          f"{publication} に公開物がありません。先に planlod build を実行してください")
    store = pyoxigraph.Store.read_only(str(store_path))
    out = {}
    for graph in sorted(store.named_graphs(), key=lambda g: g.value):
        # canonical blank node labels (RDFC-1.0), so the same graph always has the same hash
        dataset = pyoxigraph.Dataset(
            pyoxigraph.Quad(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, graph))
        dataset.canonicalize(pyoxigraph.CanonicalizationAlgorithm.RDFC_1_0)
        triples = (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in dataset)
        data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
        # split on "\n" only: U+2028, U+2029 and U+0085 stay unescaped inside literals
        lines = sorted(line for line in data.split(b"\n") if line)
        out[graph.value] = b"".join(line + b"\n" for line in lines)
    return out


@dataclass
class PublishResult:
    sent: list[str]
    deleted: list[str]
    unchanged: list[str]


def publish(store: RemoteStore, graphs: dict[str, bytes], state_graph: str,
            progress: Callable[[str], None] | None = None) -> PublishResult:
    """Bring the store up to date with ``graphs``; see the module docstring for the guarantees."""
    plan = PublishPlan(graphs)
    recorded = _recorded(store, state_graph)
    result = PublishResult([], [], [])
    for graph in sorted(plan.graphs):
        if recorded.get(graph) == plan.hashes[graph]:
            result.unchanged.append(graph)
        else:
            store.put(graph, plan.graphs[graph])
            expected = plan.graphs[graph].count(b"\n")
            got = store.count(graph)
            if got != expected:
                raise store._fail(graph, f"{got} triples after PUT, {expected} sent",
                                  f"送信 {expected} トリプルに対し {got} トリプルしかありません")
            recorded[graph] = plan.hashes[graph]
            _record(store, state_graph, recorded)
            result.sent.append(graph)
        if progress:
            progress(graph)
    for graph in sorted(set(recorded) - set(plan.graphs)):
        store.delete(graph)
        del recorded[graph]
        _record(store, state_graph, recorded)
        result.deleted.append(graph)
    return result


def _recorded(store: RemoteStore, state_graph: str) -> dict[str, str]:
    rows = store.select(
        f"SELECT ?g ?h WHERE {{ GRAPH {_iri(state_graph)} {{ ?g <{STATE_PREDICATE}> ?h }} }}", state_graph)
    return {row["g"]: row["h"] for row in rows}


def _record(store: RemoteStore, state_graph: str, recorded: dict[str, str]) -> None:
    lines = sorted(f"{_iri(g)} <{STATE_PREDICATE}> \"{h}\" ." for g, h in recorded.items())
    store.put(state_graph, "".join(line + "\n" for line in lines).encode("utf-8"))


