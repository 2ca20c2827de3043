"""Write a test PDF from a plan's text: paragraphs as lines of text, and every table of the text
(markdown pipes or tab-separated rows) as a ruled table, so that the PDF path meets tables as
tables. Japanese is set in Adobe's standard CID font (HeiseiKakuGo-W5), which needs no font file.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A3, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

FONT = "HeiseiKakuGo-W5"


def blocks(text: str) -> list[str | list[list[str]]]:
    """The text as paragraphs (str) and tables (rows of cells), in order."""
    out: list[str | list[list[str]]] = []
    rows: list[list[str]] = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("|") or "\t" in raw:
            if not re.fullmatch(r"[|\s:-]+", line):
                cells = line.strip("|").split("|") if line.startswith("|") else raw.split("\t")
                rows.append([re.sub(r"<[^>]+>", " ", c).strip() for c in cells])
            continue
        if rows:
            out.append(rows)
            rows = []
        if line:
            out.append(line)
    if rows:
        out.append(rows)
    return out


def write_pdf(text: str, path: Path) -> Path:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    style = ParagraphStyle("p", fontName=FONT, fontSize=8, leading=10, wordWrap="CJK")
    cell = ParagraphStyle("c", parent=style, fontSize=6, leading=7)
    story = []
    for block in blocks(text):
        if isinstance(block, str):
            story.append(Paragraph(escape(block), style))
            continue
        width = max(len(r) for r in block)
        rows = [[Paragraph(escape(c[:300]), cell) for c in r] + [""] * (width - len(r)) for r in block]
        table = Table(rows, colWidths=[1100 / width] * width, repeatRows=0)
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black"), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    SimpleDocTemplate(str(path), pagesize=landscape(A3), leftMargin=20, rightMargin=20,
                      topMargin=20, bottomMargin=20).build(story)
    return path
