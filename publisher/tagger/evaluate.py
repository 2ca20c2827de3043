"""Measure the tagger against the hand-labelled set (``eval/sdg-labels.yaml``).

Goal level, on exactly the suggestions ``planlod suggest-sdgs`` would write:

- per goal: items labelled with it (support), items it was suggested for, true positives,
  precision and recall;
- overall: micro-averaged precision and recall over all suggestions, and **top-1 precision**:
  of the items with at least one suggestion, the share whose best suggestion is a labelled goal
  (and, stricter, the share whose best suggestion is the goal the label lists first);
- coverage (items with a suggestion) and abstentions on items labelled with no goal;
- top-1 precision per plan (``022012-aomori-next`` was held out while the dictionary was tuned);
- target level: of the suggested targets on items whose label names a target of that goal,
  the share that is a labelled target.

``python -m publisher.tagger.evaluate`` rewrites the results section of docs/sdg-tagger.md.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..load import load_plan
from .dictionary import Dictionary, load
from .suggest import Suggestion, plan_items, suggest

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "eval" / "sdg-labels.yaml"
DOC = ROOT / "docs" / "sdg-tagger.md"
HELD_OUT = ("022012-aomori-next",)
BEGIN, END = "<!-- evaluate-sdgs:begin -->", "<!-- evaluate-sdgs:end -->"
GOALS = [str(n) for n in range(1, 18)]


@dataclass
class Labelled:
    about: str  # {plan}/{kind}/{id}
    goals: list[str]
    targets: list[str]
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def plan(self) -> str:
        return self.about.split("/", 1)[0]


@dataclass
class Report:
    version: str
    items: list[Labelled]

    def per_goal(self) -> list[dict[str, Any]]:
        rows = []
        for g in GOALS:
            support = sum(g in i.goals for i in self.items)
            suggested = sum(any(s.goal == g for s in i.suggestions) for i in self.items)
            tp = sum(g in i.goals and any(s.goal == g for s in i.suggestions) for i in self.items)
            rows.append({"goal": g, "support": support, "suggested": suggested, "tp": tp,
                         "precision": _ratio(tp, suggested), "recall": _ratio(tp, support)})
        return rows

    def overall(self) -> dict[str, Any]:
        suggested = sum(len(i.suggestions) for i in self.items)
        tp = sum(s.goal in i.goals for i in self.items for s in i.suggestions)
        support = sum(len(i.goals) for i in self.items)
        answered = [i for i in self.items if i.suggestions]
        top1 = sum(i.suggestions[0].goal in i.goals for i in answered)
        primary = sum(i.suggestions[0].goal == i.goals[0] for i in answered if i.goals)
        empty = [i for i in self.items if not i.goals]
        aimed = [(i, s) for i in self.items for s in i.suggestions
                 if "." in s.target and any(t.split(".")[0] == s.goal for t in i.targets)]
        return {"items": len(self.items), "answered": len(answered), "top1": top1,
                "top1_precision": _ratio(top1, len(answered)), "primary": primary,
                "primary_precision": _ratio(primary, len(answered)), "suggestions": suggested, "tp": tp,
                "precision": _ratio(tp, suggested), "support": support, "recall": _ratio(tp, support),
                "empty": len(empty), "abstained": sum(not i.suggestions for i in empty),
                "targets": len(aimed), "targets_right": sum(s.target in i.targets for i, s in aimed)}

    def per_plan(self) -> list[dict[str, Any]]:
        rows = []
        for plan in sorted({i.plan for i in self.items}):
            items = [i for i in self.items if i.plan == plan]
            answered = [i for i in items if i.suggestions]
            top1 = sum(i.suggestions[0].goal in i.goals for i in answered)
            rows.append({"plan": plan, "items": len(items), "answered": len(answered),
                         "top1": top1, "top1_precision": _ratio(top1, len(answered)),
                         "held_out": plan in HELD_OUT})
        return rows


def _ratio(a: int, b: int) -> float | None:
    return a / b if b else None


def read_labels(path: Path = LABELS) -> list[Labelled]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Labelled(x["about"], [str(g) for g in x["goals"]], [str(t) for t in x["targets"]])
            for x in data["items"]]


def evaluate(datasets: Path, labels: Path = LABELS, dictionary: Dictionary | None = None) -> Report:
    """Run the tagger over the labelled items of the plans in ``datasets`` and compare."""
    d = dictionary or load()
    items = read_labels(labels)
    found: dict[str, list[Suggestion]] = {}
    for plan in sorted({i.plan for i in items}):
        for item in plan_items(load_plan(datasets / plan)):
            found[f"{plan}/{item.kind}/{item.id}"] = suggest(item, d)
    missing = [i.about for i in items if i.about not in found]
    if missing:
        raise ValueError(f"labelled items not in the plans: {', '.join(missing)}")
    for i in items:
        i.suggestions = found[i.about]
    return Report(d.version, items)


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}"


def markdown(report: Report) -> str:
    """The results as Markdown tables (the section of docs/sdg-tagger.md between the markers)."""
    o = report.overall()
    lines = [f"Tagger `planlod-sdg-tagger/{report.version}` on `eval/sdg-labels.yaml` "
             f"({o['items']} items).", "",
             "| measure | value |", "|---|---|",
             f"| **top-1 precision (goal level)** | **{_pct(o['top1_precision'])}** "
             f"({o['top1']} of {o['answered']} items with a suggestion) |",
             f"| top-1 is the goal the label lists first | {_pct(o['primary_precision'])} "
             f"({o['primary']} of {o['answered']}) |",
             f"| precision, all suggestions (micro) | {_pct(o['precision'])} "
             f"({o['tp']} of {o['suggestions']}) |",
             f"| recall (micro) | {_pct(o['recall'])} ({o['tp']} of {o['support']} labelled goals) |",
             f"| coverage | {o['answered']} of {o['items']} items get a suggestion |",
             f"| abstentions where the label has no goal | {o['abstained']} of {o['empty']} |",
             f"| target level: suggested target is a labelled one | {o['targets_right']} of "
             f"{o['targets']} (items whose label names a target of that goal) |", "",
             "| plan | items | with a suggestion | top-1 precision |", "|---|---|---|---|"]
    for p in report.per_plan():
        name = f"{p['plan']} (held out)" if p["held_out"] else p["plan"]
        lines.append(f"| {name} | {p['items']} | {p['answered']} | {_pct(p['top1_precision'])} |")
    lines += ["", "| goal | labelled | suggested | correct | precision | recall | terms | "
              "targets with terms |", "|---|---|---|---|---|---|---|---|"]
    targets = _targets_per_goal()
    d = load()
    for r in report.per_goal():
        g = r["goal"]
        lines.append(f"| {g} | {r['support']} | {r['suggested']} | {r['tp']} | "
                     f"{_pct(r['precision'])} | {_pct(r['recall'])} | {d.terms_of(g)} | "
                     f"{len(d.targets_with_terms(g))} of {targets.get(g, 0)} |")
    return "\n".join(lines) + "\n"


def _targets_per_goal() -> dict[str, int]:
    """How many targets each goal has in our SDG scheme (ontology/vocab/sdg.ttl)."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    g = Graph().parse(ROOT / "ontology" / "vocab" / "sdg.ttl", format="turtle")
    counts: dict[str, int] = {}
    for _target, goal in g.subject_objects(SKOS.broader):
        key = str(goal).rsplit("/", 1)[1]
        counts[key] = counts.get(key, 0) + 1
    return counts


