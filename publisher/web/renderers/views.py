"""/search and /compare as data: JSON (every IRI with the URL this server serves it at) and
CSV (one row per result, or per non-empty cell of the grid), chosen by the negotiated offer
from :data:`SEARCH_RENDERERS` and :data:`COMPARE_RENDERERS`, as /coverage's are.

The CSV is UTF-8 without a BOM, IRIs in full, labels in Japanese and English; the JSON carries
labels by language (as the API does: ``{"ja": …, "en": …}``). Documented in ``docs/api.md``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Protocol

from ..service.api import label, link
from ..service.links import BASES, firm, municipality_code
from ..service.reader import Ref, pick, sdg_notation

SEARCH_COLUMNS = ("iri", "url", "label_ja", "label_en", "match", "kind", "kind_label_en",
                  "plan", "municipality")
COMPARE_COLUMNS = ("grid", "municipality", "code", "municipality_label_ja", "target", "notation",
                   "target_label_ja", "target_label_en", *BASES, "asserted", "linked", "items_url")
GRIDS = (("sdg", "goals"), ("domain", "domains"))  # the grid's cells, and its columns


class Locating(Protocol):
    """Where this server serves an IRI (:class:`publisher.web.locator.Locator`)."""

    root: str  # this server's address, as the client asked it

    def url(self, iri: str) -> str | None: ...

    def locate(self, value: object) -> object: ...


def _json(doc: object) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _csv(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, columns, lineterminator="\r\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _text(ref: Ref | None, lang: str) -> str:
    return pick(ref.label, lang) if ref is not None else ""


def search_json(data: dict, where: Locating) -> bytes:
    """The page of results, Datasette-style: ``next`` (the next page's number, or null) and
    ``next_url``; ``total`` counts every hit, ``facets`` each facet's most frequent values."""
    results = [{"iri": r["ref"].iri, "label": label(r["ref"]), "match": r["match"],
                "kind": link(r["kind"]), "plan": link(r["plan"]),
                "municipality": link(r["muni"])} for r in data["results"]]
    nxt = data.get("links", {}).get("next")
    facets = {name: [{"value": f["value"], "count": f["count"], **link(f["ref"])} for f in values]
              for name, values in data["facets"].items()}
    return _json(where.locate({"q": data["q"], "total": data["total"], "page": data["page"],
                               "pages": data["pages"], "more": data["more"],
                               "next": str(data["page"] + 1) if nxt else None,
                               "next_url": where.root + nxt if nxt else None,
                               "filters": data["filters"], "facets": facets, "results": results}))


def search_csv(data: dict, where: Locating) -> bytes:
    rows = [{"iri": r["ref"].iri, "url": where.url(r["ref"].iri) or "",
             "label_ja": _text(r["ref"], "ja"), "label_en": _text(r["ref"], "en"),
             "match": r["match"], "kind": r["kind"].iri if r["kind"] else "",
             "kind_label_en": _text(r["kind"], "en"),
             "plan": r["plan"].iri if r["plan"] else "",
             "municipality": r["muni"].iri if r["muni"] else ""} for r in data["results"]]
    return _csv(SEARCH_COLUMNS, rows)


def items_url(where: Locating, target: Ref, muni: Ref) -> str | None:
    """The page of ``target``'s links in ``muni``'s plans (``/sdg/13?municipality=152021``)."""
    page, code = where.url(target.iri), municipality_code(muni.iri)
    return f"{page}?municipality={code}" if page and code else None


def _cells(data: dict, grid: str, columns: str) -> list[tuple[Ref, Ref, dict]]:
    """The non-empty cells of one grid, row by row: (municipality, target, counts by basis)."""
    return [(m, c, data[grid][(m.iri, c.iri)]) for m in data["municipalities"]
            for c in data[columns] if (m.iri, c.iri) in data[grid]]


def compare_json(data: dict, where: Locating) -> bytes:
    doc: dict = {"bases": list(data["bases"]),
                 "municipalities": [{**link(m), "code": municipality_code(m.iri)}
                                    for m in data["municipalities"]]}
    for grid, columns in GRIDS:
        doc[grid] = {
            "columns": [{**link(c), "notation": sdg_notation(c.iri)} for c in data[columns]],
            "cells": [{"municipality": {"iri": m.iri}, "target": {"iri": c.iri},
                       "counts": counts, "linked": firm(counts),
                       "items_url": items_url(where, c, m)}
                      for m, c, counts in _cells(data, grid, columns)]}
    return _json(where.locate(doc))


def compare_csv(data: dict, where: Locating) -> bytes:
    rows = []
    for grid, columns in GRIDS:
        for m, c, counts in _cells(data, grid, columns):
            rows.append({"grid": grid, "municipality": m.iri, "code": municipality_code(m.iri),
                         "municipality_label_ja": _text(m, "ja"), "target": c.iri,
                         "notation": sdg_notation(c.iri) or "", "target_label_ja": _text(c, "ja"),
                         "target_label_en": _text(c, "en"),
                         **{b: counts.get(b, 0) for b in (*BASES, "asserted")},
                         "linked": firm(counts), "items_url": items_url(where, c, m) or ""})
    return _csv(COMPARE_COLUMNS, rows)


SEARCH_RENDERERS: dict[str, Callable[[dict, Locating], bytes]] = {"json": search_json,
                                                                  "csv": search_csv}
COMPARE_RENDERERS: dict[str, Callable[[dict, Locating], bytes]] = {"json": compare_json,
                                                                   "csv": compare_csv}
