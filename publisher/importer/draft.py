"""The draft as a plan folder in the source format (plan.yaml, elements.yaml, indicators.yaml)."""

from __future__ import annotations

import re
from collections import Counter

import yaml

from ..registry import registry
from .model import Draft, Element, Found, Indicator, Value
from .text import nfkc

HEADER = "# yaml-language-server: $schema=../../publisher/schemas/plan-source.schema.json\n"
DRAFT_NOTE = ("# planlod import が {source} から作った下書きです。source.review のある項目を文書と照合し、\n"
              "# 確認したら review を消してください。`planlod validate` が残りを一覧にします。\n"
              "# A draft made by `planlod import` from {source}: check each item with source.review\n"
              "# against the document and delete the review once checked.\n")
_LEVEL_PREFIX = {"goal": "g", "policy": "p", "measure": "m", "action": "a"}
_INFERRED = "（推定 / inferred）"


def assign_ids(draft: Draft) -> None:
    """Ids from the document's own codes where they are ASCII (H1-1 → h1-1), otherwise from the
    place in the hierarchy (g1, g1-2, g1-2-3); indicators after their element (h1-kpi1)."""
    taken: set[str] = set()
    ordinal: Counter[tuple[int, str]] = Counter()
    for e in sorted(draft.elements, key=_depth):
        ordinal[(id(e.parent), e.level)] += 1
        n = ordinal[(id(e.parent), e.level)]
        if e.level == "vision":
            base = "vision"
        elif e.code and re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", nfkc(e.code)):
            base = nfkc(e.code).lower()
        elif e.parent is not None and e.parent.level != "vision":
            base = f"{e.parent.id}-{n}"
        else:
            base = f"{_LEVEL_PREFIX[e.level]}{n}"
        e.id = _unique(base, taken)
    per_element: Counter[str] = Counter()
    for ind in draft.indicators:
        owner = ind.element.id if ind.element else "plan"
        per_element[owner] += 1
        ind.id = _unique(f"{owner}-kpi{per_element[owner]}", taken)


def _depth(e: Element) -> int:
    depth, p = 0, e.parent
    while p is not None:
        depth, p = depth + 1, p.parent
    return depth


