"""The hierarchy: which lines are elements, at which level, under which parent.

The rules, each a method of :class:`Outline`, in the order they are tried on a line:

1. a table whose first header cell is a level term lists elements of that level (基本目標 | 説明);
2. a level term alone, then a title (まちづくりの方針 / 私たちは…), with a code on the line before (H);
3. a level term with a title or a number and a title (将来像: …, 政策 1 …, 施策① …);
4. a code and a title (H1-1 …), placed under the element whose code it extends;
5. numbered items side by side on one line (1 仕事をつくる 2 人をまもり・そだてる);
6. a group heading that names a known element (【…】), whose list items are its children;
7. list items under a heading that ends with a level term (…するため政策);
8. blocks that repeat one heading once per sibling (3 × (1) 取り巻く環境 for 基本戦略A B C),
   whose list items are the children of that sibling.

Numbering that starts again at 1 moves to the next sibling of the level above. Nothing is placed
from a line that reads as a sentence (。), a heading about a level (…について), or a count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Draft, Element, Found
from .text import LEVEL_TERMS, LEVELS, RANK, Parsed, key, nfkc, number_of, parse

STRUCTURE_WORDS = {"指標", "成果指標", "基本計画", "基本構想", "実施計画", "長期戦略", "中期戦略",
                   "関連するSDGs", "参考資料", "目次", "構成", "概要", "導入", "総合指標"}
_TERM_NUMBER = re.compile("(?:" + "|".join(map(re.escape, LEVEL_TERMS)) + r")\s*\d")
_SIBLINGS = re.compile(r"(?:^|\s)(\d{1,2})\s+(\S.*?)(?=\s+\d{1,2}\s+\S|$)")
_CODES = re.compile(r"^[A-Z](?:\s+[A-Z])+$")
#: A dash or wave dash before a subtitle (PDF fonts map the dash to several code points).
_DASHES = "—―－‒–\u0336～〜"
_SUBTITLE = re.compile(rf"\s*[{_DASHES}]\s*(.+?)\s*[{_DASHES}ーｰ]?\s*$")
MAX_TITLE = 60


def above(level: str) -> str | None:
    i = LEVELS.index(level)
    return LEVELS[i - 1] if i else None


def below(level: str) -> str | None:
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


def is_title(text: str, sentence_ok: bool = False) -> bool:
    """Whether a piece of text can be an element's title (not a sentence, a count or a heading)."""
    flat = re.sub(r"\s", "", nfkc(text))
    if not 2 <= len(flat) <= MAX_TITLE or not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", flat):
        return False
    if (flat.endswith("。") and not sentence_ok) or flat.startswith(("※", "*")) or flat.endswith(("、", "：", ":")):
        return False
    return "について" not in flat and flat not in STRUCTURE_WORDS and not _TERM_NUMBER.search(text)


def heading_level(text: str) -> str | None:
    """The level a heading announces when it ends with a level term: 基本目標を推進するため政策."""
    flat = key(text)
    for term in sorted(LEVEL_TERMS, key=len, reverse=True):
        if flat.endswith(term) and flat != term:
            return LEVEL_TERMS[term]
    return None


@dataclass
class _Block:
    parent: Element
    rank: int


