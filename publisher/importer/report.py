"""The import report: counts per level, content lines not placed, KPI values not read."""

from __future__ import annotations

import re

from .model import REVIEW_BELOW, Draft
from .text import LEVELS, Parsed

LEVEL_NAMES = {"vision": "将来像 vision", "goal": "目標 goal", "policy": "政策 policy",
               "measure": "施策 measure", "action": "取組 action"}


def unplaced(lines: list[Parsed], draft: Draft) -> list[Parsed]:
    """Lines that look like content (a list item, a numbered item, a code, a short title-like
    line) and were placed nowhere. Prose (sentences) and blank lines are not listed."""
    out = []
    for p in lines:
        if not p.text or p.line.no in draft.used:
            continue
        title_like = len(p.text) <= 60 and not p.text.endswith("。")
        if (p.bullet or p.numbering or p.code or p.term) and title_like:
            out.append(p)
    return out


def render(lines: list[Parsed], draft: Draft, source: str) -> str:
    counts = draft.level_counts()
    out = [f"取り込み報告 / import report: {source}", "", "要素の数 / elements per level:"]
    for level in LEVELS:
        out.append(f"  {LEVEL_NAMES[level]}: {counts.get(level, 0)}")
    values = sum(len(i.values) for i in draft.indicators)
    out.append(f"  指標 indicators: {len(draft.indicators)} (値 values: {values})")
    if not draft.elements:
        out.append("  この文書には計画の体系がありません。 / The document has no hierarchy.")
    period = draft.facts.get("period")
    if period:
        out.append(f"計画期間 / period: {period['text']} (line {draft.facts['period_line'].no})")
    if draft.facts.get("events"):
        out.append(f"スケジュール / schedule: {len(draft.facts['events'])} sessions")
    review = [e for e in draft.elements if e.found.review or e.found.confidence < REVIEW_BELOW]
    review += [i for i in draft.indicators if i.found.review or i.found.confidence < REVIEW_BELOW]
    out.append(f"要確認 / marked for review: {len(review)}")
    rest = unplaced(lines, draft)
    out += ["", f"置けなかった内容の行 / content lines not placed: {len(rest)}"]
    out += [f"  p.{p.line.page} l.{p.line.no}: {_short(p.text)}" for p in rest]
    out += ["", f"読めなかった指標値 / KPI values not read: {len(draft.unreadable)}"]
    out += [f"  p.{u.line.page} l.{u.line.no}: {u.indicator} [{u.column}] 「{u.cell}」" for u in draft.unreadable]
    return "\n".join(out) + "\n"


def _short(text: str, width: int = 60) -> str:
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= width else text[: width - 1] + "…"
