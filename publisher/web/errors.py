"""The web app's one error type and its one JSON shape.

Every error a client can cause is a :class:`WebError`; the app's single handler
(:func:`publisher.web.app.handle_error`) turns it, Starlette's HTTP exceptions and any bug into

.. code-block:: json

    {"error": {"status": 400, "code": "syntax", "message": "…", "message_ja": "…"}}

or into the same fields on an HTML page for a browser. Never a traceback.
"""

from __future__ import annotations


class WebError(Exception):
    """An error answered to the client with ``status`` and a bilingual message."""

    def __init__(self, status: int, code: str, message_en: str, message_ja: str = "",
                 headers: dict[str, str] | None = None):
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_en = message_en
        self.message_ja = message_ja or message_en
        self.headers = headers or {}

    def body(self) -> dict:
        return {"error": {"status": self.status, "code": self.code, "message": self.message_en,
                          "message_ja": self.message_ja}}


def not_found(what: str = "") -> WebError:
    return WebError(404, "not_found", f"Nothing is published at this address{what}.",
                    f"このアドレスには何も公開されていません{what}。")


def not_acceptable(available: list[str]) -> WebError:
    listed = ", ".join(available)
    return WebError(406, "not_acceptable",
                    f"None of the requested media types can be produced; available: {listed}",
                    f"要求された形式では返せません。利用できる形式: {listed}")
