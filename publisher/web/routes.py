"""Thin routes: read the request, ask the service, hand the answer to a renderer.

Page routes are plain functions (Starlette runs them in its thread pool, so a page never waits
on the event loop); /sparql and /query are coroutines that wait on the worker pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from ..formats import FORMATS, by_extension
from ..settings import Settings
from .conneg import HTML, RDF_OFFERS, SELECT_OFFERS, Offer, negotiate, rdf_offers
from .endpoint import ClientSlots, Runner, checked_job, read_job, run_job, service_description
from .errors import WebError, not_acceptable, not_found
from .examples import Example
from .follow import SCOPE_KEY
from .i18n import LANGS, accepted_lang
from .locator import Locator, municipality_filter, prefecture_filter, search_filters
from .pagecache import PageCache
from .paths import Paths, whole_number
from .renderers import RDF_RENDERERS
from .renderers.coverage import COVERAGE_RENDERERS
from .renderers.html import HtmlRenderer
from .renderers.views import COMPARE_RENDERERS, SEARCH_RENDERERS
from .responses import media_type_header, not_modified, representation
from .service import Site
from .service.index import SearchTooBroad
from .service.links import BASES
from .sparql import TRUNCATED_HEADER, Answer
from .store import Store

HTML_TYPE = "text/html; charset=utf-8"
SECURITY = {"X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
                                       "style-src 'self'; script-src 'self'; frame-ancestors 'none'",
            "Referrer-Policy": "same-origin"}
PAGE_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"
DEFAULT_EXAMPLE = "elements-by-level"  # the query page's query on a first visit
VIEW_OFFERS = (HTML, Offer("json", "application/json"), Offer("csv", "text/csv"))
"""A view of many things (/coverage, /search, /compare): a page, or its data as JSON or CSV."""
LANG_COOKIE = "lang"  # the remembered language, set by /lang
LANG_COOKIE_AGE = 365 * 24 * 3600


@dataclass
class Web:
    """What the routes use to answer from one release; made by :func:`publisher.web.app.open_web`
    for each release the server follows."""

    settings: Settings
    store: Store
    paths: Paths
    site: Site
    html: HtmlRenderer
    runner: Runner
    downloads: Path | None
    examples: list[Example]
    slots: ClientSlots
    pages: PageCache


def web_of(request: Request) -> Web:
    """The release this request is answered from (see :mod:`publisher.web.follow`)."""
    return request.scope.get(SCOPE_KEY) or request.app.state.releases.current


def client_of(request: Request) -> str:
    """The client's address (what the per-client query limit counts)."""
    return request.client.host if request.client else ""


def lang_of(request: Request) -> str:
    """The page's language: ``?lang=``, else the remembered choice (the cookie /lang sets),
    else the browser's ``Accept-Language``, else Japanese."""
    for chosen in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if chosen in LANGS:
            return chosen
    return accepted_lang(request.headers.get("accept-language")) or "ja"


def _not_modified(request: Request, variant: str,
                  vary: bool = True) -> tuple[Response | None, dict[str, str]]:
    """:func:`~.responses.not_modified` for this request's release; a page (``html``) has an
    ETag per language and varies by what chooses it."""
    lang = lang_of(request) if variant == "html" else None
    return not_modified(request, web_of(request).store.release, variant, vary, lang=lang)


def _cached_page(request: Request, variant: str) -> Response | None:
    """This representation from the release's page cache (a 304 if the client's copy is
    current), or None: then the route renders it, and :func:`cached_page` keeps it."""
    web = web_of(request)
    key = (representation(request, variant, lang_of(request) if variant == "html" else None),
           str(request.base_url),  # some pages hold absolute links to the address asked
           web.store.release.id)  # a remote store moves to a new release under the same Web
    page = web.pages.get(key)
    if page is None:
        request.state.page_key = key
        return None
    return _not_modified(request, variant)[0] or page


def cached_page(route: Callable[[Request], Response]) -> Callable[[Request], Response]:
    """A route whose answers are kept in the release's page cache: what it rendered after
    :func:`_cached_page` missed, if it is a success (never an error)."""
    @wraps(route)
    def answer(request: Request) -> Response:
        response = route(request)
        key = getattr(request.state, "page_key", None)
        if key is not None and response.status_code == 200:
            web_of(request).pages.put(key, response)
        return response
    return answer


