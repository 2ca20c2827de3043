"""Caching headers for every representation: ETag, Last-Modified, Vary, and 304.

An ETag is derived from the release (the build digest) and the representation (path, query
parameters, chosen format), so it changes exactly when a new build is served or another
representation is asked for. It is computed before rendering: a 304 costs no query.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from .store import Release

CACHE_CONTROL = "public, max-age=300"


def representation(request: Request, variant: str, lang: str | None = None) -> str:
    """What tells one representation of a release from another: the path, every query
    parameter (sorted, and encoded, so that ``?a=1%26b%3D2`` is not ``?a=1&b=2``), the chosen
    format and, for a page, its language. The ETag and the page cache are keyed by it."""
    query = urlencode(sorted(request.query_params.multi_items()))
    variant = variant if lang is None else f"{variant}.{lang}"
    return f"{request.url.path}|{query}|{variant}"


def etag_for(release: Release, request: Request, variant: str, lang: str | None = None) -> str:
    digest = hashlib.sha256(f"{release.id}|{representation(request, variant, lang)}".encode())
    return f'"{release.id[:12]}-{digest.hexdigest()[:20]}"'


def _etag_matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return etag in tags


LANG_VARY = "Accept, Accept-Language, Cookie"  # a page's language: ?lang=, cookie, header


def cache_headers(release: Release, etag: str, vary: bool = True,
                  by_lang: bool = False) -> dict[str, str]:
    headers = {"ETag": etag, "Last-Modified": format_datetime(release.modified, usegmt=True),
               "Cache-Control": CACHE_CONTROL}
    if vary:
        headers["Vary"] = LANG_VARY if by_lang else "Accept"
    return headers


def not_modified(request: Request, release: Release, variant: str, vary: bool = True,
                 lang: str | None = None) -> tuple[Response | None, dict[str, str]]:
    """(a 304 response if the client's copy is current else None, the caching headers).

    A page in a language chosen by the request (``lang``) gets an ETag of that language, and
    says that it varies by what chose it (``Accept-Language`` and the language cookie)."""
    etag = etag_for(release, request, variant, lang)
    headers = cache_headers(release, etag, vary, by_lang=lang is not None)
    inm = request.headers.get("if-none-match")
    if inm is not None:
        if _etag_matches(inm, etag):
            return Response(status_code=304, headers=headers), headers
        return None, headers
    ims = request.headers.get("if-modified-since")
    if ims:
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError, IndexError):
            since = None
        if since is not None and since.tzinfo is not None and release.modified <= since:
            return Response(status_code=304, headers=headers), headers
    return None, headers


def media_type_header(media_type: str) -> str:
    """Text media types get ``charset=utf-8``."""
    if "charset" in media_type:
        return media_type
    textual = media_type.startswith("text/") or media_type.endswith(("+xml", "+json", "/xml",
                                                                        "/json", "/n-triples",
                                                                        "/n-quads", "/trig"))
    return f"{media_type}; charset=utf-8" if textual else media_type
