"""The tagger's dictionary (``sdg-terms.yaml``): terms per SDG goal and target, with weights,
and the scoring parameters, under one version.

>>> d = load()
>>> [(h.term, h.goal, h.target, h.weight) for h in d.find("地球温暖化対策の推進")]
[('地球温暖化', '13', '13.2', 3)]
>>> sorted({h.goal for h in d.find("防災・減災対策")})
['11', '13']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .normalize import normalize

TERMS_PATH = Path(__file__).resolve().parent / "sdg-terms.yaml"
_ASCII = re.compile(r"[a-z0-9]")


@dataclass(frozen=True)
class Hit:
    """One term found in a text, for one goal (and target, if the term names one)."""

    term: str  # the term as the dictionary writes it
    goal: str
    target: str | None
    weight: int


@dataclass(frozen=True)
class Scoring:
    fields: dict[str, float]
    min_evidence: float
    min_term_weight: int
    ratio: float
    max_goals: int
    scale: float


@dataclass
class Dictionary:
    version: str
    scoring: Scoring
    entries: dict[str, list[Hit]] = field(default_factory=dict)  # normalised term → hits
    pattern: re.Pattern[str] = field(default=re.compile("(?!)"))

    @property
    def generator(self) -> str:
        """The name and version published with every suggestion (mplan:generatorVersion)."""
        return f"planlod-sdg-tagger/{self.version}"

    def find(self, text: str) -> list[Hit]:
        """Every hit in ``text`` (normalised first): the longest term wins at each position; a
        term of ASCII letters only matches as a whole word (``ai`` is not found in ``email``)."""
        norm = normalize(text)
        hits: list[Hit] = []
        for m in self.pattern.finditer(norm):
            term = m.group(0)
            if _ASCII.match(term[0]) and _word_glued(norm, m.start(), m.end()):
                continue
            hits.extend(self.entries[term])
        return hits

    def terms_of(self, goal: str) -> int:
        return len({h.term for hits in self.entries.values() for h in hits if h.goal == goal})

    def targets_with_terms(self, goal: str) -> set[str]:
        return {h.target for hits in self.entries.values() for h in hits
                if h.goal == goal and h.target}


def _word_glued(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    return bool(before and before.isascii() and before.isalpha()) or \
        bool(after and after.isascii() and after.isalpha())


def _compile(data: dict[str, Any]) -> Dictionary:
    s = data["scoring"]
    scoring = Scoring(dict(s["fields"]), float(s["min_evidence"]), int(s["min_term_weight"]),
                      float(s["ratio"]), int(s["max_goals"]), float(s["scale"]))
    d = Dictionary(str(data["version"]), scoring)
    best: dict[tuple[str, str], Hit] = {}
    for goal, spec in data["goals"].items():
        goal = str(goal)
        groups = [(None, spec.get("terms") or {})]
        groups += [(str(t), terms) for t, terms in (spec.get("targets") or {}).items()]
        for target, terms in groups:
            if target is not None and target.split(".")[0] != goal:
                raise ValueError(f"sdg-terms.yaml: target {target} is listed under goal {goal}")
            for term, weight in terms.items():
                key = (normalize(str(term)), goal)
                hit = Hit(str(term), goal, target, int(weight))
                old = best.get(key)
                # one hit per term and goal: the higher weight, and a target over the bare goal
                if old is None or (hit.weight, hit.target is not None) > (old.weight, old.target is not None):
                    best[key] = hit
    for (norm, _goal), hit in sorted(best.items(), key=lambda kv: (kv[0][0], int(kv[0][1]))):
        d.entries.setdefault(norm, []).append(hit)
    alternatives = sorted(d.entries, key=lambda t: (-len(t), t))
    d.pattern = re.compile("|".join(re.escape(t) for t in alternatives))
    return d


@cache
def load(path: Path = TERMS_PATH) -> Dictionary:
    """The dictionary at ``path`` (default: the one shipped with planlod), compiled."""
    return _compile(yaml.safe_load(path.read_text(encoding="utf-8")))
