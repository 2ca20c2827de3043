"""Where each IRI lives on this site: the base IRI maps onto ``/``.

>>> p = Paths("https://w3id.org/mplan/id/")
>>> p.path("https://w3id.org/mplan/id/plan/x")
'/plan/x'
>>> p.path("https://w3id.org/mplan/def#Plan")
'/def#Plan'
>>> p.path("http://metadata.un.org/sdg/13.2")
'/sdg/13.2'
>>> p.iri("/id/plan/x"), p.iri("/def/level/goal")
('https://w3id.org/mplan/id/plan/x', 'https://w3id.org/mplan/def/level/goal')
>>> p.split_extension("/plan/x.ttl"), p.split_extension("/sdg/13.2")
(('/plan/x', 'ttl'), ('/sdg/13.2', None))
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from ..formats import FORMATS
from ..namespaces import DEF, SDG

SDG_NS = str(SDG)
EXTENSIONS = frozenset({f.extension for f in FORMATS} | {"html"})
_SAFE = "/:@!$&'()*+,;=-._~%"


def whole_number(raw: str, digits: int = 18) -> int | None:
    """``raw`` as a whole number of at most ``digits`` ASCII digits, else None (Python's int()
    takes other scripts' digits, and refuses more than 4,300 with an error of its own).

    >>> whole_number("12"), whole_number("²"), whole_number("1" * 5000), whole_number("-1")
    (12, None, None, None)
    """
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= digits else None


class Paths:
    """Maps the IRIs we serve (data under the base, the ontology, SDGs) to local paths."""

    def __init__(self, base: str):
        self.base = base if base.endswith("/") else base + "/"

    def path(self, iri: str) -> str | None:
        """The local path of ``iri``, or ``None`` when it is not one of ours."""
        if iri.startswith(DEF + "#"):
            return "/def" + iri[len(DEF):]
        if iri == DEF or iri.startswith(DEF + "/"):
            return quote("/def" + iri[len(DEF):], safe=_SAFE)
        if iri.startswith(SDG_NS):
            return quote("/sdg/" + iri[len(SDG_NS):], safe=_SAFE)
        if iri.startswith(self.base):
            return quote("/" + iri[len(self.base):], safe=_SAFE)
        return None

    def href(self, iri: str) -> str:
        """A link target for ``iri``: the local path when we serve it, else the IRI itself."""
        return self.path(iri) or iri

    def iri(self, path: str) -> str:
        """The IRI a local path stands for (``/id/…`` is accepted as an alias of ``/…``)."""
        path = unquote(path)
        if path == "/def" or path.startswith("/def/"):
            return DEF + path[len("/def"):]
        if path.startswith("/sdg/"):
            return SDG_NS + path[len("/sdg/"):]
        if path.startswith("/id/"):
            path = path[len("/id"):]
        return self.base + path.lstrip("/")

    @staticmethod
    def split_extension(path: str) -> tuple[str, str | None]:
        """``/plan/x.ttl`` → (``/plan/x``, ``ttl``); only known extensions are split off."""
        head, dot, ext = path.rpartition(".")
        if dot and "/" not in ext and ext in EXTENSIONS and head and not head.endswith("/"):
            return head, ext
        return path, None
