"""`planlod import`: draft a plan folder from a plan's PDF or its extracted text.

    lines = read_document(Path("plan.pdf"))      # pages and line numbers kept
    draft = draft_plan(lines)                     # elements, indicators, plan facts
    files = render_files(draft, "422011-nagasaki-2030", "422011", "plan.pdf")

Every drafted item carries its source (page, line) and a confidence; items below
:data:`~publisher.importer.model.REVIEW_BELOW` or that need a person's judgement carry a
``review`` that `planlod validate` lists. Nothing is invented: no value, year, unit or SDG that
the text does not state.
"""

from __future__ import annotations

from pathlib import Path

from .draft import render_files
from .facts import find_facts
from .kpi import current_elements, find_indicators
from .model import Draft
from .outline import build_outline
from .report import render as render_report
from .text import Line, Parsed, parse, read_text

__all__ = ["draft_plan", "parse_lines", "read_document", "render_files", "render_report"]


def read_document(path: Path) -> list[Line]:
    """The document's lines: a PDF through the PDF extractor, anything else as UTF-8 text."""
    if path.suffix.lower() == ".pdf":
        from .pdf import read_pdf

        return read_pdf(path)
    return read_text(path.read_text(encoding="utf-8"))


def parse_lines(lines: list[Line]) -> list[Parsed]:
    return [parse(line) for line in lines]


def draft_plan(parsed: list[Parsed]) -> Draft:
    draft = Draft()
    build_outline(parsed, draft)
    find_indicators(parsed, draft)
    find_facts(parsed, draft, current_elements(parsed, draft))
    return draft
