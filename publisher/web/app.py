"""The web app: :func:`create_app` builds it from one :class:`~publisher.settings.Settings`.

It holds nothing but its store handle (and the worker pool that reads the same store), so any
number of copies can run side by side behind a load balancer.

>>> from publisher.settings import Settings
>>> import pyoxigraph as ox
>>> from publisher.web.store import OxigraphStore
>>> app = create_app(Settings(), OxigraphStore(ox.Store()))
>>> sorted({r.path for r in app.routes} & {"/sparql", "/query", "/"})
['/', '/query', '/sparql']
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import usage_error
from ..publish.views import VIEWS_FILE
from ..settings import Settings
from . import api, routes
from .conneg import HTML, Offer, negotiate
from .endpoint import ClientSlots, make_runner
from .errors import WebError
from .examples import load_examples
from .follow import Fixed, Following, FollowRelease
from .pagecache import PageCache
from .paths import Paths
from .remote_store import SparqlStore
from .renderers.html import HtmlRenderer
from .routes import Web
from .service import Site
from .service.index import open_views
from .store import OxigraphStore, Store

log = logging.getLogger("planlod.serve")
STATIC = Path(__file__).resolve().parent / "static"
JSON = Offer("json", "application/json")
EXPOSED = ["ETag", "Last-Modified", "Link", "Content-Location", "Retry-After",
           "X-SPARQL-Truncated", "X-SPARQL-Max-Rows", "X-SPARQL-Max-Bytes"]
REASONS = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
           406: "not_acceptable", 413: "body_too_large", 415: "unsupported_media_type"}


def open_publication(settings: Settings) -> Store:
    """The store of the publication: the SPARQL endpoint ``settings.sparql_endpoint`` if set,
    else the embedded store at ``settings.out`` (a clear error if there is none)."""
    if settings.sparql_endpoint:
        return SparqlStore(settings.sparql_endpoint, base=settings.base, user=settings.store_user,
                           password=settings.store_password, auth=settings.store_auth,
                           timeout=settings.query_timeout)
    return OxigraphStore.open(publication_folder(settings) / "store")


def publication_folder(settings: Settings) -> Path:
    """The release ``settings.out`` points at now, or a clear error if there is none."""
    release = settings.out.resolve()
    if not (release / "store").is_dir():
        raise usage_error(
            f"There is no publication at {settings.out}: run `planlod build` first.",
            f"{settings.out} に公開物がありません。先に `planlod build` を実行してください。")
    return release


def release_base(settings: Settings) -> str | None:
    """The base IRI the publication at ``settings.out`` was built with (its ``build-info.json``),
    or None when it does not say."""
    info = settings.out.resolve() / "build-info.json"
    try:
        base = json.loads(info.read_text(encoding="utf-8")).get("base")
    except (OSError, ValueError, AttributeError):
        return None
    return base if isinstance(base, str) and base else None


def settle_base(settings: Settings, given: str | None) -> None:
    """Serve with the base the release was built with: ``given`` (``--base``) wins, with a
    warning when it differs, since then no IRI of the release is served."""
    built = release_base(settings)
    if built is None:
        return
    if given is None:
        settings.base = built
    elif Paths(given).base != Paths(built).base:
        log.warning("--base %s differs from the base the publication was built with (%s): its IRIs "
                    "will not be found / --base が公開物のビルド時のベースと違います", given, built)


def create_app(settings: Settings, store: Store | None = None) -> Starlette:
    """The ASGI app serving ``store`` (default: the publication at ``settings.out``, followed
    to each new release that ``planlod build`` publishes there; see :mod:`.follow`)."""
    shared = _Shared(Paths(settings.base), HtmlRenderer(settings), load_examples(),
                     ClientSlots(settings.max_queries_per_client))
    releases: Fixed | Following
    if store is not None or settings.sparql_endpoint:
        releases = Fixed(open_web(settings, store or open_publication(settings), shared))
    else:
        publication_folder(settings)  # a clear error now if there is none
        releases = Following(settings.out, lambda folder: open_web(
            settings, OxigraphStore.open(folder / "store"), shared))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await run_in_threadpool(releases.start)
        try:
            yield
        finally:
            releases.close()

    app = Starlette(
        routes=[
            Route("/", routes.home, methods=["GET"]),
            Route("/sparql", routes.sparql, methods=["GET", "POST"]),
            Route("/query", routes.query_page, methods=["GET"]),
            Route("/query/terms.json", routes.query_terms, methods=["GET"]),
            Route("/search", routes.search, methods=["GET"]),
            Route("/search.csv", routes.search, methods=["GET"]),
            Route("/search.json", routes.search, methods=["GET"]),
            Route("/compare", routes.compare, methods=["GET"]),
            Route("/compare.csv", routes.compare, methods=["GET"]),
            Route("/compare.json", routes.compare, methods=["GET"]),
            Route("/lang", routes.choose_lang, methods=["GET"]),
            Route("/coverage", routes.coverage, methods=["GET"]),
            Route("/coverage.csv", routes.coverage, methods=["GET"]),
            Route("/coverage.json", routes.coverage, methods=["GET"]),
            Route("/downloads/", routes.downloads_index, methods=["GET"]),
            Route("/downloads/{path:path}", routes.download, methods=["GET"]),
            Route("/.well-known/void", routes.void, methods=["GET"]),
            Route("/sitemap.xml", routes.sitemap, methods=["GET"]),
            Route("/robots.txt", routes.robots, methods=["GET"]),
            Route("/favicon.ico", routes.favicon, methods=["GET"]),
            Route("/healthz", routes.health, methods=["GET"]),
            *api.ROUTES,
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            Route("/{path:path}", routes.resource, methods=["GET"]),
        ],
        middleware=[Middleware(NoSniff), Middleware(FollowRelease, releases=releases),
                    Middleware(CORSMiddleware, allow_origins=["*"],
                               allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                               allow_headers=["*"], expose_headers=EXPOSED, max_age=86400)],
        exception_handlers={Exception: handle_error, HTTPException: handle_error,
                            WebError: handle_error},
        lifespan=lifespan,
    )
    app.state.releases = releases
    return app


@dataclass(frozen=True)
class _Shared:
    """What every release's :class:`Web` shares: the per-client query slots above all, which
    must count a client's queries whatever release they run on."""

    paths: Paths
    html: HtmlRenderer
    examples: list
    slots: ClientSlots


