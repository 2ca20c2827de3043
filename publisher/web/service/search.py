"""/search from the release's index: ranked, paged and faceted by prefecture, municipality,
level (or class) and SDG goal.

Facet values in URLs are short and checked by the route (:data:`FACET_NAMES`): a prefecture's
or municipality's six-digit code, a level's or class's local name (``measure``, ``Indicator``),
an SDG goal's number. Each facet counts the hits that the *other* facets let through, so that
its other values stay visible once one is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...publish.views import normalize
from .index import FACETS, ViewsIndex
from .reader import Reader, page_count

SEARCH_PAGE_SIZE = 50
FACET_SIZE = 20  # values shown per facet, the most frequent first
FACET_NAMES = tuple(FACETS)


@dataclass(frozen=True)
class Filters:
    """The facets chosen (values as URLs name them); None: not filtered."""

    prefecture: str | None = None
    municipality: str | None = None
    level: str | None = None
    sdg: str | None = None

    def chosen(self) -> dict[str, str]:
        return {k: v for k in FACET_NAMES if (v := getattr(self, k)) is not None}


def _facets(r: Reader, facets: dict[str, list[tuple[str, str, int]]], chosen: dict[str, str]) -> dict[str, list[dict]]:
    """Each facet's most frequent values (then by value), with their pages."""
    top = {name: sorted(values, key=lambda x: (-x[2], x[0]))[:FACET_SIZE] for name, values in facets.items()}
    refs = r.refs({iri for values in top.values() for _, iri, _ in values})
    return {name: [{"value": v, "count": n, "ref": refs[iri], "chosen": chosen.get(name) == v}
                   for v, iri, n in values] for name, values in top.items()}


def search_index(r: Reader, index: ViewsIndex, q: str, filters: Filters, page: int,
                 size: int = SEARCH_PAGE_SIZE) -> dict:
    """Page ``page`` of the resources whose label contains ``q``, best first, with the facets."""
    needle = normalize(q)
    chosen = filters.chosen()
    if not needle:
        return {"q": q, "results": [], "more": False, "total": 0, "page": 1, "pages": 1,
                "facets": {}, "filters": chosen}
    found = index.search(needle, chosen, (page - 1) * size, size)
    pages = page_count(found.total, size)
    refs = r.refs({v for h in found.hits for v in (h.iri, h.kind, h.plan, h.municipality)} - {None})
    results = [{"ref": refs[h.iri], "match": h.label, "kind": refs.get(h.kind or ""),
                "plan": refs.get(h.plan or ""), "muni": refs.get(h.municipality or "")} for h in found.hits]
    return {"q": q, "results": results, "more": page < pages, "total": found.total, "page": page,
            "pages": pages, "facets": _facets(r, found.facets, chosen), "filters": chosen}


def search_store(found: dict, page: int, size: int = SEARCH_PAGE_SIZE) -> dict:
    """Page ``page`` of what the store's label scan found (a release without an index): no
    facets, and at most as many results as the scan returns."""
    results = found["results"]
    pages = page_count(len(results), size)
    return {**found, "results": results[(page - 1) * size: page * size],
            "more": page < pages or found["more"], "total": len(results), "page": page,
            "pages": pages, "facets": {}, "filters": {}}
