"""Lines of a plan document and what each line looks like: bullet, numbering, level term, title.

A document is a list of :class:`Line` (page and line number kept for provenance). ``parse``
splits a line into its parts; nothing here decides where a line belongs in the hierarchy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

LEVELS = ("vision", "goal", "policy", "measure", "action")

#: The municipality's own term → the shared level. Longer terms are tried first.
LEVEL_TERMS: dict[str, str] = {
    "将来像": "vision", "都市像": "vision", "将来都市像": "vision", "将来都市": "vision",
    "目指す将来像": "vision", "めざす将来像": "vision", "まちの将来像": "vision",
    "基本目標": "goal", "基本戦略": "goal", "まちづくりの方針": "goal", "まちづくりの目標": "goal",
    "政策": "policy", "基本施策": "policy", "基本政策": "policy", "戦略分野": "policy",
    "施策": "measure", "個別施策": "measure", "施策の柱": "measure", "単位施策": "measure",
    "主な取組": "action", "主な取り組み": "action", "主要な取組": "action",
}
_TERMS = sorted(LEVEL_TERMS, key=len, reverse=True)
_TERM_ALT = "|".join(map(re.escape, _TERMS))

BULLETS = "・●■◆○◇□▪•*-"
_BULLET_RE = re.compile(rf"^(?:[-*+]\s+|[{re.escape(BULLETS)}]\s*)")
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_KATAKANA = "アイウエオカキクケコサシスセソタチツテト"

#: Numbering styles, outermost first; the rank orders headings (第1章 outranks 1, 1 outranks (1)).
NUMBERING: list[tuple[str, re.Pattern[str]]] = [
    ("chapter", re.compile(r"^第\s*(\d+)\s*[章節部編]\s*")),
    ("number", re.compile(r"^(\d{1,2})(?:[.．、]\s*|\s+)(?=\D)")),
    ("hyphen", re.compile(r"^(\d{1,2}-\d{1,2}(?:-\d{1,2})?)\s+")),
    ("paren", re.compile(r"^[(（]\s*(\d{1,2})\s*[)）]\s*")),
    ("circled", re.compile(rf"^([{_CIRCLED}])\s*")),
    ("katakana", re.compile(rf"^[(（]?([{_KATAKANA}])(?:[)）.．、]\s*|\s+)")),
]
RANK = {name: i for i, (name, _) in enumerate(NUMBERING)}

#: A municipality's own code: H, H1, H1-1, A-2 (capital letters, then digits and hyphens).
_CODE_RE = re.compile(r"^([A-Z]{1,2}(?:\d{1,2}(?:-\d{1,2}){0,2})?)(?:\s+|$)")
_TERM_RE = re.compile(rf"^({_TERM_ALT})\s*(?:([0-9]{{1,2}}|[{_CIRCLED}]|[A-Z])(?![0-9A-Za-z])\s*)?")


@dataclass(frozen=True)
class Line:
    """One line of the document as extracted, with its page and its line number (1-based)."""

    no: int
    page: int
    raw: str


@dataclass(frozen=True)
class Parsed:
    """A line split into its parts. ``title`` is what is left, as written (markup removed)."""

    line: Line
    bullet: bool
    numbering: tuple[str, str] | None  # (style, number as written), e.g. ("paren", "1")
    term: str | None  # a level term at the start, e.g. 施策
    term_code: str | None  # the number after the term: 施策① → ①, 政策 1 → 1
    code: str | None  # a code such as H1-1
    title: str

    @property
    def text(self) -> str:
        return clean(self.line.raw)

    @property
    def key(self) -> str:
        return key(self.title)


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def key(text: str) -> str:
    """A title as compared: NFKC, no spaces, no markup or footnote marks, no brackets around it."""
    flat = re.sub(r"[\s*＊*「」『』【】]", "", nfkc(text))
    return flat.strip("・●■◆○▼-")


def clean(raw: str) -> str:
    """The line without markdown and HTML markup and without surrounding spaces."""
    text = re.sub(r"<[^>]+>", " ", raw)
    text = re.sub(r"^\s*#{1,6}\s+", "", text)
    text = text.replace("**", "")
    return re.sub(r"[ \t\u3000]+", " ", text).strip()


#: 全角 digits and Latin letters to ASCII (brackets and punctuation stay as written).
_NARROW = str.maketrans({chr(c): chr(c - 0xFEE0) for c in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B),
                                                           *range(0xFF41, 0xFF5B)]})


def parse(line: Line) -> Parsed:
    """Split a line into bullet, numbering, level term and code, and the title left over."""
    text = clean(line.raw).translate(_NARROW)
    bullet = False
    while (m := _BULLET_RE.match(text)) and m.end() < len(text):
        bullet, text = True, text[m.end():].lstrip()
    text = text.lstrip("▼▽►").strip()
    flat = nfkc(text) if text[:1] not in _CIRCLED else text
    numbering = None
    for style, pattern in NUMBERING:
        if m := pattern.match(flat if style != "circled" else text):
            numbering = (style, m.group(1))
            text = (flat if style != "circled" else text)[m.end():]
            break
    term = term_code = code = None
    if m := _TERM_RE.match(text):
        rest = text[m.end():]
        if not rest or rest[:1] in " :：" or m.group(2) or _starts_title(rest):
            term, term_code = m.group(1), m.group(2)
            text = rest.lstrip(" :：")
    if term is None and numbering is None and (m := _CODE_RE.match(nfkc(text))):
        code, text = m.group(1), nfkc(text)[m.end():]
    return Parsed(line, bullet, numbering, term, term_code, code, text.strip())


def _starts_title(rest: str) -> bool:
    """After a term, a space or a colon separates a title; 施策の… is a word, not term + title."""
    return rest[:1] in " :：\t"


def circled_number(mark: str) -> int | None:
    index = _CIRCLED.find(mark)
    return index + 1 if index >= 0 else None


def number_of(code: str | None) -> int | None:
    """The number a code ends with: 1 → 1, ① → 1, H1-2 → 2, A → 1."""
    if not code:
        return None
    if (n := circled_number(code)) is not None:
        return n
    if m := re.search(r"(\d+)$", code):
        return int(m.group(1))
    if re.fullmatch(r"[A-Z]", code):
        return ord(code) - ord("A") + 1
    return None


def read_text(text: str) -> list[Line]:
    """A text file's lines; a form feed (as pdftotext writes) starts a new page."""
    lines, page = [], 1
    for no, raw in enumerate(text.splitlines(), start=1):
        if "\f" in raw:
            page += raw.count("\f")
            raw = raw.replace("\f", "")
        lines.append(Line(no, page, raw))
    return lines
