"""Indicators (KPI) and their values: tables in any layout, lists of proposed indicators, and
the sentences that state a target in prose.

Table layouts: markdown pipes (| 成果指標 | 基準値 | 目標値 |), columns separated by tabs or
runs of spaces, and one cell per line (a header of 指標 / 基準値 / 目標値 on consecutive lines,
then the rows). A value cell is read as number, unit, qualifier (以上, 以下, 超, 未満) and fiscal
year in any era form; a year in the header (目標値（R7年度）) serves every cell below it.
Nothing is guessed: a cell with something in it but no number is reported as unreadable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..fiscal import FiscalYearError, parse_fiscal
from .model import Draft, Element, Found, Indicator, Unreadable, Value
from .text import Parsed, key, nfkc

KINDS = {"基準値": "baseline", "現状値": "baseline", "現状": "baseline", "基準": "baseline",
         "目標値": "target", "目標": "target", "実績値": "actual", "実績": "actual",
         "推計値": "projection", "推計": "projection", "見込み": "projection"}
TITLE_HEADERS = ("指標", "項目", "KPI")
QUALIFIERS = {"以上": "at-least", "以下": "at-most", "超": "more-than", "未満": "less-than"}
YEAR = re.compile(r"(?:令和|平成|昭和|[RHS])\s*(?:元|\d{1,2})\s*(?:年\s*\d{1,2}\s*月|年?度?)(?:\s*末)?"
                  r"|(?:19|20)\d{2}\s*(?:年\s*\d{1,2}\s*月|年度?)")
_NUMBER = re.compile(r"(約)?\s*([-+]?\d[\d,]*(?:\.\d+)?)\s*([^\d\s()（）\[\]、,.]*)")
#: A KPI stated in prose: a name, then a value marked as baseline or with 以上/以下.
_KPI_LINE = re.compile(r"^(\S{2,20})\s+(.*\d.*(?:基準値|目標値|以上|以下|未満).*)$")
_QUANTITY = re.compile(r"(割合|率|数|度|額|量|人口|動態|件数|時間|人数|値|指数|距離|面積|比)$")
_PROSE_VALUE = re.compile(
    r"(?P<date>(?:令和|平成|[RH])\s*(?:元|\d{1,2})年度?|(?:19|20)\d{2}年度?)(?:[(（]\d{4}年[)）])?に約?"
    r"(?P<num>\d[\d,]*(?:\.\d+)?)(?P<unit>人|点|%|件|世帯|円)")


def read_cell(cell: str, header_year: str | None = None) -> Value | None:
    """68.9% (R 2年度) → 68.9, %, R 2年度; None when the cell holds no number."""
    text = cell.strip()
    years = YEAR.findall(nfkc(text))
    rest = YEAR.sub(" ", nfkc(text))
    m = _NUMBER.search(rest)
    if not m:
        return None
    unit, qualifier = m.group(3), None
    for word, q in QUALIFIERS.items():
        if unit.endswith(word):
            unit, qualifier = unit[: -len(word)], q
        elif word in rest[m.end():m.end() + 10]:
            qualifier = q
    year = years[0].strip() if years else header_year
    value = float(m.group(2).replace(",", ""))
    return Value("", int(value) if value.is_integer() and "." not in m.group(2) else value,
                 text, unit.strip() or None, year, qualifier)


def fiscal_ok(year: str | None) -> bool:
    if year is None:
        return True
    try:
        parse_fiscal(year)
    except FiscalYearError:
        return False
    return True


def _cells(raw: str) -> list[str] | None:
    """A table row's cells, for pipes, tabs or runs of two or more spaces."""
    text = raw.strip()
    if text.startswith("|"):
        if re.fullmatch(r"[|\s:-]+", text):
            return []
        return [c.strip() for c in text.strip("|").split("|")]
    if "\t" in raw:  # tabs keep empty cells in their columns
        parts = [c.strip() for c in raw.rstrip("\n").split("\t")]
        return parts if len([c for c in parts if c]) > 1 else None
    parts = [c.strip() for c in re.split(r"\s{2,}|\u3000+", text) if c.strip()]
    return parts if len(parts) > 1 else None


def _header(cells: list[str]) -> dict[int, tuple[str, str | None]] | None:
    """Column index → (kind, year in the header) when the row is a KPI table's header."""
    kinds = {}
    for i, cell in enumerate(cells):
        flat = key(cell)
        for word, kind in KINDS.items():
            if flat.startswith(word):
                years = YEAR.findall(flat[len(word):])
                kinds[i] = (kind, years[0] if years else None)
                break
    return kinds if kinds and 0 not in kinds else None


