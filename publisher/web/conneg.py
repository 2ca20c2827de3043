"""Content negotiation: one function, :func:`negotiate`, used by every route.

Like Prez, the choice is made in one place and in one order: an explicit override first
(``?_mediatype=`` or a file extension, given by the route as ``override``), then the ``Accept``
header with its q-values (RFC 9110 §12.5.1). Renderers never look at headers.

>>> offers = rdf_offers(html=True)
>>> negotiate(offers, "text/turtle;q=0.9, application/ld+json").key
'jsonld'
>>> negotiate(offers, "text/html,application/xhtml+xml,*/*;q=0.8").key
'html'
>>> negotiate(offers, None, override="ttl").media_type
'text/turtle'
>>> negotiate(offers, "image/png") is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..formats import FORMATS


@dataclass(frozen=True)
class Offer:
    """One representation a route can produce: a short key, its media type and aliases."""

    key: str  # 'html', a format extension ('ttl'), or a results format ('json', 'csv')
    media_type: str
    aliases: tuple[str, ...] = ()

    def names(self) -> tuple[str, ...]:
        return (self.key, self.media_type, *self.aliases)


HTML = Offer("html", "text/html", ("application/xhtml+xml",))

RDF_OFFERS: tuple[Offer, ...] = tuple(Offer(f.extension, f.media_type, f.aliases) for f in FORMATS)
"""Every RDF format of the one format registry (publisher.formats), in its order."""

SELECT_OFFERS: tuple[Offer, ...] = (
    Offer("json", "application/sparql-results+json", ("application/json",)),
    Offer("xml", "application/sparql-results+xml", ("application/xml", "text/xml")),
    Offer("csv", "text/csv"),
    Offer("tsv", "text/tab-separated-values"),
)
ASK_OFFERS: tuple[Offer, ...] = SELECT_OFFERS[:2]


def rdf_offers(html: bool = False) -> tuple[Offer, ...]:
    """The offers of a resource: HTML first when it has a page, then every RDF format."""
    return ((HTML,) if html else ()) + RDF_OFFERS


def _parse_accept(accept: str) -> list[tuple[str, str, float]]:
    """(type, subtype, q) of each well-formed media range; malformed ranges are skipped."""
    ranges = []
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        if mtype == "*":
            mtype = "*/*"
        if mtype.count("/") != 1:
            continue
        main, sub = mtype.split("/")
        if not main or not sub or (main == "*" and sub != "*"):
            continue
        q = 1.0
        ok = True
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    ok = False
                    break
                if not 0.0 <= q <= 1.0:
                    ok = False
                    break
        if ok:
            ranges.append((main, sub, q))
    return ranges


def _quality(offer: Offer, ranges: list[tuple[str, str, float]]) -> float:
    """The q of the most specific range matching ``offer`` (0 if none matches). Wildcards
    (``type/*``, ``*/*``) match the offer's own media type only; aliases must match exactly."""
    best_specificity, best_q = -1, 0.0
    for n, name in enumerate((offer.media_type, *offer.aliases)):
        main, sub = name.lower().split("/", 1)
        for rmain, rsub, q in ranges:
            if rmain == main and rsub == sub:
                specificity = 2
            elif n == 0 and rmain == main and rsub == "*":
                specificity = 1
            elif n == 0 and rmain == "*" and rsub == "*":
                specificity = 0
            else:
                continue
            if specificity > best_specificity or (specificity == best_specificity and q > best_q):
                best_specificity, best_q = specificity, q
    return best_q


def negotiate(offers: Sequence[Offer], accept: str | None = None,
              override: str | None = None) -> Offer | None:
    """Choose one of ``offers`` for a request; ``None`` when none is acceptable (406).

    ``override`` (a ``_mediatype`` value or a file extension: ``ttl``, ``text/turtle``) wins
    over the header. Otherwise the offer with the highest q wins; ties go to the earlier offer
    (the server's preference). A missing or empty ``Accept`` accepts the first offer; a header
    whose every range is malformed is treated as missing.
    """
    if not offers:
        return None
    if override:
        wanted = override.split(";")[0].strip().lower()
        for offer in offers:
            if wanted in offer.names():
                return offer
        return None
    if not accept or not accept.strip():
        return offers[0]
    ranges = _parse_accept(accept)
    if not ranges:
        return offers[0]
    best, best_q = None, 0.0
    for offer in offers:
        q = _quality(offer, ranges)
        if q > best_q:
            best, best_q = offer, q
    return best