def open_web(settings: Settings, store: Store, shared: _Shared) -> Web:
    """What the routes use to answer from one release (its store, worker pool, downloads)."""
    release = store.location.parent if store.location is not None else settings.out.resolve()
    downloads = release / "downloads"
    # the views of the release served; a remote store's are those of the publication at --out,
    # as its downloads are (a store given without a location has none: search asks the store)
    views = open_views(release / VIEWS_FILE, settings.search_timeout) if store.location is not None or settings.sparql_endpoint else None
    return Web(settings=settings, store=store, paths=shared.paths,
               site=Site(store, shared.paths, settings.catalog_page_size, views), html=shared.html,
               runner=make_runner(store, settings),
               downloads=downloads if downloads.is_dir() else None, examples=shared.examples,
               slots=shared.slots, pages=PageCache(settings.page_cache_bytes))


class NoSniff:
    """``X-Content-Type-Options: nosniff`` on every response (results, RDF, downloads, errors
    echo client strings; a browser must never guess them to be HTML)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, send_with_header)


async def handle_error(request: Request, exc: Exception) -> Response:
    """The one error handler: one JSON shape, or the same fields on a page for a browser."""
    if isinstance(exc, WebError):
        err = exc
    elif isinstance(exc, HTTPException):
        code = REASONS.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else code
        err = WebError(exc.status_code, code, detail, detail, dict(exc.headers or {}))
    else:
        log.error("internal error on %s %s: %r", request.method, request.url.path, exc,
                  exc_info=exc)
        err = WebError(500, "internal", "Internal error; it has been logged.",
                       "内部エラーが発生しました（記録済みです）。")
    offer = negotiate((JSON, HTML), request.headers.get("accept"))
    if offer is HTML and request.method in ("GET", "HEAD"):
        try:
            body = routes.web_of(request).html.render(
                "error.html", lang=routes.lang_of(request), path=request.url.path,
                query=dict(request.query_params), err=err, alternates=[])
            return Response(body, err.status, media_type=routes.HTML_TYPE,
                            headers={**routes.SECURITY, **err.headers})
        except Exception:  # never let the error page hide the error
            log.exception("error page failed")
    # a 500 comes through Starlette's outermost middleware, outside NoSniff
    return JSONResponse(err.body(), err.status,
                        headers={**err.headers, "X-Content-Type-Options": "nosniff"})