class Kpi:
    """Finds indicators, attaching each to the element the text is about at that line."""

    def __init__(self, lines: list[Parsed], draft: Draft, current: dict[int, Element | None]):
        self.lines = lines
        self.draft = draft
        self.current = current
        self.section = ""

    def run(self) -> None:
        i = 0
        while i < len(self.lines):
            p = self.lines[i]
            if p.text and not p.bullet and len(p.text) < 40 and not _cells(p.line.raw):
                self.section = p.text
            i = self.table(i) or self.stacked(i) or self.listed(i) or self.prose(i) or i + 1

    # -- layouts ---------------------------------------------------------------------------

    def table(self, i: int) -> int | None:
        cells = _cells(self.lines[i].line.raw)
        header = _header(cells) if cells else None
        if not header:
            return None
        self.draft.used.add(self.lines[i].line.no)
        j = i + 1
        while j < len(self.lines) and (row := _cells(self.lines[j].line.raw)) is not None:
            if row:
                self.row(self.lines[j], row, header)
            self.draft.used.add(self.lines[j].line.no)
            j += 1
        return j

    def stacked(self, i: int) -> int | None:
        """One cell per line: 成果指標 / 基準値 / 目標値, then each row's cells in turn."""
        if not any(key(self.lines[i].text).endswith(h) for h in TITLE_HEADERS):
            return None
        heads, j = [self.lines[i].text], i + 1
        for q in self._texts(j):
            if _header(["", q.text]) is None:
                break
            heads.append(q.text)
            j = q.line.no  # index of the next line (line numbers are 1-based)
        header = _header(heads)
        if not header or len(heads) < 2:
            return None
        for k in range(i, j):
            self.draft.used.add(self.lines[k].line.no)
        texts = list(self._texts(j))
        n = len(heads)
        end = j
        for start in range(0, len(texts) - n + 1, n):
            group = texts[start:start + n]
            if not any(re.search(r"\d", g.text) for g in group[1:]) or _header(["", group[0].text]):
                break
            self.row(group[0], [g.text for g in group], header)
            for g in group:
                self.draft.used.add(g.line.no)
            end = group[-1].line.no
        return end

    def listed(self, i: int) -> int | None:
        """指標案 and the like over a list of indicator names without values."""
        p = self.lines[i]
        flat = key(p.text)
        if p.bullet or not flat.endswith(("指標案", "指標", "KPI", "(KPI)")) or len(flat) > 20:
            return None
        j, found = i + 1, 0
        for q in self._texts(i + 1):
            if not q.bullet:
                break
            title = re.sub(r"\s*[(（][^)）]*[)）]$", "", q.title)
            if _QUANTITY.search(key(title)):
                self.add(q, q.title, proposed="案" in flat, local_term=p.text)
                found += 1
            j = q.line.no
        return j if found else None

    def prose(self, i: int) -> int | None:
        """▼成果指標と目標（令和14年度）, then lines such as 総人口 65,000人以上."""
        p = self.lines[i]
        flat = key(p.text)
        if "指標" not in flat or "目標" not in flat or not YEAR.search(flat) or len(flat) > 30:
            return None
        year = YEAR.findall(flat)[0]
        self.draft.used.add(p.line.no)
        j = i + 1
        while j < len(self.lines):
            q = self.lines[j]
            m = _KPI_LINE.match(q.text)
            if m and _cells(q.line.raw) is None:
                self.prose_line(j, m.group(1), m.group(2), year)
            elif q.text and len(q.text) < 30 and not re.search(r"\d|[※【】]|。$", q.text) and not q.bullet:
                break  # the next heading
            j += 1
        return j

    def prose_line(self, j: int, title: str, rest: str, year: str) -> None:
        q = self.lines[j]
        ind = self.add(q, title)
        for m in _NUMBER.finditer(nfkc(rest)):
            after = nfkc(rest)[m.end():m.end() + 12]
            v = read_cell(m.group(0) + after)
            if v is None or "満点" in m.group(3):
                continue  # 10点満点: the scale, not a value
            v.text = q.text
            if "基準値" in after:
                v.kind, v.fiscal_year = "baseline", self.baseline_date(j)
                ind.values.append(v)
                if v.qualifier:  # 6.77点(基準値) 以上: the target is the baseline or more
                    ind.values.append(Value("target", v.value, q.text, v.unit, year, v.qualifier))
                    v.qualifier = None
            elif v.qualifier:
                v.kind, v.fiscal_year = "target", year
                ind.values.append(v)
            else:
                continue
            break
        self.prose_values(j, ind)

    def baseline_date(self, j: int) -> str | None:
        """令和4年12月に実施されたアンケート調査で把握した…を基準値として: the baseline's date."""
        for q in self.lines[j + 1:j + 6]:
            if "基準値" in q.text and (m := re.search(r"((?:令和|平成|[RH])\s*(?:元|\d+)年(?:\d+月)?)", q.text)):
                return m.group(1)
        return None

    def prose_values(self, j: int, ind: Indicator) -> None:
        """Sentences after a KPI line: …に約63,200人となる見込み (projection), …を目標 (target)."""
        following = []
        for q in self.lines[j + 1:j + 8]:
            if _KPI_LINE.match(q.text) or q.bullet:
                break
            following.append(q.text)
        # a PDF wraps a paragraph into lines: read it sentence by sentence
        for sentence in re.split(r"(?<=。)", "".join(following)):
            kind = "projection" if re.search(r"見込|推計", sentence) else (
                "target" if "目標" in sentence else None)
            if kind is None:
                continue
            for m in _PROSE_VALUE.finditer(nfkc(sentence)):
                if kind == "projection" and "目標" in nfkc(sentence)[m.end():m.end() + 12]:
                    continue
                value = float(m.group("num").replace(",", ""))
                v = Value(kind, int(value) if value.is_integer() else value, m.group(0),
                          m.group("unit"), m.group("date"))
                if not any(_same(v, w) for w in ind.values):
                    ind.values.append(v)

    # -- rows --------------------------------------------------------------------------------

    def row(self, p: Parsed, cells: list[str], header: dict[int, tuple[str, str | None]]) -> None:
        title = re.sub(r"\s*[*＊]\s*", "", cells[0]).strip()
        if not title or not re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", title):
            return
        ind = self.add(p, title)
        for col, (kind, header_year) in header.items():
            cell = cells[col].strip() if col < len(cells) else ""
            if not cell:
                continue
            v = read_cell(cell, header_year)
            if v is None or not fiscal_ok(v.fiscal_year):
                self.draft.unreadable.append(Unreadable(p.line, title, kind, cell))
                continue
            v.kind = kind
            ind.values.append(v)

    def add(self, p: Parsed, title: str, proposed: bool = False, local_term: str | None = None) -> Indicator:
        element = self.current.get(p.line.no)
        found = Found(p.line, self.section, 0.9 if element else 0.6,
                      "" if element else "どの要素の指標か分かりませんでした。 / No element found for it.")
        ind = Indicator(title, found, element, local_term or _term(self.section), proposed=proposed)
        self.draft.indicators.append(ind)
        self.draft.used.add(p.line.no)
        return ind

    def _texts(self, start: int) -> Iterator[Parsed]:
        for q in self.lines[start:]:
            if q.text:
                yield q


