"""The SPARQL 1.1 Protocol at /sparql: requests in, :class:`~publisher.web.sparql.QueryJob` out.

- query by ``GET ?query=``, by ``POST`` of an ``application/x-www-form-urlencoded`` form, or by
  ``POST`` of an ``application/sparql-query`` body (UTF-8 only); ``default-graph-uri`` and
  ``named-graph-uri`` select the dataset (otherwise the default graph is the union of all
  graphs);
- updates (``update=``, ``application/sparql-update``) are refused with 403: the store is
  read-only;
- a body over ``max_body`` bytes gets 413, more than one ``query`` 400, a body of another media
  type 415;
- with no query, the endpoint answers its Service Description (or, for a browser, the query
  page).

Before any parser sees a query, the tokenizer (:mod:`publisher.web.sparql_text`) refuses
nesting deeper than ``max_query_depth`` with a 400, and a client with ``max_queries_per_client``
queries already running gets a 429.

Jobs run on a runner: a :class:`~publisher.web.pool.WorkerPool` over an on-disk store or a
remote SPARQL store (the parsers, the store's answer and the result writers all in worker
processes with a memory budget), or :class:`InlineRunner` over an in-memory store (tests; it
cannot stop a running query).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qsl

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..errors import usage_error
from ..namespaces import SD
from ..settings import Settings
from .errors import WebError
from .paths import whole_number
from .pool import Busy, Source, TimedOut, WorkerPool
from .remote_store import SparqlStore, worker_source
from .sparql import Answer, QueryJob, execute
from .sparql_text import MAX_BRACKETS, position, read_shape
from .store import OxigraphStore, Store

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
DRAIN_LIMIT = 64 * 1024 * 1024  # an oversized body is read and dropped up to this, then cut
MAX_FIELDS = 1000  # fields of a form posted to /sparql


class Runner(Protocol):
    async def run(self, job: QueryJob) -> Answer: ...
    def start(self) -> None: ...
    def close(self) -> None: ...


class InlineRunner:
    """Runs jobs in threads of the server process: for in-memory stores only. The time limit
    answers the client but cannot stop the query (pyoxigraph cannot be cancelled)."""

    def __init__(self, store: ox.Store, size: int, timeout: float):
        self._store = store
        self._timeout = timeout
        self._threads = ThreadPoolExecutor(size, thread_name_prefix="planlod-inline")

    def start(self) -> None:
        pass

    def close(self) -> None:
        pass  # the threads serve again if the app is served again

    async def run(self, job: QueryJob) -> Answer:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._threads, execute, self._store, job)
        try:
            return await asyncio.wait_for(future, self._timeout)
        except TimeoutError:
            raise TimedOut() from None


def make_runner(store: Store, settings: Settings) -> Runner:
    """Worker processes when the store is on disk or remote; threads for an in-memory
    Oxigraph store."""
    timeout = settings.query_timeout
    if store.location is not None:
        source = Source(path=str(store.location), memory_mb=memory_budget_mb(settings))
    elif isinstance(store, SparqlStore):
        source = worker_source(store, settings, memory_budget_mb(settings))
        timeout += 1  # the HTTP timeout to the store comes first, and says so
    elif isinstance(store, OxigraphStore):
        return InlineRunner(store._store, settings.max_concurrent_queries, settings.query_timeout)
    else:
        raise TypeError(f"no SPARQL runner for {type(store).__name__}")
    return WorkerPool(source, settings.max_concurrent_queries, timeout, settings.query_queue_wait)


def machine_memory_mb() -> int | None:
    """This machine's memory in MB, or the container's limit (cgroup v2) when that is lower."""
    try:
        total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    except (ValueError, OSError, AttributeError):
        return None
    for limit in _cgroup_limits():
        total = min(total, limit // (1024 * 1024))
    return total


def _cgroup_limits() -> list[int]:
    """The memory limits (bytes) of this process's cgroup and of its parents: cgroup v2
    (``memory.max``) and v1 (``memory.limit_in_bytes``)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    places = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            places.append((Path("/sys/fs/cgroup"), path, "memory.max"))
        elif "memory" in controllers.split(","):
            places.append((Path("/sys/fs/cgroup/memory"), path, "memory.limit_in_bytes"))
    out = []
    for root, path, name in places:
        folder = root / path.lstrip("/")
        for f in [folder, *folder.parents]:
            if not f.is_relative_to(root):
                break
            try:
                value = (f / name).read_text().strip()
            except OSError:
                continue
            if value.isdigit():
                out.append(int(value))
    return out


