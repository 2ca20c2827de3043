"""The JSON API for apps: ``/api/…``, plain JSON (no JSON-LD processor needed).

In the style of Datasette's JSON and Prez's listings: a resource with its children embedded one
level down, lists paged with ``next`` / ``prev`` links and a ``total``, numbers as JSON numbers
and years as integers. Every IRI comes with ``url``, where this server serves it (its page,
which also negotiates RDF), and, where the API has it, ``api``; both absolute, for the host
the client asked. Documented in ``docs/api.md`` (its examples are run by the tests).

Routes are thin: read and check the request, ask :mod:`publisher.web.service.api` (fixed
queries with bound values), add the URLs, write JSON. Errors are the app's one JSON shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .errors import WebError, not_found
from .locator import Locator, municipality_filter
from .paths import whole_number
from .responses import not_modified
from .routes import web_of
from .service import api as data
from .service.reader import SDG_NS, sdg_notation

JSON_TYPE = "application/json"
PAGE_SIZE = 100
MAX_PAGE_SIZE = 500


def _bad(param: str, en: str, ja: str) -> WebError:
    return WebError(400, "bad_parameter", f"{param}: {en}", f"{param}: {ja}")


def _page_params(request: Request) -> tuple[int, int]:
    """``page`` (from 1) and ``per_page`` (1 to MAX_PAGE_SIZE, default PAGE_SIZE)."""
    out = []
    for name, default, top in (("page", 1, None), ("per_page", PAGE_SIZE, MAX_PAGE_SIZE)):
        raw = request.query_params.get(name)
        value = default if raw is None else whole_number(raw)
        if value is None or value < 1 or (top is not None and value > top):
            en, ja = (f"from 1 to {top}", f"1〜{top} の") if top else ("of 1 or more", "1 以上の")
            raise _bad(name, f"must be a whole number {en}.", f"{ja}整数を指定してください。")
        out.append(value)
    return out[0], out[1]


def _answer(request: Request, make: Callable[[], dict]) -> Response:
    """A 304 before any query runs, else the body ``make`` reads, located."""
    cached, headers = not_modified(request, web_of(request).store.release, "api")
    if cached is not None:
        return cached
    body = Locator(request, web_of(request).paths).locate(make())
    text = json.dumps(body, ensure_ascii=False, indent=1) + "\n"
    return Response(text.encode("utf-8"), media_type=f"{JSON_TYPE}; charset=utf-8",
                    headers=headers)


def _listing(request: Request, of: dict, page: data.Page) -> dict:
    """A page of a list: what it lists, ``total``, ``page``, ``per_page``, ``pages``, absolute
    ``self`` / ``next`` / ``prev`` links (``next`` is null on the last page, so paging ends)."""
    pages = max(1, -(-page.total // page.size))
    if page.page > pages:
        raise not_found(f" (page {page.page} of {pages})")
    base = str(request.base_url).rstrip("/") + request.url.path

    def at(n: int) -> str:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
        return base + "?" + urlencode(query + [("page", str(n))])

    return {"of": of, "total": page.total, "page": page.page, "per_page": page.size,
            "pages": pages, "self": at(page.page),
            "next": at(page.page + 1) if page.page < pages else None,
            "prev": at(page.page - 1) if page.page > 1 else None,
            "items": page.items}


def _resource(request: Request, suffix: str, kinds: tuple[str, ...]) -> str:
    """The IRI the request's path names (``/api/plan/x/elements`` → ``B/plan/x``), which must
    be published as one of ``kinds`` (else 404)."""
    path = request.url.path[len("/api"):]
    path = path[: len(path) - len(suffix)] if suffix else path
    web = web_of(request)
    iri = web.paths.iri(path)
    if web.site.kind(iri) not in kinds:
        raise not_found()
    return iri


# --- routes ---------------------------------------------------------------------------------

def index(request: Request) -> Response:
    """``/api``: what the API offers, as URL templates."""
    root = str(request.base_url).rstrip("/")
    return _answer(request, lambda: {
        "docs": "docs/api.md",
        "endpoints": {
            "plan": f"{root}/api/plan/{{plan}}",
            "plan_elements": f"{root}/api/plan/{{plan}}/elements{{?level,page,per_page}}",
            "plan_indicators": f"{root}/api/plan/{{plan}}/indicators{{?page,per_page}}",
            "element": f"{root}/api/plan/{{plan}}/element/{{element}}",
            "indicator": f"{root}/api/plan/{{plan}}/indicator/{{indicator}}",
            "municipality_plans": f"{root}/api/municipality/{{code}}/plans{{?page,per_page}}",
            "sdg_items": f"{root}/api/sdg/{{goal_or_target}}/items"
                         "{?municipality,basis,page,per_page}",
        },
        "levels": list(data.LEVELS), "bases": list(data.BASES),
        "max_per_page": MAX_PAGE_SIZE})


def plan(request: Request) -> Response:
    iri = _resource(request, "", ("plan",))
    r = web_of(request).site.reader

    def make() -> dict:
        body = data.plan(r, iri)
        here = str(request.base_url).rstrip("/") + request.url.path
        body["lists"] = {"elements": f"{here}/elements", "indicators": f"{here}/indicators",
                         **{level: f"{here}/elements?level={level}" for level in data.LEVELS}}
        return body

    return _answer(request, make)


def plan_elements(request: Request) -> Response:
    iri = _resource(request, "/elements", ("plan",))
    level = request.query_params.get("level")
    if level is not None and level not in data.LEVELS:
        raise _bad("level", f"must be one of {', '.join(data.LEVELS)}.",
                   f"{'、'.join(data.LEVELS)} のいずれかを指定してください。")
    page, size = _page_params(request)
    r = web_of(request).site.reader
    return _answer(request, lambda: _listing(
        request, {"iri": iri, "label": data.label(r.ref(iri))},
        data.plan_elements(r, iri, page, size, level)))


def plan_indicators(request: Request) -> Response:
    iri = _resource(request, "/indicators", ("plan",))
    page, size = _page_params(request)
    r = web_of(request).site.reader
    return _answer(request, lambda: _listing(
        request, {"iri": iri, "label": data.label(r.ref(iri))},
        data.plan_indicators(r, iri, page, size)))


def element(request: Request) -> Response:
    iri = _resource(request, "", ("element",))
    return _answer(request, lambda: data.element(web_of(request).site.reader, iri))


def indicator(request: Request) -> Response:
    iri = _resource(request, "", ("indicator",))
    return _answer(request, lambda: data.indicator(web_of(request).site.reader, iri))


def municipality_plans(request: Request) -> Response:
    iri = _resource(request, "/plans", ("municipality", "prefecture"))
    page, size = _page_params(request)
    r = web_of(request).site.reader
    return _answer(request, lambda: _listing(
        request, {"iri": iri, "label": data.label(r.ref(iri))},
        data.municipality_plans(r, iri, page, size)))


def sdg_items(request: Request) -> Response:
    web = web_of(request)
    notation = request.path_params["notation"]
    iri = SDG_NS + notation
    if not sdg_notation(iri) or web.site.kind(iri) != "target":
        raise not_found()
    munis = municipality_filter(request, web.paths)
    bases = tuple(request.query_params.getlist("basis")) or data.BASES
    if not set(bases) <= set(data.BASES):
        raise _bad("basis", f"must be one of {', '.join(data.BASES)}.",
                   f"{'、'.join(data.BASES)} のいずれかを指定してください。")
    page, size = _page_params(request)
    return _answer(request, lambda: _listing(
        request, {"iri": iri, "label": data.label(web.site.reader.ref(iri))},
        data.sdg_items(web.site.reader, iri, munis, bases, page, size)))


ROUTES = [
    Route("/api", index, methods=["GET"]),
    Route("/api/plan/{plan}", plan, methods=["GET"]),
    Route("/api/plan/{plan}/elements", plan_elements, methods=["GET"]),
    Route("/api/plan/{plan}/indicators", plan_indicators, methods=["GET"]),
    Route("/api/plan/{plan}/element/{element}", element, methods=["GET"]),
    Route("/api/plan/{plan}/indicator/{indicator}", indicator, methods=["GET"]),
    Route("/api/municipality/{code}/plans", municipality_plans, methods=["GET"]),
    Route("/api/sdg/{notation}/items", sdg_items, methods=["GET"]),
]
"""The API's routes, registered by :func:`publisher.web.app.create_app` before the catch-all."""
