"""The coverage view as data: one CSV row per municipality, or the whole view as JSON.

Both are registered by key in :data:`COVERAGE_RENDERERS` (chosen by the negotiated offer, as
every other representation is). The CSV follows the registry's own CSV (``registry.csv``):
UTF-8 without a BOM, codes as text with their leading zeros, IRIs in full.

Columns: ``code``, ``prefecture_code``, ``prefecture``, ``name``, ``name_en_generated`` (the
registry's romanisation, generated), ``kind`` (a notation of def/local-government-kind),
``has_plan`` (``true`` when some ``mplan:Plan`` has ``mplan:municipality`` it), ``plans`` (the
plans' IRIs, space-separated), ``period_end`` (the last fiscal year of its plans' periods,
Gregorian start year; empty when none states one), ``lat``, ``lng`` (approximate) and ``iri``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from ..service.places import Coverage

CSV_COLUMNS = ("code", "prefecture_code", "prefecture", "name", "name_en_generated", "kind",
               "has_plan", "plans", "period_end", "lat", "lng", "iri")


def _prefectures(cov: Coverage) -> dict[str, tuple[str, str]]:
    return {p["place"].iri: (p["place"].code, p["place"].name) for p in cov.prefectures}


def coverage_rows(cov: Coverage) -> list[dict]:
    """One dict per municipality, in code order, with the CSV's columns (JSON types)."""
    prefs = _prefectures(cov)
    out = []
    for row in cov.municipalities:
        p = row["place"]
        pref_code, pref_name = prefs.get(p.prefecture or "", ("", ""))
        out.append({"code": p.code, "prefecture_code": pref_code, "prefecture": pref_name,
                    "name": p.name, "name_en_generated": p.name_en, "kind": p.kind,
                    "has_plan": row["has_plan"], "plans": [ref.iri for ref in row["plans"]],
                    "period_end": row["period_end"],
                    "lat": float(p.lat) if p.lat is not None else None,
                    "lng": float(p.lng) if p.lng is not None else None, "iri": p.iri})
    return out


def coverage_csv(cov: Coverage) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    lat_lng = {row["place"].iri: (row["place"].lat or "", row["place"].lng or "")
               for row in cov.municipalities}
    for row in coverage_rows(cov):
        lat, lng = lat_lng[row["iri"]]  # as published, not through a float
        w.writerow([row["code"], row["prefecture_code"], row["prefecture"], row["name"],
                    row["name_en_generated"], row["kind"], "true" if row["has_plan"] else "false",
                    " ".join(row["plans"]), "" if row["period_end"] is None else row["period_end"],
                    lat, lng, row["iri"]])
    return buf.getvalue().encode("utf-8")


def coverage_json(cov: Coverage) -> bytes:
    t = cov.totals
    doc = {
        "municipalities": t["municipalities"], "with_plan": t["with_plan"], "share": t["share"],
        "prefectures_with_own_plan": t["prefectures_with_plan"],
        "prefectures": [{"code": p["place"].code, "name": p["place"].name,
                         "name_en_generated": p["place"].name_en, "iri": p["place"].iri,
                         "municipalities": p["municipalities"], "with_plan": p["with_plan"],
                         "share": p["share"], "own_plans": [ref.iri for ref in p["own_plans"]]}
                        for p in cov.prefectures],
        "timeline": [{"fiscal_year": g["year"],
                      "plans": [{"plan": x["plan"].iri, "title": x["plan"].text("ja"),
                                 "local_government": x["government"].iri, "code": x["code"],
                                 "name": x["government"].text("ja")} for x in g["plans"]]}
                     for g in cov.timeline],
        "rows": coverage_rows(cov),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


COVERAGE_RENDERERS: dict[str, Callable[[Coverage], bytes]] = {"csv": coverage_csv, "json": coverage_json}