def html_page(request: Request, template: str, headers: dict[str, str] | None = None,
              status: int = 200, **context: object) -> Response:
    web = web_of(request)
    body = web.html.render(template, lang=lang_of(request), path=request.url.path,
                           query=dict(request.query_params), settings=web.settings, **context)
    return Response(body, status, media_type=HTML_TYPE, headers={**SECURITY, **(headers or {})})


def _bases(request: Request) -> tuple[str, ...]:
    wanted = tuple(b for b in request.query_params.getlist("basis") if b in BASES)
    return wanted or BASES


def _link_root(request: Request, web: Web) -> str | None:
    """Where the catalog's links should point for this client: this site as the client
    addressed it, or None (the base's own IRIs) on a production host."""
    if request.url.hostname in web.settings.production_hosts:
        return None
    return str(request.base_url)


def _page_number(request: Request) -> int | None:
    raw = request.query_params.get("page")
    if raw is None:
        return None
    page = whole_number(raw)
    if page is None or page < 1:
        raise WebError(400, "bad_page", "page must be a positive whole number.",
                       "page には 1 以上の整数を指定してください。")
    return page


def _alternates(stem: str, query: str) -> list[dict[str, str]]:
    suffix = f"?{query}" if query else ""
    out = [{"key": "html", "media_type": "text/html", "href": stem + suffix}]
    for f in FORMATS:
        out.append({"key": f.extension, "media_type": f.media_type,
                    "href": f"{stem}.{f.extension}{suffix}"})
    return out


def _link_header(alternates: list[dict[str, str]]) -> str:
    return ", ".join(f'<{a["href"]}>; rel="alternate"; type="{a["media_type"]}"' for a in alternates)


# --- linked data ---------------------------------------------------------------------------

@cached_page
def resource(request: Request) -> Response:
    """Any IRI under the base, the ontology namespace, or an SDG: page or RDF by negotiation."""
    web = web_of(request)
    path = request.url.path
    if path.startswith("/id/"):
        # one leading slash: "//host/x" would send the browser to another site
        target = "/" + path[len("/id"):].lstrip("/\\")
        return RedirectResponse(target + (f"?{request.url.query}" if request.url.query else ""), 301)
    stem, ext = Paths.split_extension(path)
    offers = rdf_offers(html=True)
    offer = negotiate(offers, request.headers.get("accept"),
                      request.query_params.get("_mediatype") or ext)
    if offer is not None and (page := _cached_page(request, offer.key)) is not None:
        return page  # only what was answered with success is cached: no checks to repeat
    iri = web.paths.iri(stem)
    kind = web.site.kind(iri)
    if kind is None:
        raise not_found()
    if offer is None:
        raise not_acceptable([o.media_type for o in offers])
    page = _page_number(request) if kind in ("catalog", "target") else None
    munis = municipality_filter(request, web.paths) if kind == "target" else ()
    if kind == "catalog" and page is not None and page > web.site.catalog_pages():
        raise not_found(f" (page {page})")
    cached, headers = _not_modified(request, offer.key)
    if cached is not None:
        return cached
    query = urlencode([(k, v) for k, v in request.query_params.multi_items()
                       if k not in ("_mediatype", "lang")])
    alternates = _alternates(stem, query)
    headers["Link"] = _link_header(alternates)
    headers["Content-Location"] = stem + ("" if offer.key == "html" else f".{offer.key}")
    if offer.key != "html":
        body = RDF_RENDERERS[offer.key](web.site.triples(kind, iri, page, _link_root(request, web), ext))
        return Response(body, media_type=media_type_header(offer.media_type), headers=headers)
    data = web.site.page(kind, iri, page=page or 1, bases=_bases(request), munis=munis)
    if kind == "target" and data["page"] > data["pages"]:
        raise not_found(f" (page {page})")
    props = web.site.properties(iri) if kind not in ("ontology",) else []
    return html_page(request, f"{kind}.html", headers, d=data, props=props, kind=kind, iri=iri,
                     alternates=alternates, data_path=stem,
                     provenance=data.get("provenance"))


