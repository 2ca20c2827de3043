"""Page data for local governments (every municipality and prefecture of the registry, with or
without a plan) and for the national coverage view: which municipalities have a plan in the
graph, by prefecture, on a map, and when their plans end.

The registry is its own named graph (``B/dataset/registry``, see :mod:`publisher.registry.rdf`);
the queries here read it by name, so a municipality that a plan's graph describes too is read
once. Coverage reads only the registry and each plan's ``mplan:municipality`` and
``mplan:periodEnd``: a few thousand rows at national scale, computed once per release
(:class:`ReleaseCache`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ...namespaces import DEF
from .reader import Label, Reader, Ref, fallback_label, iri_values, text_of

KIND_SCHEME = f"{DEF}/local-government-kind"
KIND_ORDER = ("prefecture", "designated-city", "city", "special-ward", "town", "village")
#: What a local government's own facts are (its literal properties that pages show).
NAME_PREDICATES = ("skos:prefLabel", "rdfs:label", "mplan:kana", "mplan:romanizedName",
                   "mplan:localGovernmentCode", "mplan:prefecture")

T = TypeVar("T")


def registry_graph(r: Reader) -> str:
    """The registry's named graph (the registry dataset's IRI)."""
    return r.paths.base + "dataset/registry"


@dataclass(frozen=True)
class Place:
    """One local government as the registry gives it."""

    iri: str
    code: str
    kind: str  # a notation of def/local-government-kind: city, town, …
    prefecture: str | None  # the prefecture's IRI; None for a prefecture
    name: str  # Japanese
    name_en: str  # generated romanisation ("" if none)
    lat: str | None  # decimal degrees as published (WGS84, approximate)
    lng: str | None


@dataclass(frozen=True)
class PlanEnd:
    """A plan of a local government and the fiscal year its period ends (None if not stated)."""

    plan: str
    government: str
    end: int | None


_PLACES = """SELECT ?m ?code ?kind ?name ?en ?pref ?lat ?lng {{ GRAPH {graph} {{
    ?m mplan:localGovernmentCode ?code ; mplan:localGovernmentKind ?kind ; rdfs:label ?name .
    {part}
    OPTIONAL {{ ?m mplan:romanizedName ?en }}
    OPTIONAL {{ ?m wgs84:location [ wgs84:lat ?lat ; wgs84:long ?lng ] }}
    FILTER(LANG(?name) = "ja") }} }}"""


def places(r: Reader, prefecture: str | None = None) -> list[Place]:
    """Every local government of the registry (``prefecture``: only its municipalities), in
    code order."""
    graph = f"<{registry_graph(r)}>"
    if prefecture is None:
        rows = r.select(_PLACES.format(graph=graph, part="OPTIONAL { ?m dcterms:isPartOf ?pref }"))
    else:
        rows = r.select(_PLACES.format(graph=graph, part="?m dcterms:isPartOf ?pref ."),
                        pref=prefecture)
    seen: dict[str, Place] = {}
    for x in rows:
        m = x["m"].value
        if m in seen:
            continue
        seen[m] = Place(m, x["code"].value, x["kind"].value.rsplit("/", 1)[-1], text_of(x, "pref"),
                        x["name"].value, text_of(x, "en") or "", text_of(x, "lat"), text_of(x, "lng"))
    return sorted(seen.values(), key=lambda p: p.code)


def _year(text: str | None) -> int | None:
    return int(text[:4]) if text and text[:4].isdigit() else None


def plan_ends(r: Reader, governments: list[str] | None = None) -> list[PlanEnd]:
    """Every plan (of ``governments`` only, if given) with its local government and the fiscal
    year its period ends; a plan with two end years (it should not have) counts its last."""
    if governments is not None and not governments:
        return []
    values = f"VALUES ?m {{ {iri_values(governments)} }}" if governments is not None else ""
    rows = r.select(f"""SELECT DISTINCT ?plan ?m ?end {{ {values}
        ?plan mplan:municipality ?m ; a mplan:Plan OPTIONAL {{ ?plan mplan:periodEnd ?end }} }}""")
    best: dict[tuple[str, str], int | None] = {}
    for x in rows:
        key = (x["plan"].value, x["m"].value)
        year = _year(text_of(x, "end"))
        if key not in best or (year is not None and (best[key] or 0) < year):
            best[key] = year
    return sorted((PlanEnd(p, m, y) for (p, m), y in best.items()), key=lambda e: (e.government, e.plan))


def place_ref(r: Reader, place: Place, labels: dict[str, Label] | None = None) -> Ref:
    """A link to a local government, named from the registry (or from ``labels``: an English
    label a plan gives wins over the generated romanisation)."""
    label = (labels or {}).get(place.iri) or {"ja": place.name, "en": place.name_en or place.name}
    return Ref(place.iri, r.paths.href(place.iri), label)


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass
class Coverage:
    """Which municipalities have a plan in the graph: every row, the counts by prefecture and
    for the country, and the plans by the fiscal year their period ends."""

    municipalities: list[dict]  # one per municipality, code order (the CSV's rows)
    prefectures: list[dict]  # one per prefecture, code order, with its counts
    totals: dict  # municipalities, with_plan, share, prefecture_plans
    timeline: list[dict]  # {"year": int | None, "plans": [{"plan", "government", "code"}]}
    refs: dict[str, Ref] = field(default_factory=dict)


def coverage(r: Reader) -> Coverage:
    """The coverage of the whole country (three queries and the labels of what has a plan)."""
    everyone = places(r)
    ends = plan_ends(r)
    by_gov: dict[str, list[PlanEnd]] = {}
    for e in ends:
        by_gov.setdefault(e.government, []).append(e)
    labels = r.labels({e.plan for e in ends} | set(by_gov))
    refs = {p.iri: place_ref(r, p, labels) for p in everyone}
    refs.update({e.plan: Ref(e.plan, r.paths.href(e.plan), labels.get(e.plan) or fallback_label(e.plan))
                 for e in ends})
    refs.update({g: Ref(g, r.paths.href(g), labels.get(g) or fallback_label(g))  # not in the registry
                 for g in by_gov if g not in refs})
    prefectures = [p for p in everyone if p.kind == "prefecture"]
    munis = [p for p in everyone if p.kind != "prefecture"]
    rows = []
    for m in munis:
        plans = sorted(by_gov.get(m.iri, []), key=lambda e: e.plan)
        years = [e.end for e in plans if e.end is not None]
        rows.append({"place": m, "ref": refs[m.iri], "plans": [refs[e.plan] for e in plans],
                     "has_plan": bool(plans), "period_end": max(years) if years else None})
    pref_rows = []
    for p in prefectures:
        mine = [x for x in rows if x["place"].prefecture == p.iri]
        covered = sum(1 for x in mine if x["has_plan"])
        pref_rows.append({"place": p, "ref": refs[p.iri], "municipalities": len(mine),
                          "with_plan": covered, "share": share(covered, len(mine)),
                          "own_plans": [refs[e.plan] for e in sorted(by_gov.get(p.iri, []),
                                                                     key=lambda e: e.plan)]})
    covered = sum(1 for x in rows if x["has_plan"])
    totals = {"municipalities": len(rows), "with_plan": covered, "share": share(covered, len(rows)),
              "prefectures": len(prefectures), "plans": len(ends),
              "prefectures_with_plan": sum(1 for p in pref_rows if p["own_plans"])}
    return Coverage(rows, pref_rows, totals, timeline(ends, refs, {p.iri: p for p in everyone}),
                    refs)


def timeline(ends: list[PlanEnd], refs: dict[str, Ref], places_by_iri: dict[str, Place]) -> list[dict]:
    """Plans grouped by the fiscal year their period ends, earliest first; plans that state no
    end year last (``year`` None). Within a year, by local government code."""
    groups: dict[int | None, list[dict]] = {}
    for e in ends:
        place = places_by_iri.get(e.government)
        gov = refs[e.government]
        groups.setdefault(e.end, []).append({
            "plan": refs[e.plan], "government": gov, "code": place.code if place else "",
            "prefecture_plan": bool(place and place.kind == "prefecture")})
    out = []
    for year in sorted(groups, key=lambda y: (y is None, y or 0)):
        out.append({"year": year, "plans": sorted(groups[year], key=lambda x: (x["code"], x["plan"].iri))})
    return out


class ReleaseCache(Generic[T]):
    """A national aggregate of one release (its coverage, its sitemap), computed on first use
    and kept until the store serves another release (a release never changes, so neither does
    what is computed from it)."""

    def __init__(self, compute: Callable[[], T], release: Callable[[], str]):
        self._compute = compute
        self._release = release
        self._lock = threading.Lock()
        self._held: tuple[str, T] | None = None

    def get(self) -> T:
        release = self._release()
        held = self._held
        if held is not None and held[0] == release:
            return held[1]
        with self._lock:  # one computation at a time; the others wait for its answer
            held = self._held
            if held is None or held[0] != release:
                held = (release, self._compute())
                self._held = held
            return held[1]


# --- the page of one local government ----------------------------------------------------------

def _facts(r: Reader, iri: str) -> dict:
    """What the registry (and a plan's graph) say about one local government."""
    lits = r.select(f"""SELECT DISTINCT ?p ?o {{ ?m ?p ?o
        FILTER(isLiteral(?o) && ?p IN ({', '.join(NAME_PREDICATES)})) }}""", m=iri)
    names: dict[str, dict[str, str]] = {}
    for x in lits:
        p = x["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        lang = (x["o"].language or "").lower()
        names.setdefault(p, {}).setdefault(lang, x["o"].value)
    links = r.select("""SELECT DISTINCT ?p ?o { ?m ?p ?o FILTER(isIRI(?o) && ?p IN (
        mplan:localGovernmentKind, dcterms:isPartOf, mplan:statisticalArea, owl:sameAs,
        dcterms:source, prov:wasDerivedFrom)) }""", m=iri)
    linked: dict[str, list[str]] = {}
    for x in links:
        linked.setdefault(x["p"].value.rsplit("#", 1)[-1].rsplit("/", 1)[-1], []).append(x["o"].value)
    for values in linked.values():
        values.sort()
    point = r.select("""SELECT DISTINCT ?lat ?lng ?g ?note ?src { ?m wgs84:location ?g .
        ?g wgs84:lat ?lat ; wgs84:long ?lng
        OPTIONAL { ?g rdfs:comment ?note } OPTIONAL { ?g dcterms:source ?src } }""", m=iri)
    # the registry cites its sources with dcterms:source (a plan's parts use prov:wasDerivedFrom)
    sources = sorted(set(linked.get("source", []) + linked.get("wasDerivedFrom", [])))
    cites = r.select(f"""SELECT DISTINCT ?s ?cite ?publisher {{ VALUES ?s {{ {iri_values(sources)} }}
        OPTIONAL {{ ?s dcterms:bibliographicCitation ?cite }}
        OPTIONAL {{ ?s dcterms:publisher ?publisher }} }}""") if sources else []
    point_sources = sorted({text_of(x, "src") for x in point} - {None})
    refs = r.refs({iri, *(o for v in linked.values() for o in v), *point_sources})
    p0 = point[0] if point else {}
    labels = names.get("prefLabel", {}) | names.get("label", {})
    return {
        "ref": refs[iri], "code": (names.get("localGovernmentCode") or {}).get(""),
        "kana": next(iter((names.get("kana") or {}).values()), None),
        "romanized": (names.get("romanizedName") or {}).get("en"),
        # an English page's title is the generated romanisation when nothing else names it in English
        "generated_name": "en" not in labels and bool(names.get("romanizedName")),
        "kind": refs[linked["localGovernmentKind"][0]] if linked.get("localGovernmentKind") else None,
        "kind_key": linked["localGovernmentKind"][0].rsplit("/", 1)[-1] if linked.get("localGovernmentKind") else None,
        "part_of": [refs[x] for x in linked.get("isPartOf", [])],
        "prefecture_name": names.get("prefecture", {}),
        "area": (linked.get("statisticalArea") or [None])[0],
        "same_as": (linked.get("sameAs") or [None])[0],
        "point": {"lat": text_of(p0, "lat"), "lng": text_of(p0, "lng"),
                  "note": {(x["note"].language or ""): x["note"].value for x in point if x.get("note")},
                  "sources": [refs[s] for s in point_sources]} if point else None,
        "sources": [(refs[x["s"].value], text_of(x, "publisher") or text_of(x, "cite"))
                    for x in cites],
    }


def _plans(r: Reader, iri: str) -> tuple[list[Ref], list[Ref]]:
    """The plans of a local government, and their licences."""
    rows = r.select("""SELECT DISTINCT ?p ?license { ?p mplan:municipality ?m ; a mplan:Plan
        OPTIONAL { ?p dcterms:license ?license } } ORDER BY ?p""", m=iri)
    licenses = sorted({text_of(x, "license") for x in rows} - {None})
    refs = r.refs({x["p"].value for x in rows} | set(licenses))
    plans = list(dict.fromkeys(x["p"].value for x in rows))
    return [refs[p] for p in plans], [refs[i] for i in licenses]


def _provenance(licenses: list[Ref], facts: dict) -> dict:
    return {"licenses": licenses, "sources": facts["sources"], "sections": [], "plan": None}


def municipality_page(r: Reader, iri: str) -> dict:
    """A municipality, with or without a plan: the registry's facts (name, kana, generated
    romanisation, kind, prefecture, e-Stat area, approximate point, source), its plans and
    departments, and its prefecture's municipalities for the mini-map."""
    facts = _facts(r, iri)
    plans, licenses = _plans(r, iri)
    units = r.select("SELECT DISTINCT ?u { ?u org:unitOf ?m } ORDER BY ?u", m=iri)
    unit_refs = r.refs(x["u"].value for x in units)
    prefecture = facts["part_of"][0].iri if facts["part_of"] else None
    neighbours = [{"place": p, "ref": place_ref(r, p)} for p in places(r, prefecture)] if prefecture else []
    return {**facts, "plans": plans, "units": [unit_refs[x["u"].value] for x in units],
            "neighbours": neighbours, "provenance": _provenance(licenses, facts)}


def prefecture_page(r: Reader, iri: str) -> dict:
    """A prefecture: the registry's facts, its own plans, and every municipality in it with
    whether it has a plan (and when that plan ends), counted."""
    facts = _facts(r, iri)
    own, licenses = _plans(r, iri)
    munis = places(r, iri)
    ends = plan_ends(r, [m.iri for m in munis])
    by_gov: dict[str, list[PlanEnd]] = {}
    for e in ends:
        by_gov.setdefault(e.government, []).append(e)
    labels = r.labels({e.plan for e in ends} | set(by_gov))
    rows = []
    for m in munis:
        mine = sorted(by_gov.get(m.iri, []), key=lambda e: e.plan)
        years = [e.end for e in mine if e.end is not None]
        rows.append({"place": m, "ref": place_ref(r, m, labels), "has_plan": bool(mine),
                     "plans": [Ref(e.plan, r.paths.href(e.plan), labels.get(e.plan) or fallback_label(e.plan))
                               for e in mine],
                     "period_end": max(years) if years else None})
    covered = sum(1 for x in rows if x["has_plan"])
    kinds = r.refs(f"{KIND_SCHEME}/{k}" for k in KIND_ORDER)
    return {**facts, "plans": own, "municipalities": rows,
            "kinds": {k: kinds[f"{KIND_SCHEME}/{k}"] for k in KIND_ORDER},
            "counts": {"municipalities": len(rows), "with_plan": covered,
                       "share": share(covered, len(rows)),
                       "by_kind": [(kinds[f"{KIND_SCHEME}/{k}"], n) for k in KIND_ORDER
                                   if (n := sum(1 for x in rows if x["place"].kind == k))]},
            "provenance": _provenance(licenses, facts)}
