"""Where this server serves an IRI (absolute URLs for JSON), and the ``municipality`` and
``prefecture`` filters of the views that narrow to some cities (and /search's facets); used by
the API and the pages' JSON alike."""

from __future__ import annotations

import re

from starlette.requests import Request

from ..registry import registry
from .errors import WebError
from .paths import Paths
from .service.reader import SDG_NS, sdg_notation
from .service.search import Filters

MAX_MUNICIPALITIES = 50
_API_PATH = re.compile(r"^/plan/[^/]+(/(element|indicator)/[^/]+)?$")
_MUNICIPALITY_PATH = re.compile(r"^/municipality/[0-9]{6}$")
_CODE = re.compile(r"^[0-9]{6}$")
_LEVEL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_GOAL = re.compile(r"^([1-9]|1[0-7])$")


def municipality_filter(request: Request, paths: Paths) -> tuple[str, ...]:
    """The municipalities that ``?municipality=CODE`` (repeatable) names, as IRIs; empty when
    none is named. A code that is not six digits, or too many, is a 400."""
    codes = request.query_params.getlist("municipality")
    if len(codes) > MAX_MUNICIPALITIES or not all(_CODE.match(c) for c in codes):
        raise WebError(400, "bad_parameter",
                       f"municipality: give at most {MAX_MUNICIPALITIES} six-digit local "
                       "government codes (全国地方公共団体コード), e.g. municipality=152021.",
                       f"municipality: 6 桁の全国地方公共団体コードを {MAX_MUNICIPALITIES} 個まで"
                       "指定してください（例: municipality=152021）。")
    return tuple(f"{paths.base}municipality/{c}" for c in dict.fromkeys(codes))


def _bad(name: str, en: str, ja: str) -> WebError:
    return WebError(400, "bad_parameter", f"{name}: {en}", f"{name}: {ja}")


def prefecture_filter(request: Request) -> str | None:
    """The prefecture that ``?prefecture=CODE`` names (its six-digit code, e.g. 150002), or None.
    Anything but a prefecture's code is a 400."""
    code = request.query_params.get("prefecture") or None  # the page's form sends "" for all
    if code is None:
        return None
    lg = registry().get(code) if _CODE.match(code) else None
    if lg is None or not lg.is_prefecture:
        raise _bad("prefecture", "give a prefecture's six-digit local government code "
                   "(全国地方公共団体コード), e.g. prefecture=150002 for 新潟県.",
                   "都道府県の 6 桁の全国地方公共団体コードを指定してください（例: 新潟県は prefecture=150002）。")
    return code


def search_filters(request: Request) -> Filters:
    """The facets of /search that the query chose: ``prefecture`` (a prefecture's code),
    ``municipality`` (six digits), ``level`` (a level's or class's name, e.g. measure,
    Indicator) and ``sdg`` (a goal, 1–17); a malformed value is a 400."""
    params = request.query_params
    municipality, level, sdg = (params.get(k) or None for k in ("municipality", "level", "sdg"))
    if municipality is not None and not _CODE.match(municipality):
        raise _bad("municipality", "give a six-digit local government code, e.g. municipality=152021.",
                   "6 桁の全国地方公共団体コードを指定してください（例: municipality=152021）。")
    if level is not None and not _LEVEL.match(level):
        raise _bad("level", "give the name of a level or class, e.g. level=measure or level=Indicator.",
                   "階層またはクラスの名前を指定してください（例: level=measure、level=Indicator）。")
    if sdg is not None and not _GOAL.match(sdg):
        raise _bad("sdg", "give an SDG goal number from 1 to 17, e.g. sdg=13.",
                   "SDG の目標番号（1〜17）を指定してください（例: sdg=13）。")
    return Filters(prefecture_filter(request), municipality, level, sdg)


class Locator:
    """Where this server serves an IRI: absolute URLs of its page and of its API resource."""

    def __init__(self, request: Request, paths: Paths):
        self.root = str(request.base_url).rstrip("/")
        self.paths = paths

    def url(self, iri: str) -> str | None:
        path = self.paths.path(iri)
        return self.root + path if path is not None else None

    def api(self, iri: str) -> str | None:
        path = self.paths.path(iri)
        if path is None:
            return None
        if _API_PATH.match(path):
            return f"{self.root}/api{path}"
        if _MUNICIPALITY_PATH.match(path):
            return f"{self.root}/api{path}/plans"
        if iri.startswith(SDG_NS) and sdg_notation(iri):
            return f"{self.root}/api{path}/items"
        return None

    def locate(self, value: object) -> object:
        """``value`` with ``url`` (and ``api``) beside every ``iri`` it holds."""
        if isinstance(value, list):
            return [self.locate(v) for v in value]
        if not isinstance(value, dict):
            return value
        out = {k: self.locate(v) for k, v in value.items()}
        if isinstance(value.get("iri"), str):
            iri = value["iri"]
            out = {"iri": iri, "url": self.url(iri), **({"api": a} if (a := self.api(iri)) else {}),
                   **{k: v for k, v in out.items() if k != "iri"}}
        return out