@cached_page
def home(request: Request) -> Response:
    web = web_of(request)
    if (page := _cached_page(request, "html")) is not None:
        return page
    cached, headers = _not_modified(request, "html")
    if cached is not None:
        return cached
    # the examples are absolute URLs, for the host the client asked, so they can be pasted
    return html_page(request, "home.html", headers, d=web.site.home(),
                     alternates=_alternates("/catalog", ""), examples=web.examples,
                     root=str(request.base_url).rstrip("/"))


def _view(request: Request) -> tuple[Offer, list[dict[str, str]], Response | None, dict[str, str]]:
    """A view offered as a page, JSON and CSV (by ``Accept``, ``?_mediatype=`` or the path's
    extension: ``/search.csv?q=…``): the chosen offer, the alternates (the same query at each
    extension), a 304 if the client's copy is current, and the caching headers with ``Link``
    and ``Content-Location``."""
    stem, _, ext = request.url.path.partition(".")
    offer = negotiate(VIEW_OFFERS, request.headers.get("accept"),
                      request.query_params.get("_mediatype") or ext or None)
    if offer is None:
        raise not_acceptable([o.media_type for o in VIEW_OFFERS])
    query = urlencode([(k, v) for k, v in request.query_params.multi_items()
                       if k not in ("_mediatype", "lang")])
    suffix = f"?{query}" if query else ""
    alternates = [{"key": o.key, "media_type": o.media_type,
                   "href": stem + ("" if o.key == "html" else f".{o.key}") + suffix}
                  for o in VIEW_OFFERS]
    cached, headers = _not_modified(request, offer.key)
    cached = _cached_page(request, offer.key) or cached
    headers["Link"] = _link_header(alternates)
    headers["Content-Location"] = next(a["href"] for a in alternates if a["key"] == offer.key)
    return offer, alternates, cached, headers


def _data(body: bytes, offer: Offer, headers: dict[str, str]) -> Response:
    return Response(body, media_type=media_type_header(offer.media_type), headers=headers)


@cached_page
def compare(request: Request) -> Response:
    """/compare: municipalities × SDGs and × policy domains, as a page (two grids), JSON or CSV."""
    web = web_of(request)
    offer, alternates, cached, headers = _view(request)
    if cached is not None:
        return cached
    data = web.site.compare(_bases(request), prefecture_filter(request))
    if offer.key != "html":
        body = COMPARE_RENDERERS[offer.key](data, Locator(request, web.paths))
        return _data(body, offer, headers)
    example = next((e for e in web.examples if e.name == "domain-links"), None)
    return html_page(request, "compare.html", headers, d=data, example=example,
                     alternates=alternates)


@cached_page
def coverage(request: Request) -> Response:
    """/coverage: which municipalities have a plan, as a page (map, counts by prefecture, plans
    by the year they end), JSON or CSV."""
    web = web_of(request)
    offer, alternates, cached, headers = _view(request)
    if cached is not None:
        return cached
    data = web.site.coverage()
    if offer.key != "html":
        return _data(COVERAGE_RENDERERS[offer.key](data), offer, headers)
    example = next((e for e in web.examples if e.name == "coverage"), None)
    return html_page(request, "coverage.html", headers, d=data, example=example,
                     alternates=alternates)


@cached_page
def search(request: Request) -> Response:
    """/search?q=: resources whose name contains ``q``, as a page, JSON or CSV."""
    web = web_of(request)
    offer, alternates, cached, headers = _view(request)
    if cached is not None:
        return cached
    try:
        data = web.site.search(request.query_params.get("q", "")[:200], search_filters(request),
                               _page_number(request) or 1)
    except SearchTooBroad:
        raise WebError(503, "search_timeout",
                       "This search matches too much to rank and count in time: use a longer word, "
                       "or narrow it by prefecture, municipality, level or SDG.",
                       "検索に一致する項目が多すぎて、時間内に順位付けと集計ができませんでした。"
                       "語を長くするか、都道府県・市区町村・階層・SDGで絞り込んでください。") from None
    data["links"] = _search_links(request, data)
    if offer.key != "html":
        return _data(SEARCH_RENDERERS[offer.key](data, Locator(request, web.paths)), offer, headers)
    return html_page(request, "search.html", headers, d=data, alternates=alternates)


