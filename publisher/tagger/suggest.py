"""Suggest SDG goals and targets for each element and indicator of a plan.

An item's text is read field by field (title, subtitle, target state, highlights, approaches,
description; the parent's title as context, only when the rest suggests nothing). Every term
found adds its weight times the field's weight to the evidence for its goal (each distinct term counts once per goal,
at the best field it appears in). A goal is suggested when its evidence is at least
``min_evidence``, includes a term of weight ``min_term_weight`` or more, and is at least
``ratio`` of the best goal's evidence; at most ``max_goals`` goals per item. The suggestion
names the goal's best-supported target when one target has clear evidence of its own, else the
goal. Its score is ``evidence / (evidence + scale)``, between 0 and 1.

>>> item = TextItem("element", "p3-6-1", "地球温暖化対策の推進", [("title", "地球温暖化対策の推進")])
>>> [(s.target, s.score, s.evidence) for s in suggest(item)]
[('13.2', 0.6, ('地球温暖化',))]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..load import PlanSource
from .dictionary import Dictionary, load

CONTEXT_MARK = "上位:"


@dataclass(frozen=True)
class TextItem:
    """An element or indicator as the tagger reads it: (field, text) pairs."""

    kind: str  # "element" or "indicator"
    id: str
    title: str
    fields: list[tuple[str, str]]


@dataclass(frozen=True)
class Suggestion:
    goal: str
    target: str  # "13" or "13.2": the goal, or its best-supported target
    evidence_weight: float
    score: float
    evidence: tuple[str, ...]  # matched terms, strongest first


def _ja(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else value.get("ja", "")


def plan_items(source: PlanSource) -> list[TextItem]:
    """The elements and indicators of a loaded plan, in file order, as the tagger reads them."""
    elements = {e.data["id"]: e.data for e in source.items("elements")}
    items = []
    for e in elements.values():
        fields = [("title", _ja(e["title"])), ("subtitle", _ja(e.get("subtitle"))),
                  ("description", _ja(e.get("description")))]
        fields += [("highlights", h) for h in e.get("highlights", [])]
        ts = e.get("target_state")
        if ts:
            fields.append(("target_state", f"{ts.get('subject', '')}{ts['intent']}"))
        for a in e.get("approaches", []):
            fields.append(("approach", _ja(a["title"])))
            fields += [("approach_detail", d) for d in a.get("details", [])]
        parent = elements.get(e.get("parent", ""))
        if parent:
            fields.append(("context", _ja(parent["title"])))
        items.append(TextItem("element", e["id"], _ja(e["title"]), [f for f in fields if f[1]]))
    for i in source.items("indicators"):
        d = i.data
        fields = [("title", _ja(d["title"])), ("description", _ja(d.get("description")))]
        measured = elements.get(d.get("element", ""))
        if measured:
            fields.append(("context", _ja(measured["title"])))
        items.append(TextItem("indicator", d["id"], _ja(d["title"]), [f for f in fields if f[1]]))
    return items


def suggest(item: TextItem, dictionary: Dictionary | None = None) -> list[Suggestion]:
    """The SDG suggestions for one item, best first (see the module docstring)."""
    d = dictionary or load()
    own = [f for f in item.fields if f[0] != "context"]
    return _suggest(own, d) or _suggest(item.fields, d)


def _suggest(fields: list[tuple[str, str]], d: Dictionary) -> list[Suggestion]:
    sc = d.scoring
    # goal → term → (contribution, term weight, target); a term found only in the context is
    # shown as 上位:term in the evidence, so that a reviewer sees where it came from
    found: dict[str, dict[str, tuple[float, int, str | None]]] = {}
    for name, text in sorted(fields, key=lambda f: f[0] == "context"):  # the context last
        factor = sc.fields[name]
        for hit in d.find(text):
            terms = found.setdefault(hit.goal, {})
            key = hit.term
            if name == "context":
                if hit.term in terms:  # the item's own text has it already
                    continue
                key = CONTEXT_MARK + hit.term
            value = hit.weight * factor
            if key not in terms or value > terms[key][0]:
                terms[key] = (value, hit.weight, hit.target)
    evidence = {g: sum(v for v, _, _ in terms.values()) for g, terms in found.items()}
    ranked = sorted(evidence, key=lambda g: (-evidence[g], int(g)))
    if not ranked:
        return []
    top = evidence[ranked[0]]
    out = []
    for goal in ranked:
        terms = found[goal]
        if len(out) == sc.max_goals or evidence[goal] < sc.min_evidence \
                or evidence[goal] < sc.ratio * top \
                or max(w for _, w, _ in terms.values()) < sc.min_term_weight:
            continue
        out.append(Suggestion(goal, _best_target(goal, terms, sc.min_evidence), evidence[goal],
                              round(evidence[goal] / (evidence[goal] + sc.scale), 2),
                              tuple(sorted(terms, key=lambda t: (-terms[t][0], t)))))
    return out


def _best_target(goal: str, terms: dict[str, tuple[float, int, str | None]], minimum: float) -> str:
    by_target: dict[str, float] = {}
    for value, _weight, target in terms.values():
        if target:
            by_target[target] = by_target.get(target, 0.0) + value
    if not by_target:
        return goal
    best = max(sorted(by_target), key=lambda t: by_target[t])
    return best if by_target[best] >= minimum else goal
