"""Talking to an external SPARQL store safely: one SPARQLWrapper subclass, one URL check.

SPARQLWrapper on its own follows redirects with the ``Authorization`` header it added (so a
store, a proxy or a man in the middle answering ``302`` to another host receives the password),
and for digest authentication installs a process-wide urllib opener. :class:`SparqlClient`
sends the credentials only to the endpoint it was given, follows no redirect at all (a ``3xx``
is an error that names the status), and changes no global state.

Store URLs must not carry credentials (``http://user:password@host/``): they would be printed
in banners, logs and errors. :func:`check_store_url` refuses them, without echoing the password.

>>> check_store_url("http://127.0.0.1:7878/query", "--sparql")
'http://127.0.0.1:7878/query'
>>> from publisher.errors import UsageError
>>> try:
...     check_store_url("http://u:secret@host/sparql", "--sparql")
... except UsageError as e:
...     print("secret" in str(e), "http://***@host/sparql" in str(e))
False True
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from http.client import HTTPResponse
from urllib.parse import urlsplit

from SPARQLWrapper import SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    Unauthorized,
    URITooLong,
)

from .errors import usage_error


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001, ANN201
        return None  # urllib then raises HTTPError with the 3xx status


class SparqlClient(SPARQLWrapper):
    """SPARQLWrapper that keeps its credentials to the endpoint and follows no redirect."""

    def __init__(self, endpoint: str, *, user: str | None = None, password: str | None = None,
                 auth: str = "basic"):
        super().__init__(endpoint)
        self._user, self._password, self._auth = user, password or "", auth

    def _opener(self) -> urllib.request.OpenerDirector:
        handlers: list[urllib.request.BaseHandler] = [_NoRedirect()]
        if self._user is not None and self._auth == "digest":
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, self.endpoint, self._user, self._password)
            handlers.append(urllib.request.HTTPDigestAuthHandler(passwords))
        return urllib.request.build_opener(*handlers)

    def _query(self) -> tuple[HTTPResponse, str]:
        request = self._createRequest()
        if self._user is not None and self._auth != "digest":
            token = base64.b64encode(f"{self._user}:{self._password}".encode()).decode("ascii")
            request.add_unredirected_header("Authorization", f"Basic {token}")
        try:
            response = self._opener().open(request, timeout=self.timeout)
            return response, self.returnFormat
        except urllib.error.HTTPError as e:  # the same exceptions as SPARQLWrapper's own
            if e.code == 400:
                raise QueryBadFormed(e.read()) from None
            if e.code == 404:
                raise EndPointNotFound(e.read()) from None
            if e.code == 401:
                raise Unauthorized(e.read()) from None
            if e.code == 414:
                raise URITooLong(e.read()) from None
            if e.code == 500:
                raise EndPointInternalError(e.read()) from None
            raise


def check_store_url(url: str, option: str) -> str:
    """``url`` if it is an http(s) URL without credentials; else a usage error (exit 2)."""
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()
        raise usage_error(
            f"{option} must not hold a user name or password ({shown}): give the user with its "
            "option and the password in MPLAN_STORE_PASSWORD.",
            f"{option} の URL にユーザー名やパスワードを含めないでください（{shown}）。ユーザー名は"
            "オプションで、パスワードは環境変数 MPLAN_STORE_PASSWORD で指定してください。")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise usage_error(f"{option} must be an http:// or https:// URL, not {url!r}.",
                          f"{option} には http:// か https:// の URL を指定してください（{url!r}）。")
    return url