def _search_links(request: Request, data: dict) -> dict[str, str | None]:
    """The paths of /search's previous and next pages, and of each facet value chosen or
    dropped (the same query otherwise, back on its first page)."""
    stem = request.url.path
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "lang")]

    def at(params: list[tuple[str, str]]) -> str:
        return f"{stem}?{urlencode(params)}"

    page = data["page"]
    links: dict[str, str | None] = {
        "next": at([*kept, ("page", str(page + 1))]) if data["more"] else None,
        "previous": at([*kept, ("page", str(page - 1))]) if page > 1 else None}
    for name, values in data["facets"].items():
        others = [(k, v) for k, v in kept if k != name]
        links[name] = at(others)  # the facet dropped
        for f in values:
            f["href"] = at([*others, (name, f["value"])])
    return links


def choose_lang(request: Request) -> Response:
    """/lang?to=en&next=/path: remember the language in a cookie and go back to ``next``, a
    path on this site (anything else, such as ``//host`` or ``https://…``, is refused)."""
    to = request.query_params.get("to")
    if to not in LANGS:
        raise WebError(400, "bad_parameter", f"to: must be one of {', '.join(LANGS)}.",
                       f"to: {'、'.join(LANGS)} のいずれかを指定してください。")
    target = local_path(request.query_params.get("next") or "/")
    if target is None:
        raise WebError(400, "bad_parameter", "next: must be a path on this site, such as /compare.",
                       "next: このサイトのパス（例: /compare）を指定してください。")
    response = RedirectResponse(target, 303, headers={"Cache-Control": "no-store"})
    response.set_cookie(LANG_COOKIE, to, max_age=LANG_COOKIE_AGE, path="/", httponly=True,
                        samesite="lax")
    return response


def local_path(target: str) -> str | None:
    r"""``target`` if it is a path on this site, else None (no open redirect).

    >>> local_path("/plan/x?lang=en"), local_path("//evil.example/"), local_path("/\\evil")
    ('/plan/x?lang=en', None, None)
    >>> local_path("https://evil.example/"), local_path("plan"), local_path("/a\nb")
    (None, None, None)
    """
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


# --- SPARQL ---------------------------------------------------------------------------------

async def sparql(request: Request) -> Response:
    """The SPARQL 1.1 Protocol endpoint."""
    web = web_of(request)
    accept = request.headers.get("accept")
    override = request.query_params.get("_mediatype")
    job = await read_job(request, web.settings, accept, override)
    if job is None:  # no query: the service description, or the query page for a browser
        offer = negotiate(RDF_OFFERS + (HTML,), accept, override)
        if offer is None:
            raise not_acceptable([o.media_type for o in RDF_OFFERS])
        if offer.key == "html":
            return await query_page(request)
        endpoint = str(request.url.replace(query="", fragment="")).rstrip("?")
        body = RDF_RENDERERS[offer.key](service_description(endpoint, web.settings))
        return Response(body, media_type=media_type_header(offer.media_type),
                        headers={"Vary": "Accept"})
    if request.method == "GET":
        choice = negotiate(SELECT_OFFERS + RDF_OFFERS + (HTML,), accept, override)
        if choice is not None and choice.key == "html":
            return RedirectResponse("/query?" + urlencode({"query": job.query}), 303)
    answer = await run_job(web.runner, job, web.settings, web.slots, client_of(request))
    headers = {**answer.headers, "Vary": "Accept", "Cache-Control": "no-store"}
    return Response(answer.body, answer.status, media_type=media_type_header(answer.media_type),
                    headers=headers)


def _table(answer: Answer) -> dict:
    """A query answer as columns and rows of terms, for the query page."""
    if answer.media_type.startswith("application/sparql-results+json"):
        doc = json.loads(answer.body)
        if "boolean" in doc:
            return {"kind": "ask", "boolean": doc["boolean"], "vars": [], "rows": []}
        variables = doc["head"]["vars"]
        rows = [[row.get(v) for v in variables] for row in doc["results"]["bindings"]]
        return {"kind": "select", "boolean": None, "vars": variables, "rows": rows}
    rows = []
    for t in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES):
        rows.append([_json_term(t.subject), _json_term(t.predicate), _json_term(t.object)])
    return {"kind": "graph", "boolean": None, "vars": ["subject", "predicate", "object"],
            "rows": rows}


