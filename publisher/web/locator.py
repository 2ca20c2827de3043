"""Where this server serves an IRI (absolute URLs for JSON), and the ``municipality`` filter
of the views that narrow to some cities; used by the API and the pages' JSON alike."""

from __future__ import annotations

import re

from starlette.requests import Request

from .errors import WebError
from .paths import Paths
from .service.reader import SDG_NS, sdg_notation

MAX_MUNICIPALITIES = 50
_API_PATH = re.compile(r"^/plan/[^/]+(/(element|indicator)/[^/]+)?$")
_MUNICIPALITY_PATH = re.compile(r"^/municipality/[0-9]{6}$")
_CODE = re.compile(r"^[0-9]{6}$")


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