def text(report: Report) -> str:
    """The results as a plain table, for the terminal."""
    o = report.overall()
    out = [f"planlod-sdg-tagger/{report.version} on {o['items']} labelled items",
           f"top-1 precision (goal level): {_pct(o['top1_precision'])}  "
           f"({o['top1']}/{o['answered']} items with a suggestion)   "
           f"first-listed goal: {_pct(o['primary_precision'])} ({o['primary']}/{o['answered']})",
           f"precision (micro): {_pct(o['precision'])}  ({o['tp']}/{o['suggestions']})   "
           f"recall (micro): {_pct(o['recall'])}  ({o['tp']}/{o['support']})",
           f"coverage: {o['answered']}/{o['items']}   abstentions on unlabelled: "
           f"{o['abstained']}/{o['empty']}   targets right: {o['targets_right']}/{o['targets']}",
           "", f"{'plan':<32}{'items':>6}{'answered':>9}{'top-1':>7}"]
    for p in report.per_plan():
        name = p["plan"] + (" (held out)" if p["held_out"] else "")
        out.append(f"{name:<32}{p['items']:>6}{p['answered']:>9}{_pct(p['top1_precision']):>7}")
    out += ["", f"{'goal':>4}{'labelled':>9}{'suggested':>10}{'correct':>8}{'precision':>10}{'recall':>7}"]
    for r in report.per_goal():
        out.append(f"{r['goal']:>4}{r['support']:>9}{r['suggested']:>10}{r['tp']:>8}"
                   f"{_pct(r['precision']):>10}{_pct(r['recall']):>7}")
    return "\n".join(out) + "\n"


def errors(report: Report) -> str:
    """Every item whose suggestions differ from its label (for whoever tunes the dictionary)."""
    out = []
    for i in report.items:
        got = [s.goal for s in i.suggestions]
        if set(got) - set(i.goals) or (i.goals and not got) or (got and got[0] not in i.goals):
            detail = "; ".join(f"{s.target} {s.score} [{', '.join(s.evidence)}]" for s in i.suggestions)
            out.append(f"{i.about}\n    label {i.goals}  got {got}  {detail}")
    return "\n".join(out) + "\n"


def replace_section(doc: str, body: str) -> str:
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{body}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Rewrite the results section of docs/sdg-tagger.md from a fresh evaluation."""
    report = evaluate(ROOT / "datasets")
    DOC.write_text(replace_section(DOC.read_text(encoding="utf-8"), markdown(report)), encoding="utf-8")
    print(text(report), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