def memory_budget_mb(settings: Settings) -> int:
    """Each /sparql worker's address space in MB: ``query_memory_mb`` if set, else 2048 MB or,
    on a smaller machine, an equal share of three quarters of it but at least 1024 MB (a
    worker needs several hundred MB of address space before its first query). Refused when
    the workers together would pass three quarters of the machine's memory."""
    total = machine_memory_mb()
    workers = max(1, settings.max_concurrent_queries)
    budget = settings.query_memory_mb
    if budget is None:  # 2048 MB, or a share of a smaller machine, but never under 1024 MB
        budget = max(1024, min(2048, total * 3 // 4 // workers)) if total else 2048
    if total and budget and workers * budget > total * 3 // 4:
        raise usage_error(
            f"{workers} query workers × {budget} MB (--max-concurrent-queries × --query-memory) "
            f"is more than three quarters of this machine's {total:,} MB: lower one of them.",
            f"クエリ処理プロセス {workers} 個 × {budget} MB が、このマシンのメモリ"
            f" {total:,} MB の 4 分の 3 を超えます。どちらかを下げてください。")
    return budget


class ClientSlots:
    """At most ``limit`` queries running at once per client address: one client cannot hold
    every worker (behind a proxy listed in ``forwarded_allow_ips``, the address is the one its
    X-Forwarded-For names)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._running: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, client: str) -> AsyncIterator[None]:
        if self.limit > 0 and self._running.get(client, 0) >= self.limit:
            raise WebError(429, "too_many_queries",
                           f"You already have {self.limit} queries running here; wait for one "
                           "to finish.",
                           f"同時に実行できるクエリは 1 利用者あたり {self.limit} 件までです。"
                           "実行中のクエリが終わるのを待ってください。", {"Retry-After": "2"})
        self._running[client] = self._running.get(client, 0) + 1
        try:
            yield
        finally:
            left = self._running[client] - 1
            if left:
                self._running[client] = left
            else:
                del self._running[client]


def _media_type(request: Request) -> tuple[str | None, dict[str, str]]:
    raw = request.headers.get("content-type")
    if raw is None:
        return None, {}
    parts = [p.strip() for p in raw.split(";")]
    params = {}
    for p in parts[1:]:
        name, _, value = p.partition("=")
        params[name.strip().lower()] = value.strip().strip('"').lower()
    return parts[0].lower(), params


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or 413 when it is longer than ``limit`` bytes."""
    too_big = WebError(413, "body_too_large",
                       f"The request body is larger than {limit} bytes.",
                       f"リクエスト本文が上限 {limit} バイトを超えています。")
    length = whole_number(request.headers.get("content-length", ""))
    if length is not None and length > limit:
        if length <= DRAIN_LIMIT:
            async for _ in request.stream():  # read it so the client can read our answer
                pass
        raise too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > DRAIN_LIMIT:
            break
        if size <= limit:
            chunks.append(chunk)
    if size > limit:
        raise too_big
    return b"".join(chunks)


def _bad(code: str, en: str, ja: str, status: int = 400) -> WebError:
    return WebError(status, code, en, ja)


READ_ONLY = WebError(403, "read_only",
                     "This endpoint is read-only: SPARQL Update is not accepted.",
                     "このエンドポイントは読み取り専用です。SPARQL Update は受け付けません。")


async def read_job(request: Request, settings: Settings, accept: str | None,
                   override: str | None) -> QueryJob | None:
    """The query job of a protocol request, or ``None`` when it asks no query."""
    params = list(request.query_params.multi_items())
    direct: str | None = None
    if request.method == "POST":
        mtype, mparams = _media_type(request)
        if mtype is None:
            raise _bad("missing_content_type",
                       f"A POST to /sparql needs a Content-Type: {FORM} or {SPARQL_QUERY}.",
                       f"/sparql への POST には Content-Type（{FORM} か {SPARQL_QUERY}）が必要です。")
        if mtype == SPARQL_UPDATE:
            raise READ_ONLY
        if mtype not in (FORM, SPARQL_QUERY):
            raise _bad("unsupported_media_type",
                       f"Unsupported Content-Type {mtype}; use {FORM} or {SPARQL_QUERY}.",
                       f"Content-Type {mtype} は使えません。{FORM} か {SPARQL_QUERY} を使ってください。",
                       415)
        charset = mparams.get("charset", "utf-8")
        if charset not in ("utf-8", "utf8"):
            raise _bad("charset", f"Only UTF-8 is accepted, not {charset}.",
                       f"文字コードは UTF-8 だけを受け付けます（{charset} は不可）。", 415)
        body = await read_body(request, settings.max_body)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise _bad("encoding", "The request body is not valid UTF-8.",
                       "リクエスト本文が正しい UTF-8 ではありません。") from None
        if mtype == FORM:
            if text.count("&") >= MAX_FIELDS:
                raise _bad("too_many_fields", f"The form has more than {MAX_FIELDS} fields.",
                           f"フォームの項目が {MAX_FIELDS} を超えています。")
            try:
                params += parse_qsl(text, keep_blank_values=True, encoding="utf-8",
                                    errors="strict")
            except (UnicodeDecodeError, ValueError):
                raise _bad("encoding", "The form is not valid UTF-8 URL-encoded data.",
                           "フォームの内容が正しい UTF-8 の URL エンコードではありません。") from None
        else:
            direct = text
    if any(name in ("update", "using-graph-uri", "using-named-graph-uri") for name, _ in params):
        raise READ_ONLY
    queries = [v for k, v in params if k == "query"]
    if direct is not None:
        if queries:
            raise _bad("multiple_queries", "Give the query once: in the body or as query=, not both.",
                       "クエリは本文か query= のどちらか一方で一度だけ指定してください。")
        queries = [direct]
    if not queries:
        return None
    if len(queries) > 1:
        raise _bad("multiple_queries", "More than one query= parameter.",
                   "query= が複数あります。")
    query = queries[0]
    if len(query.encode("utf-8")) > settings.max_body:
        raise WebError(413, "query_too_large", f"The query is longer than {settings.max_body} bytes.",
                       f"クエリが上限 {settings.max_body} バイトを超えています。")

    def graphs(name: str) -> tuple[str, ...] | None:
        values = [v for k, v in params if k == name]
        for v in values:
            try:
                ox.NamedNode(v)
            except ValueError:
                raise _bad("bad_graph", f"{name} is not an IRI: {v!r}",
                           f"{name} が IRI ではありません: {v!r}") from None
        return tuple(values) if values else None

    default_graphs, named_graphs = graphs("default-graph-uri"), graphs("named-graph-uri")
    base = str(request.url.replace(query="", fragment="")).rstrip("?")
    return await run_in_threadpool(  # a long query takes a while to tokenize: not on the loop
        checked_job, query, settings, accept=accept, override=override,
        default_graphs=default_graphs, named_graphs=named_graphs, base_iri=base)


def checked_job(query: str, settings: Settings, *, accept: str | None = None,
                override: str | None = None, default_graphs: tuple[str, ...] | None = None,
                named_graphs: tuple[str, ...] | None = None,
                base_iri: str | None = None) -> QueryJob:
    """The job of ``query`` with the settings' limits; nesting over ``max_query_depth`` is
    refused here, before any parser can see it (deep nesting can crash a parser)."""
    shape = read_shape(query, settings.max_query_depth)
    if shape.deep_at is not None:
        line, col = position(query, shape.deep_at)
        if shape.too_many_brackets:
            raise WebError(
                400, "too_deep",
                f"The query holds more than {MAX_BRACKETS:,} brackets, braces and parentheses "
                f"(line {line}, column {col}); split it, or use VALUES with one variable.",
                f"クエリの括弧が {MAX_BRACKETS:,} 個を超えています（{line} 行 {col} 文字目）。"
                "分割するか、変数 1 つの VALUES を使ってください。")
        limit = settings.max_query_depth
        raise WebError(
            400, "too_deep",
            f"The query nests brackets, braces or parentheses more than {limit} deep (line "
            f"{line}, column {col}); write it flatter.",
            f"クエリの括弧の入れ子が {limit} 段を超えています（{line} 行 {col} 文字目）。"
            "入れ子を浅くしてください。")
    return QueryJob(query, accept=accept, override=override, default_graphs=default_graphs,
                    named_graphs=named_graphs, base_iri=base_iri, shape=shape,
                    max_rows=settings.max_rows, max_bytes=settings.max_result_bytes)


async def run_job(runner: Runner, job: QueryJob, settings: Settings, slots: ClientSlots | None = None,
                  client: str = "") -> Answer:
    """Run ``job``; a busy pool or the time limit become 503 errors, a refused query 4xx."""
    try:
        async with slots.hold(client) if slots else contextlib.nullcontext():
            answer = await runner.run(job)
    except Busy:
        raise WebError(503, "busy",
                       f"All {settings.max_concurrent_queries} query workers are busy; try again "
                       "in a moment.",
                       f"クエリ処理が混み合っています（同時実行の上限 {settings.max_concurrent_queries}）。"
                       "少し待ってから再度お試しください。", {"Retry-After": "2"}) from None
    except TimedOut:
        raise WebError(503, "timeout",
                       f"The query ran longer than {settings.query_timeout:g} s and was stopped. "
                       "Narrow it (LIMIT, more specific patterns) or download the dumps.",
                       f"クエリの実行時間が上限 {settings.query_timeout:g} 秒を超えたため停止しました。"
                       "条件を絞る（LIMIT など）か、ダンプをダウンロードしてください。") from None
    if answer.status >= 400:
        raise WebError(answer.status, answer.code, answer.message_en, answer.message_ja)
    return answer


def service_description(endpoint: str, settings: Settings) -> list[ox.Triple]:
    """The SPARQL 1.1 Service Description of this endpoint."""
    sd = str(SD)
    me = ox.BlankNode("service")
    ds = ox.BlankNode("dataset")
    dg = ox.BlankNode("defaultGraph")

    def t(s: object, p: str, o: object) -> ox.Triple:
        return ox.Triple(s, ox.NamedNode(p), o)  # type: ignore[arg-type]

    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    out = [
        t(me, rdf_type, ox.NamedNode(sd + "Service")),
        t(me, sd + "endpoint", ox.NamedNode(endpoint)),
        t(me, sd + "supportedLanguage", ox.NamedNode(sd + "SPARQL11Query")),
        t(me, sd + "feature", ox.NamedNode(sd + "UnionDefaultGraph")),
        t(me, sd + "defaultDataset", ds),
        t(ds, rdf_type, ox.NamedNode(sd + "Dataset")),
        t(ds, sd + "defaultGraph", dg),
        t(dg, rdf_type, ox.NamedNode(sd + "Graph")),
        t(me, "http://purl.org/dc/terms/description", ox.Literal(
            f"Read-only. Default graph: the union of all named graphs, unless the request "
            f"(default-graph-uri) or the query (FROM) names a dataset. SERVICE is refused. "
            f"Time limit {settings.query_timeout:g} s, at most {settings.max_rows} rows "
            f"(X-SPARQL-Truncated: true when cut), {settings.max_concurrent_queries} queries at "
            "once.", language="en")),
        t(me, "http://purl.org/dc/terms/description", ox.Literal(
            f"読み取り専用。既定グラフは全名前付きグラフの和（リクエストの default-graph-uri か"
            f"クエリの FROM があればその指定どおり）。SERVICE は使えません。実行時間の上限 "
            f"{settings.query_timeout:g} 秒、最大 {settings.max_rows} 行（打ち切り時は "
            f"X-SPARQL-Truncated: true）、同時実行 {settings.max_concurrent_queries} 件まで。",
            language="ja")),
    ]
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                "SPARQL_Results_TSV", "Turtle", "N-Triples", "RDF_XML", "JSON-LD"):
        out.append(t(me, sd + "resultFormat", ox.NamedNode(f"http://www.w3.org/ns/formats/{fmt}")))
    return out
