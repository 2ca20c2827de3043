"""A plan's PDF as lines, through pdfplumber: the text of each page in reading order, page
numbers kept, and each ruled table as rows of tab-separated cells (so KPI tables stay tables).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Location, Problem, UsageError
from .text import Line


def read_pdf(path: Path) -> list[Line]:
    """Every page's lines, top to bottom, with tables in their place as tab-separated rows."""
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfplumber.utils.exceptions import PdfminerException

    lines: list[Line] = []
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                for text in _page_lines(page):
                    lines.append(Line(len(lines) + 1, number, text))
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError) as exc:
        raise UsageError(Problem(Location(path), f"PDF として読めません（{exc}）。", f"cannot read it as a PDF ({exc}).",
                                 "壊れていない PDF か、抽出したテキストを指定してください。",
                                 "Give an intact PDF, or the text extracted from it.", code="bad-pdf")) from None
    return lines


def _page_lines(page) -> list[str]:  # noqa: ANN001 (a pdfplumber Page)
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]
    outside = page.filter(lambda obj: not any(_inside(obj, box) for box in boxes))
    placed = [(line["top"], line["text"]) for line in outside.extract_text_lines()]
    for table in tables:
        rows = [_row(cells) for cells in table.extract()]
        placed += [(table.bbox[1] + i * 0.001, row) for i, row in enumerate(rows) if row.strip()]
    return [text for _, text in sorted(placed, key=lambda item: item[0])]


def _inside(obj: dict, box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    return obj.get("x0", -1) >= x0 - 1 and obj.get("x1", 1e9) <= x1 + 1 and \
        obj.get("top", -1) >= top - 1 and obj.get("bottom", 1e9) <= bottom + 1


def _row(cells: list[str | None]) -> str:
    """A table row as tab-separated cells; a cell's wrapped lines are joined back together."""
    return "\t".join((cell or "").replace("\n", "") for cell in cells)
