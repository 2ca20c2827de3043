"""What the importer drafts: elements, indicators and plan facts, each with its provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

from .text import Line

#: Below this confidence an item is marked for review (`planlod validate` lists it).
REVIEW_BELOW = 0.8


@dataclass
class Found:
    """Where an item came from and how sure the importer is of it."""

    line: Line
    section: str  # the heading it sits under, as written
    confidence: float
    review: str = ""  # why a person should look at it (empty: nothing to check)

    def as_source(self) -> dict:
        src = {"section": self.section or f"p.{self.line.page}", "page": self.line.page,
               "line": self.line.no, "confidence": round(self.confidence, 2)}
        if self.review or self.confidence < REVIEW_BELOW:
            src["review"] = self.review or "確信度が低い項目です。文書と照合してください。 / Low confidence: check it against the document."
        return src


@dataclass
class Element:
    level: str
    title: str
    found: Found
    code: str | None = None
    term: str | None = None  # the document's own term for the level, where it said one
    parent: Element | None = None
    subtitle: str | None = None
    departments: list[str] = field(default_factory=list)
    sdgs: list[int] = field(default_factory=list)
    id: str = ""


@dataclass
class Value:
    kind: str  # baseline, target, actual, projection
    value: float
    text: str
    unit: str | None = None
    fiscal_year: str | None = None
    qualifier: str | None = None


@dataclass
class Indicator:
    title: str
    found: Found
    element: Element | None = None
    local_term: str | None = None
    values: list[Value] = field(default_factory=list)
    proposed: bool = False
    id: str = ""


@dataclass
class Unreadable:
    """A KPI row with a cell that holds something but no value the importer could read."""

    line: Line
    indicator: str
    column: str
    cell: str


@dataclass
class Draft:
    """Everything the importer found in one document."""

    elements: list[Element] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)
    unreadable: list[Unreadable] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # line numbers placed somewhere
    facts: dict = field(default_factory=dict)  # plan-level facts: title, status, period, layers, events

    def level_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.elements:
            counts[e.level] = counts.get(e.level, 0) + 1
        return counts