class Outline:
    """Walks the document once, keeping what the headings above the current line established."""

    def __init__(self, lines: list[Parsed], draft: Draft):
        self.lines = lines
        self.draft = draft
        self.by_key: dict[str, Element] = {}
        self.by_code: dict[str, Element] = {}
        self.last: dict[str, Element] = {}  # the last element placed at each level
        self.numbers: dict[str, int] = {}  # the last number seen at each level
        self.pending: list[Element] = []  # siblings listed before their children
        self.section = ""
        self.context: str | None = None  # level announced by the last heading
        self.group: Element | None = None  # parent named by a group heading or a block
        self.block: _Block | None = None
        self.code_before: str | None = None
        self.entered: Element | None = None
        self.styles: list[str] = []  # numbering styles met under the current heading

    # -- placing --------------------------------------------------------------------------

    def add(self, p: Parsed, level: str, title: str, confidence: float, code: str | None = None,
            term: str | None = None, parent: Element | None = None, review: str = "") -> Element:
        k = key(title)
        if k in self.by_key:
            self.draft.used.add(p.line.no)
            return self.by_key[k]
        title, subtitle = split_subtitle(title)
        e = Element(level, title, Found(p.line, self.section, confidence, review), code, term,
                    parent, subtitle)
        self.draft.elements.append(e)
        self.draft.used.add(p.line.no)
        self.by_key[k] = e
        if code:
            self.by_code.setdefault(nfkc(code), e)
        self.last[level] = e
        for lower in LEVELS[LEVELS.index(level) + 1:]:
            self.last.pop(lower, None)
            self.numbers.pop(lower, None)
        return e

    def parent_for(self, level: str, number: int | None) -> Element | None:
        """The element above: the current one of the level above, or the next listed sibling of
        it when the numbering starts again."""
        up = above(level)
        if up is None:
            return None
        restarted = number is not None and self.numbers.get(level, 0) >= number
        if number is not None:
            self.numbers[level] = number
        if self.pending and self.pending[0].level == up and (restarted or self.entered is None):
            self.enter(self.pending.pop(0))
            self.numbers[level] = number or 0
        return self.last.get(up)

    def enter(self, sibling: Element) -> None:
        """Children that follow belong to this listed sibling."""
        self.entered = sibling
        self.last[sibling.level] = sibling

    # -- the walk -------------------------------------------------------------------------

    def run(self) -> None:
        self.element_tables()
        i = 0
        while i < len(self.lines):
            i = self.step(i)
        self.finish()

    def step(self, i: int) -> int:
        p = self.lines[i]
        if not p.text or p.line.no in self.draft.used:
            return i + 1
        if p.term and not p.title and p.term_code is None:
            if p.numbering:  # 2 基本戦略: a numbered section about the level
                self.heading(i, p)
                return i + 1
            return self.bare_term(i, p)
        if p.code and not p.title and not p.bullet:
            self.code_before = p.code
            return i + 1
        if p.term:
            self.term_line(p)
        elif p.code and not p.numbering:
            self.code_line(p)
        elif self.siblings(p):
            pass
        elif self.bracket(p):
            pass
        elif p.bullet or (p.numbering and self.context):
            self.item(p)
        else:
            self.heading(i, p)
        return i + 1

    def bare_term(self, i: int, p: Parsed) -> int:
        """個別施策 / 将来都市: a title on the next line, or a heading over a list."""
        level = LEVEL_TERMS[p.term]
        j = self.next_text(i)
        q = self.lines[j] if j is not None else None
        code, self.code_before = self.code_before, None
        if q is not None and q.code and not q.title and not q.bullet:
            code, j = q.code, self.next_text(j)
            q = self.lines[j] if j is not None else None
            if q is None or not is_title(q.text):
                return i + 1
        if q is None or q.bullet or q.term or q.code or q.numbering or not is_title(
                q.text, sentence_ok=level == "vision"):
            self.set_context(p.text, level)
            return i + 1
        parent = self.by_code.get(_code_parent(code)) if code else None
        parent = parent or self.parent_for(level, number_of(code))
        self.add(q, level, q.text, 0.9, code, p.term, parent)
        self.draft.used.add(p.line.no)
        self.attach_subtitle(j)
        return j + 1

    def term_line(self, p: Parsed) -> None:
        """将来像: … / 政策 1 … / 施策① … / 基本戦略A B C."""
        level = LEVEL_TERMS[p.term]
        if p.term_code and _CODES.match(f"{p.term_code} {p.title}"):
            for c in f"{p.term_code} {p.title}".split():
                e = self.add(p, level, f"{p.term}{c}", 0.7, c, p.term, review=(
                    f"文書は名称を「{p.term}{c}」とだけ書いています。 / The document names it only {p.term}{c}."))
                self.pending.append(e)
            return
        if not p.title and p.term_code and p.term_code.isalpha():  # 基本戦略A: named by its code
            self.add(p, level, f"{p.term}{p.term_code}", 0.7, p.term_code, p.term,
                     self.parent_for(level, number_of(p.term_code)))
            return
        if not p.title or not is_title(p.title, sentence_ok=level == "vision"):
            return  # 政策 5 alone is a count
        code = f"{p.term}{p.term_code}" if p.term_code else None
        parent = self.parent_for(level, number_of(p.term_code))
        self.add(p, level, p.title, 0.95 if parent or level in ("vision", "goal") else 0.6, code,
                 p.term, parent)
        if level == "vision":
            self.attach_subtitle(self.next_text(self.lines.index(p)))

    def code_line(self, p: Parsed) -> None:
        """H1-1 …: under the element whose code it extends, or at the level the heading said."""
        if re.fullmatch(r"[IVX]+", p.code) or not is_title(p.title):
            return
        if p.code in self.by_code:
            self.draft.used.add(p.line.no)
            return
        parent = self.by_code.get(_code_parent(p.code))
        level = below(parent.level) if parent else self.context
        if level is None:
            return
        self.add(p, level, p.title, 0.9 if parent else 0.7, p.code, None, parent or self.parent_for(level, None))

    def siblings(self, p: Parsed) -> bool:
        """1 仕事をつくる 2 人をまもり・そだてる 3 まちをデザインする: siblings listed on one line."""
        if p.bullet or not p.numbering or p.numbering[0] != "number":
            return False
        items = _SIBLINGS.findall(nfkc(p.text))
        if len(items) < 2 or [int(n) for n, _ in items] != list(range(1, len(items) + 1)):
            return False
        if not all(is_title(t) for _, t in items):
            return False
        for n, title in items:
            e = self.add(p, "goal", title.strip(), 0.6, n, None, review=(
                "並んだ番号付きの項目から基本目標と推定しました。 / Read as goals from numbered items on one line."))
            self.pending.append(e)
        return True

    def bracket(self, p: Parsed) -> bool:
        """【…】 naming a known element opens it: the list items below are its children."""
        m = re.fullmatch(r"【(.+?)】", p.title or p.text)
        if not m:
            return False
        self.group = self.by_key.get(key(m.group(1)))
        if self.group is not None:
            self.draft.used.add(p.line.no)
        return True

    def item(self, p: Parsed) -> None:
        """A list item: a child of the group or block that is open, or at the heading's level."""
        title = p.title
        if not is_title(title):
            return
        parent = self.group or (self.block.parent if self.block else None)
        if parent is not None:
            level = self.context if self.context and LEVELS.index(self.context) > LEVELS.index(
                parent.level) else below(parent.level)
            if level:
                self.add(p, level, title, 0.8, _item_code(p), None, parent)
        elif self.context:
            level = self.nested_level(p)
            if level:
                self.add(p, level, title, 0.75, _item_code(p), None,
                         self.parent_for(level, number_of(_item_code(p))))

    def nested_level(self, p: Parsed) -> str | None:
        """Under a heading for a level, the first numbering style is that level, and each new
        style is one level further down: 政策 / （１）… / ア …  → policy, then measure."""
        style = p.numbering[0] if p.numbering else "bullet"
        if style not in self.styles:
            self.styles.append(style)
        level: str | None = self.context
        for _ in range(self.styles.index(style)):
            level = below(level) if level else None
        return level

    def heading(self, i: int, p: Parsed) -> None:
        text = p.text
        if len(nfkc(text)) > MAX_TITLE or text.endswith("。"):
            return  # prose
        rank = RANK[p.numbering[0]] if p.numbering else None
        if self.pending and p.numbering and self.repeats(i, p) == len(self.pending):
            parent = self.pending.pop(0)
            self.enter(parent)
            self.block = _Block(parent, rank)
            self.group = None
            self.section = text
            return
        if self.block and rank is not None and rank < self.block.rank:
            self.block = None
        # a numbered heading names a section of the document (1 目指す都市像, 2 基本戦略): its
        # list items are topics; an unnumbered one ending with a term announces a list of them
        self.set_context(text, None if p.numbering else heading_level(text))

    def set_context(self, text: str, level: str | None) -> None:
        self.section = text
        self.context = level if level != "vision" else None  # a plan has one vision, not a list
        self.group = None
        self.styles: list[str] = []

    # -- helpers --------------------------------------------------------------------------

    def repeats(self, i: int, p: Parsed) -> int:
        k = key(p.text)
        return sum(1 for q in self.lines[i:] if not q.bullet and key(q.text) == k)

    def next_text(self, i: int | None) -> int | None:
        if i is None:
            return None
        for j in range(i + 1, min(i + 4, len(self.lines))):
            if self.lines[j].text:
                return j
        return None

    def attach_subtitle(self, j: int | None) -> None:
        """A line of ～…～ right after a title is its subtitle."""
        if j is None:
            return
        q = self.lines[j]
        e = self.draft.elements[-1]
        if q.text[:1] in _DASHES and not e.subtitle:
            e.subtitle = q.text.strip(_DASHES + "ー ") or None
            self.draft.used.add(q.line.no)

    def element_tables(self) -> None:
        """Tab-separated tables whose first header cell is a level term: one element per row."""
        i = 0
        while i < len(self.lines):
            cells = self.lines[i].line.raw.split("\t")
            level = LEVEL_TERMS.get(key(cells[0])) if len(cells) > 1 else None
            if level is None:
                i += 1
                continue
            self.draft.used.add(self.lines[i].line.no)
            i += 1
            while i < len(self.lines) and ("\t" in self.lines[i].line.raw or not self.lines[i].text):
                row = self.lines[i]
                first = parse(type(row.line)(row.line.no, row.line.page, row.line.raw.split("\t")[0]))
                if row.text and is_title(first.text):
                    self.add(row, level, first.text, 0.85, None, cells[0].strip(),
                             self.parent_for(level, None))
                i += 1

    def finish(self) -> None:
        visions = [e for e in self.draft.elements if e.level == "vision"]
        for e in self.draft.elements:
            if e.parent is None and e.level == "goal" and len(visions) == 1:
                e.parent = visions[0]
            elif e.parent is None and e.level not in ("vision", "goal"):
                e.found.review = "上位の要素が見つかりませんでした。 / No parent was found."


def split_subtitle(title: str) -> tuple[str, str | None]:
    """多彩な暮らし、叶えるまち。 —田園都市しおじりー → the title and its subtitle."""
    m = _SUBTITLE.search(title)
    if m and m.start() > 0:
        return title[:m.start()].strip(), m.group(1).strip("ー－-") or None
    return title, None


def _code_parent(code: str | None) -> str | None:
    """H1-1 → H1, H1 → H, H → None."""
    if not code:
        return None
    code = nfkc(code)
    if "-" in code:
        return code.rsplit("-", 1)[0]
    m = re.fullmatch(r"([A-Z]+)\d+", code)
    return m.group(1) if m else None


def _item_code(p: Parsed) -> str | None:
    return p.numbering[1] if p.numbering else p.code


def build_outline(lines: list[Parsed], draft: Draft) -> None:
    Outline(lines, draft).run()