def _unique(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def plan_doc(draft: Draft, plan_id: str, code: str, source_name: str) -> dict:
    lg = registry()[code]
    facts = draft.facts
    notes = []
    title = facts.get("title")
    if not title:
        title = "（計画の名称）"
        notes.append("計画の名称を文書から読めませんでした。記入してください。 / The plan's title could not be read; fill it in.")
    status = facts.get("status")
    if status is None:
        status = "draft"
        notes.append("計画の段階（案・素案・策定済）を文書から読めませんでした。status を確認してください。 / "
                     "The plan's stage could not be read; check status.")
    if not draft.elements:
        notes.append("この文書には計画の体系（将来像・目標・政策・施策）がありません。 / "
                     "The document has no hierarchy (vision, goals, policies, measures).")
    plan: dict = {"id": plan_id,
                  "municipality": {"code": code, "name": lg.name, "prefecture": lg.prefecture.name},
                  "title": title, "status": status}
    if "period" in facts:
        plan["period"] = facts["period"]
    levels = _levels(draft.elements)
    if levels:
        plan["levels"] = levels
    if facts.get("layers"):
        plan["layers"] = [{"id": x["id"], "title": x["title"], "description": x["description"],
                           "source": _source(Found(x["line"], x["title"], 0.8))} for x in facts["layers"]]
    plan["sources"] = [{"id": "main", "file": source_name, "title": title}]
    if notes:
        plan["note"] = "\n".join(notes)
    doc: dict = {"plan": plan}
    departments = facts.get("departments") or {}
    if departments:
        doc["departments"] = [{"id": dept_id(i), "name": name} for i, name in enumerate(departments)]
    if facts.get("events"):
        doc["events"] = [_event(e) for e in facts["events"]]
    return doc


def dept_id(index: int) -> str:
    return f"dept-{index + 1}"


def _levels(elements: list[Element]) -> dict[str, str]:
    terms: dict[str, Counter[str]] = {}
    for e in elements:
        if e.term:
            terms.setdefault(e.level, Counter())[e.term] += 1
    return {level: c.most_common(1)[0][0] for level, c in terms.items()}


def _event(e: dict) -> dict:
    return {"id": f"session-{e['sequence']}", "kind": "other", "title": e["title"],
            "sequence": e["sequence"], "date": e["date"], "agenda": e["agenda"],
            "note": "表には「第N回」とだけ書かれています。会議体の種類は文書から読めません。 / "
                    "The schedule says only the session number; the kind of meeting is not stated.",
            "source": _source(Found(e["line"], "スケジュール", 0.7,
                                    "会議体の種類（kind）を確認してください。 / Check the kind of meeting."))}


def _source(found: Found) -> dict:
    return found.as_source()


def element_doc(e: Element, levels: dict[str, str], departments: list[str]) -> dict:
    d: dict = {"id": e.id, "level": e.level}
    if e.term and levels.get(e.level) != e.term:
        d["local_term"] = e.term
    if e.code:
        d["code"] = e.code
    if e.parent is not None:
        d["parent"] = e.parent.id
    d["title"] = e.title
    if e.subtitle:
        d["subtitle"] = e.subtitle
    if e.departments:
        d["departments"] = [dept_id(departments.index(name)) for name in e.departments]
    if e.sdgs:
        d["alignments"] = [{"target": f"sdg:{n}", "basis": "declared"} for n in e.sdgs]
    d["source"] = _source(e.found)
    return d


def indicator_doc(ind: Indicator) -> dict:
    d: dict = {"id": ind.id}
    if ind.element is not None:
        d["element"] = ind.element.id
    if ind.local_term:
        d["local_term"] = ind.local_term
    d["title"] = ind.title
    units = {v.unit for v in ind.values}
    unit = units.pop() if len(units) == 1 else None
    if unit:
        d["unit"] = unit
    direction = _direction(ind.values)
    if direction:
        d["direction"], d["direction_basis"] = direction
    if ind.proposed:
        d["proposed"] = True
    if ind.values:
        d["values"] = [_value(v, unit) for v in ind.values]
    if not unit:
        d["note"] = "単位の記載なし（値ごとの単位は values に）。 / No unit stated for the indicator."
    d["source"] = _source(ind.found)
    return d


def _value(v: Value, unit: str | None) -> dict:
    d: dict = {"kind": v.kind, "value": v.value}
    if v.unit and v.unit != unit:
        d["unit"] = v.unit
    if v.fiscal_year:
        d["fiscal_year"] = v.fiscal_year
    if v.qualifier:
        d["qualifier"] = v.qualifier
    d["text"] = v.text
    return d


def _direction(values: list[Value]) -> tuple[str, str] | None:
    """Which way is good, inferred from the baseline and the target, and marked as inferred."""
    base = next((v for v in values if v.kind == "baseline"), None)
    target = next((v for v in values if v.kind == "target"), None)
    if base is None or target is None:
        return None
    if target.value > base.value:
        return "increase", f"目標値 {target.value} が基準値 {base.value} を上回る{_INFERRED}"
    if target.value < base.value:
        return "decrease", f"目標値 {target.value} が基準値 {base.value} を下回る{_INFERRED}"
    return "maintain", f"目標値が基準値と同じ {base.value}{_INFERRED}"


def render_files(draft: Draft, plan_id: str, code: str, source_name: str) -> dict[str, str]:
    """The three files of the draft, by name."""
    assign_ids(draft)
    plan = plan_doc(draft, plan_id, code, source_name)
    levels = plan["plan"].get("levels", {})
    departments = list(draft.facts.get("departments") or {})
    elements = {"elements": [element_doc(e, levels, departments) for e in _ordered(draft.elements)]}
    indicators = {"indicators": [indicator_doc(i) for i in draft.indicators]}
    head = HEADER + DRAFT_NOTE.format(source=source_name)
    return {name: head + dump(doc) for name, doc in
            (("plan.yaml", plan), ("elements.yaml", elements), ("indicators.yaml", indicators))}


def _ordered(elements: list[Element]) -> list[Element]:
    """Parents before children, otherwise in document order."""
    return sorted(elements, key=lambda e: (_depth(e), e.found.line.no))


def dump(doc: dict) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
