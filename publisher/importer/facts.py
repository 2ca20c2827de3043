"""Plan-level facts: title, stage, period, layers, the schedule, departments and declared SDGs."""

from __future__ import annotations

import re

from .model import Draft, Element, Found
from .text import Parsed, key, nfkc

LAYERS = {"基本構想": "basic-concept", "基本計画": "basic-plan", "実施計画": "implementation-plan",
          "長期戦略": "long-term-strategy", "中期戦略": "mid-term-strategy"}
_ERA_YEAR = r"(?:令和|平成|[RH])\s*(?:元|\d{1,2})\s*年度?|(?:19|20)\d{2}\s*年度?"
_PERIOD = re.compile(rf"({_ERA_YEAR})\s*(?:から|～|〜|－|-)\s*({_ERA_YEAR})\s*(?:まで)?(?:の\s*\d+\s*(?:か|ヶ|カ)?年(?:間)?)?")
_SESSION = re.compile(r"第\s*(\d+)\s*回\s+(.+?)\s*→\s*(\S+)")
_DEPARTMENT = re.compile(r"^[\u4e00-\u9fff\u30a0-\u30ffー・]{2,16}(?:課|室|部|局|担当)$")
_SDG = re.compile(r"(?:目標|ゴール|Goal|SDG)?\s*(\d{1,2})\b")


def find_facts(lines: list[Parsed], draft: Draft, current: dict[int, Element | None]) -> None:
    """Fill ``draft.facts`` and attach departments and declared SDGs to elements."""
    draft.facts["title"] = _title(lines)
    draft.facts["status"] = _status(draft.facts["title"])
    for p in lines:
        if "period" not in draft.facts and (m := _PERIOD.search(nfkc(p.text))):
            draft.facts["period"] = {"start": m.group(1).replace(" ", ""), "end": m.group(2).replace(" ", ""),
                                     "text": m.group(0)}
            draft.facts["period_line"] = p.line
    draft.facts["layers"] = _layers(lines)
    draft.facts["events"] = _events(lines, draft)
    _departments(lines, draft, current)
    _sdgs(lines, draft, current)


def _title(lines: list[Parsed]) -> str | None:
    for p in lines[:40]:
        if re.search(r"計画|戦略|方針", p.text) and len(p.text) <= 50 and not p.text.endswith("。"):
            return p.text.lstrip("#").strip()
    return None


def _status(title: str | None) -> str | None:
    if not title:
        return None
    if "策定方針" in title:
        return "policy"
    if "素案" in title:
        return "draft"
    if re.search(r"[(（]案[)）]|案$", title):
        return "proposal"
    return None


def _layers(lines: list[Parsed]) -> list[dict]:
    """A table row that names a layer and describes it (長期戦略 → 今後20～30年…)."""
    layers = []
    for p in lines:
        cells = p.line.raw.split("\t")
        if len(cells) >= 2 and key(cells[0]) in LAYERS and cells[1].strip():
            layers.append({"id": LAYERS[key(cells[0])], "title": key(cells[0]),
                           "description": cells[1].strip(), "line": p.line})
    return layers


def _events(lines: list[Parsed], draft: Draft) -> list[dict]:
    """A schedule: 第1回 R8. 5月14日 → 諮問 (two columns on one line are two sessions)."""
    events = []
    for p in lines:
        for cell in p.line.raw.split("\t"):
            if m := _SESSION.search(cell.strip()):
                events.append({"sequence": int(m.group(1)), "title": f"第{m.group(1)}回",
                               "date": m.group(2).strip(), "agenda": m.group(3), "line": p.line})
                draft.used.add(p.line.no)
    return sorted(events, key=lambda e: e["sequence"])


def _departments(lines: list[Parsed], draft: Draft, current: dict[int, Element | None]) -> None:
    """広報広聴課 on its own line below an element's heading: the department in charge."""
    names: dict[str, Found] = {}
    for p in lines:
        element = current.get(p.line.no)
        if element is None or p.bullet or not _DEPARTMENT.match(p.text):
            continue
        names.setdefault(p.text, Found(p.line, p.text, 0.8))
        if p.text not in element.departments:
            element.departments.append(p.text)
        draft.used.add(p.line.no)
    draft.facts["departments"] = names


def _sdgs(lines: list[Parsed], draft: Draft, current: dict[int, Element | None]) -> None:
    """関連するSDGs followed by goal numbers (3 11 17, 目標3): declared by the plan."""
    for i, p in enumerate(lines):
        if "関連するSDGs" not in nfkc(p.text).replace(" ", ""):
            continue
        element = current.get(p.line.no)
        rest = nfkc(p.text).split("SDGs", 1)[1]
        following = [q for q in lines[i + 1:i + 4] if q.text]
        texts = [rest] + ([following[0].text] if following and re.fullmatch(r"[\d\s、,・目標ゴール]+", nfkc(following[0].text)) else [])
        numbers = [int(n) for t in texts for n in _SDG.findall(nfkc(t)) if 1 <= int(n) <= 17]
        if element is not None and numbers:
            element.sdgs.extend(n for n in numbers if n not in element.sdgs)
            draft.used.add(p.line.no)