def _term(section: str) -> str | None:
    m = re.search(r"(成果指標|総合指標|KPI|指標)", section)
    return m.group(1) if m else None


def _same(a: Value, b: Value) -> bool:
    return a.kind == b.kind and a.value == b.value and _fy(a.fiscal_year) == _fy(b.fiscal_year)


def _fy(year: str | None) -> int | None:
    try:
        return parse_fiscal(year).fiscal_year if year else None
    except FiscalYearError:
        return None


def current_elements(lines: list[Parsed], draft: Draft) -> dict[int, Element | None]:
    """For each line, the element the text is about: the last one named (by code or title)."""
    by_line = {e.found.line.no: e for e in draft.elements}
    by_code = {nfkc(e.code): e for e in draft.elements if e.code and re.match(r"[A-Z]", e.code)}
    by_key = {key(e.title): e for e in draft.elements}
    vision = next((e for e in draft.elements if e.level == "vision"), None)
    named: list[tuple[int, Element]] = []  # (index in lines, element named there)
    for i, p in enumerate(lines):
        e = by_line.get(p.line.no) or (by_code.get(p.code) if p.code else None) or (
            by_key.get(key(p.title)) if p.text else None)
        if e is not None:
            named.append((i, e))
    in_list = _listed(named)
    current, out, names = vision, {}, dict(named)
    for i, p in enumerate(lines):
        if i in names and i not in in_list:
            current = names[i]
        elif re.search(r"総合指標|最上位の指標", p.text) and vision is not None:
            current = vision
        out[p.line.no] = current
    return out


def _listed(named: list[tuple[int, Element]]) -> set[int]:
    """Lines that name an element as one of a list of siblings (H1-1 …, H1-2 … under H1): they
    refer to the elements, and the text below is still about the element above them."""
    listed = set()
    for (i, a), (j, b) in zip(named, named[1:], strict=False):
        if j - i <= 4 and a is not b and a.parent is b.parent:
            listed.update((i, j))
    return listed


def find_indicators(lines: list[Parsed], draft: Draft) -> None:
    Kpi(lines, draft, current_elements(lines, draft)).run()