DOWNLOADS = {"select": (("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                        ("json", "application/sparql-results+json"),
                        ("xml", "application/sparql-results+xml")),
             "ask": (("json", "application/sparql-results+json"),
                     ("xml", "application/sparql-results+xml")),
             "graph": (("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                       ("nt", "application/n-triples"), ("rdf", "application/rdf+xml"))}


def _json_term(term: object) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    assert isinstance(term, ox.Literal)
    return {"type": "literal", "value": term.value, "xml:lang": term.language}


async def query_page(request: Request) -> Response:
    """The query page: an editor, the examples, and (with ?query=) the result as a table."""
    web = web_of(request)
    text = request.query_params.get("query")
    chosen = _chosen_example(web.examples, request.query_params.get("example"), text)
    run = bool(text) or chosen is not None and "example" in request.query_params
    if chosen is not None and chosen.download and (text or chosen.query) == chosen.query:
        run = False  # a whole-country query: its answer is a download (publish/answers.py)
    if not text:  # an example picked from the list runs; a first visit shows the default
        chosen = chosen or _chosen_example(web.examples, DEFAULT_EXAMPLE, None) or next(iter(web.examples), None)
        text = chosen.query if chosen else ""
    table, error, truncated = None, None, False
    if run:
        try:
            job = await run_in_threadpool(checked_job, text, web.settings, accept=PAGE_ACCEPT,
                                          base_iri=str(request.base_url) + "sparql")
            answer = await run_job(web.runner, job, web.settings, web.slots, client_of(request))
            table = _table(answer)
            truncated = TRUNCATED_HEADER in answer.headers
        except WebError as exc:
            error = exc
    labels = {}
    if table and table["rows"]:
        iris = {c["value"] for row in table["rows"][:500] for c in row if c and c["type"] == "uri"}
        labels = await run_in_threadpool(web.site.reader.labels, iris)
    downloads = [(key, "/sparql?" + urlencode({"query": text, "_mediatype": media}))
                 for key, media in DOWNLOADS[table["kind"]]] if table else []
    body = await run_in_threadpool(
        web.html.render, "query.html", lang=lang_of(request), path=request.url.path,
        query=dict(request.query_params), settings=web.settings, text=text or "", table=table,
        error=error, truncated=truncated, labels=labels, examples=web.examples, chosen=chosen,
        downloads=downloads, alternates=[], paths=web.paths)
    status = error.status if error is not None and error.status != 400 else 200
    return Response(body, status, media_type=HTML_TYPE, headers={**SECURITY, "Cache-Control": "no-store"})


def _chosen_example(examples: list[Example], name: str | None, text: str | None) -> Example | None:
    """The example named ``name``, else the one whose query is ``text``."""
    return next((e for e in examples if e.name == name), None) or next(
        (e for e in examples if text and e.query == text), None)


def query_terms(request: Request) -> Response:
    """/query/terms.json: the prefixes and the ontology's terms, for the editor's completion."""
    web = web_of(request)
    body = json.dumps(web.site.query_terms(), ensure_ascii=False)
    return Response(body, media_type="application/json", headers={"Cache-Control": "max-age=3600"})


# --- files and site furniture -------------------------------------------------------------------

FILE_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json", "gz": "application/gzip",
              "txt": "text/plain; charset=utf-8", "sqlite": "application/vnd.sqlite3",
              "rq": "application/sparql-query; charset=utf-8"}


def _file_type(name: str) -> str:
    if name == "SHA256SUMS":
        return "text/plain; charset=utf-8"
    if name.endswith("-metadata.json"):
        return "application/csvm+json"
    ext = name.rsplit(".", 1)[-1]
    try:
        return media_type_header(by_extension(ext).media_type)
    except KeyError:
        return FILE_TYPES.get(ext, "application/octet-stream")


def _downloads_dir(web: Web) -> Path:
    if web.downloads is None or not web.downloads.is_dir():
        raise not_found(" (no downloads in this publication)")
    return web.downloads


def download(request: Request) -> Response:
    web = web_of(request)
    root = _downloads_dir(web).resolve()
    rel = request.path_params["path"]
    if "\x00" in rel:
        raise not_found()
    target = (root / rel).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise not_found()
    cached, headers = _not_modified(request, "file", vary=False)
    if cached is not None:
        return cached
    return FileResponse(target, media_type=_file_type(target.name), headers=headers)


def downloads_index(request: Request) -> Response:
    web = web_of(request)
    root = _downloads_dir(web)
    cached, headers = _not_modified(request, "html")
    if cached is not None:
        return cached
    sums = {}
    if (root / "SHA256SUMS").is_file():
        for line in (root / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
            digest, _, name = line.partition("  ")
            sums[name] = digest
    files = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    rows = [{"name": f, "href": "/downloads/" + quote(f), "size": (root / f).stat().st_size,
             "sha256": sums.get(f)} for f in files]
    return html_page(request, "downloads.html", headers, files=rows, alternates=[])


def void(request: Request) -> Response:
    """/.well-known/void: the VoID description, in any RDF format."""
    web = web_of(request)
    offer = negotiate(RDF_OFFERS + (HTML,), request.headers.get("accept"),
                      request.query_params.get("_mediatype"))
    if offer is None:
        raise not_acceptable([o.media_type for o in RDF_OFFERS])
    if offer.key == "html":  # a person: the page of the dataset VoID describes
        return RedirectResponse(web.paths.href(web.paths.base + "dataset/all"), 303)
    cached, headers = _not_modified(request, offer.key)
    if cached is not None:
        return cached
    source = web.downloads / "void.ttl" if web.downloads is not None else None
    if source is not None and source.is_file():
        triples = [q.triple for q in ox.parse(path=str(source), format=ox.RdfFormat.TURTLE)]
    else:
        triples = web.site.triples("dataset", web.paths.base + "dataset/all")
    return Response(RDF_RENDERERS[offer.key](triples), media_type=media_type_header(offer.media_type),
                    headers=headers)


#: URLs in one sitemap file, the most the sitemaps.org protocol allows; a site with more gets
#: a sitemap index of pages (/sitemap.xml?page=N).
SITEMAP_MAX_URLS = 50_000
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@cached_page
def sitemap(request: Request) -> Response:
    """/sitemap.xml: every page worth indexing. Up to SITEMAP_MAX_URLS it is one file; above, it
    is a sitemap index whose files are /sitemap.xml?page=1, 2, … of that many URLs each."""
    web = web_of(request)
    page = _page_number(request)
    if (cached := _cached_page(request, "xml")) is not None:
        return cached
    cached, headers = _not_modified(request, "xml", vary=False)
    if cached is not None:
        return cached
    root = str(request.base_url).rstrip("/")
    lastmod = web.store.release.modified.date().isoformat()
    urls = web.site.sitemap()
    pages = max(1, -(-len(urls) // SITEMAP_MAX_URLS))
    if page is not None and page > pages:
        raise not_found()
    if page is None and pages > 1:
        body = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
        body += [f"<sitemap><loc>{_xml(f'{root}/sitemap.xml?page={n}')}</loc><lastmod>{lastmod}</lastmod></sitemap>"
                 for n in range(1, pages + 1)]
        body.append("</sitemapindex>\n")
        return Response("\n".join(body), media_type="application/xml", headers=headers)
    start = ((page or 1) - 1) * SITEMAP_MAX_URLS
    body = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    body += [f"<url><loc>{_xml(root + u)}</loc><lastmod>{lastmod}</lastmod></url>"
             for u in urls[start:start + SITEMAP_MAX_URLS]]
    body.append("</urlset>\n")
    return Response("\n".join(body), media_type="application/xml", headers=headers)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def robots(request: Request) -> Response:
    root = str(request.base_url).rstrip("/")
    return Response(f"User-agent: *\nDisallow: /sparql\nDisallow: /query\nSitemap: {root}/sitemap.xml\n",
                    media_type="text/plain; charset=utf-8")


def health(request: Request) -> Response:
    release = web_of(request).store.release
    return Response(json.dumps({"status": "ok", "release": release.id,
                                "modified": release.modified.isoformat()}),
                    media_type="application/json", headers={"Cache-Control": "no-store"})


def favicon(request: Request) -> Response:
    return RedirectResponse("/static/favicon.svg", 301)

