"""The review file of a plan: ``datasets/<plan>/sdg-review.yaml``.

``planlod suggest-sdgs`` writes the tagger's suggestions there, one entry per item and goal,
each ``decision: pending``. An editor sets ``decision: accepted`` or ``rejected``, with ``by:``
(who decided), ``date:`` (when) and ``note:`` (the one-line reason). The converter publishes
pending entries as *suggested* links (with score, evidence and tagger version), accepted ones as
*curated* links (by, date, the reason as evidence), and nothing for rejected ones.

Re-running keeps every decided entry exactly as it is (even if the tagger no longer suggests
it) and replaces the pending ones with the current suggestions; a new suggestion is not added
for a goal an editor has already decided on for that item, nor for a goal the plan's own
``alignments`` already link the item to.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..load import PlanSource
from .dictionary import Dictionary, load
from .suggest import plan_items, suggest

REVIEW_FILE = "sdg-review.yaml"
FIELDS = ("about", "kind", "label", "target", "score", "evidence", "tagger_version", "decision",
          "by", "date", "note")

HEADER = """\
# yaml-language-server: $schema=../../publisher/schemas/plan-source.schema.json
#
# SDGs との対応付けの候補（`planlod suggest-sdgs` が本文から自動で作成）。編集者が確認して
# decision を書き換えてください。
#   pending  未確認。「自動推定（suggested）」として、スコア・根拠の語・ツールの版つきで公開
#   accepted 採用。「編集者が判断（curated）」として公開
#   rejected 不採用。公開しない
# 採用・不採用には by:（判断した人。名前か役割）、date:（判断した日 "YYYY-MM-DD"）、note:（計画の
# 本文に照らした1行の理由）を書きます。
# `planlod suggest-sdgs` を再実行しても、accepted・rejected の項目（by, date, note を含む）は
# そのまま残ります。リストの中のコメントは残らないので、メモは note: に書いてください。
#
# SDG links suggested by the tagger (`planlod suggest-sdgs`) for an editor to review. Set
# decision to accepted (published as curated) or rejected (not published), with by: (who),
# date: ("YYYY-MM-DD") and note: (a one-line reason, judged against the plan's text); pending
# entries are published as suggested links with score, evidence and tagger version. Re-running
# keeps every accepted or rejected entry; write remarks in note:, since comments inside the list
# are not kept.
"""


@dataclass
class Outcome:
    path: Path
    entries: list[dict[str, Any]]
    added: int
    dropped: int
    changed: bool

    def count(self, decision: str) -> int:
        return sum(e["decision"] == decision for e in self.entries)


def _goal(target: str) -> str:
    return target.split(":", 1)[1].split(".")[0]


def _aligned_goals(source: PlanSource) -> set[tuple[str, str, str]]:
    """(kind, id, goal) of every SDG link the source files declare or curate themselves."""
    out = set()
    for section, kind in (("elements", "element"), ("indicators", "indicator")):
        for item in source.items(section):
            for link in item.data.get("alignments", []):
                if link["target"].startswith("sdg:"):
                    out.add((kind, item.data["id"], _goal(link["target"])))
    return out


def review(source: PlanSource, dictionary: Dictionary | None = None) -> Outcome:
    """The review entries of one plan after a fresh run of the tagger (nothing written)."""
    d = dictionary or load()
    path = source.folder / REVIEW_FILE
    old = [dict(item.data) for item in source.items("suggestions")]
    decided = [e for e in old if e["decision"] != "pending"]
    taken = {(e["kind"], e["about"], _goal(e["target"])) for e in decided} | _aligned_goals(source)
    pending_before = {(e["kind"], e["about"], e["target"]) for e in old if e["decision"] == "pending"}
    fresh: list[dict[str, Any]] = []
    order = {}
    for n, item in enumerate(plan_items(source)):
        order[(item.kind, item.id)] = n
        for s in suggest(item, d):
            if (item.kind, item.id, s.goal) in taken:
                continue
            fresh.append({"about": item.id, "kind": item.kind, "label": item.title,
                          "target": f"sdg:{s.target}", "score": s.score, "evidence": list(s.evidence),
                          "tagger_version": d.generator, "decision": "pending"})
    entries = decided + fresh
    entries.sort(key=lambda e: (order.get((e["kind"], e["about"]), len(order)), e["kind"],
                                e["about"], -float(e["score"]), e["target"]))
    now = {(e["kind"], e["about"], e["target"]) for e in fresh}
    text = render(entries)
    if path.is_file():
        changed = path.read_text(encoding="utf-8") != text
    else:
        changed = bool(entries)  # a plan with nothing to review gets no file
    return Outcome(path, entries, len(now - pending_before), len(pending_before - now), changed)


def _scalar(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a review value: {value!r}")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def render(entries: list[dict[str, Any]]) -> str:
    """The review file's text: the header, then one block per entry in a fixed field order."""
    lines = [HEADER, "suggestions:" if entries else "suggestions: []"]
    for e in entries:
        first = True
        for key in FIELDS:
            if key not in e:
                continue
            value = e[key]
            shown = value if key in ("kind", "target", "decision", "tagger_version") else _scalar(value)
            lines.append(f"{'  - ' if first else '    '}{key}: {shown}")
            first = False
    return "\n".join(lines) + "\n"


def write(outcome: Outcome) -> None:
    outcome.path.write_text(render(outcome.entries), encoding="utf-8")
