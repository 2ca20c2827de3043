"""/search from the release's index: ranked, paged and faceted by prefecture, municipality,
level (or class) and SDG goal.

Facet values in URLs are short and checked by the route (:data:`FACET_NAMES`): a prefecture's
or municipality's six-digit code, a level's or class's local name (``measure``, ``Indicator``),
an SDG goal's number. Each facet counts the hits that the *other* facets let through, so that
its other values stay visible once one is chosen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ...publish.views import SDG_NS, normalize
from .index import Hit, ViewsIndex
from .reader import Reader, page_count

SEARCH_PAGE_SIZE = 50
FACET_SIZE = 20  # values shown per facet, the most frequent first
FACET_NAMES = ("prefecture", "municipality", "level", "sdg")


def local_name(iri: str | None) -> str | None:
    """``…/def/level/measure`` → ``measure``, ``…/def#Plan`` → ``Plan``."""
    return re.split(r"[#/]", iri)[-1] if iri else None


#: Each facet's values of a hit, as URLs name them, and the IRI each value stands for.
FACET_VALUES: dict[str, Callable[[Hit], list[tuple[str, str]]]] = {
    "prefecture": lambda h: [(local_name(h[4]) or "", h[4])] if h[4] else [],
    "municipality": lambda h: [(local_name(h[3]) or "", h[3])] if h[3] else [],
    "level": lambda h: [(local_name(h[1]) or "", h[1])] if h[1] else [],
    "sdg": lambda h: [(str(g), f"{SDG_NS}{g}") for g in h[5]],
}


@dataclass(frozen=True)
class Filters:
    """The facets chosen (values as URLs name them); None: not filtered."""

    prefecture: str | None = None
    municipality: str | None = None
    level: str | None = None
    sdg: str | None = None

    def chosen(self) -> dict[str, str]:
        return {k: v for k in FACET_NAMES if (v := getattr(self, k)) is not None}


def _keeps(hit: Hit, chosen: dict[str, str], skip: str | None = None) -> bool:
    return all(any(v == want for v, _ in FACET_VALUES[name](hit))
               for name, want in chosen.items() if name != skip)


def _facets(r: Reader, hits: list[Hit], chosen: dict[str, str]) -> dict[str, list[dict]]:
    """Each facet's most frequent values among the hits the other facets let through."""
    counts: dict[str, Counter] = {}
    iris: dict[str, str] = {}
    for name in FACET_NAMES:
        c: Counter = Counter()
        for h in hits:
            if _keeps(h, chosen, skip=name):
                for value, iri in FACET_VALUES[name](h):
                    c[value] += 1
                    iris[f"{name}={value}"] = iri
        counts[name] = c
    top = {name: sorted(c.items(), key=lambda x: (-x[1], x[0]))[:FACET_SIZE] for name, c in counts.items()}
    refs = r.refs({iris[f"{n}={v}"] for n, values in top.items() for v, _ in values})
    return {name: [{"value": v, "count": n, "ref": refs[iris[f"{name}={v}"]], "chosen": chosen.get(name) == v}
                   for v, n in values] for name, values in top.items()}


def search_index(r: Reader, index: ViewsIndex, q: str, filters: Filters, page: int,
                 size: int = SEARCH_PAGE_SIZE) -> dict:
    """Page ``page`` of the resources whose label contains ``q``, best first, with the facets."""
    needle = normalize(q)
    chosen = filters.chosen()
    if not needle:
        return {"q": q, "results": [], "more": False, "total": 0, "page": 1, "pages": 1,
                "facets": {}, "filters": chosen}
    hits = index.hits(needle)
    kept = [h for h in hits if _keeps(h, chosen)]
    pages = page_count(len(kept), size)
    shown = kept[(page - 1) * size: page * size]
    refs = r.refs({v for h in shown for v in (h[0], h[1], h[2], h[3])} - {None})
    results = [{"ref": refs[h[0]], "match": h[6], "kind": refs.get(h[1] or ""),
                "plan": refs.get(h[2] or ""), "muni": refs.get(h[3] or "")} for h in shown]
    return {"q": q, "results": results, "more": page < pages, "total": len(kept), "page": page,
            "pages": pages, "facets": _facets(r, hits, chosen), "filters": chosen}


def search_store(found: dict, page: int, size: int = SEARCH_PAGE_SIZE) -> dict:
    """Page ``page`` of what the store's label scan found (a release without an index): no
    facets, and at most as many results as the scan returns."""
    results = found["results"]
    pages = page_count(len(results), size)
    return {**found, "results": results[(page - 1) * size: page * size],
            "more": page < pages or found["more"], "total": len(results), "page": page,
            "pages": pages, "facets": {}, "filters": {}}
