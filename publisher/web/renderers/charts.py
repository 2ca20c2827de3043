"""Server-side SVG pictures: an indicator's baseline → actuals → target, and the cross-city grid.

Plain SVG strings (every text escaped), no JavaScript; they scale with their ``viewBox``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

from ..i18n import t
from ..service.links import firm
from ..service.reader import curie, pick

COLORS = {"baseline": "#6b7280", "actual": "#1d4ed8", "projection": "#7c3aed", "target": "#c2410c"}
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC_TYPES = {XSD + n for n in ("integer", "decimal", "double", "float", "int", "long", "short", "byte",
                                   "nonNegativeInteger", "positiveInteger", "negativeInteger",
                                   "nonPositiveInteger", "unsignedInt", "unsignedLong", "unsignedShort",
                                   "unsignedByte")}
SDG_COLORS = ["#E5243B", "#DDA63A", "#4C9F38", "#C5192D", "#FF3A21", "#26BDE2", "#FCC30B",
              "#A21942", "#FD6925", "#DD1367", "#FD9D24", "#BF8B2E", "#3F7E44", "#0A97D9",
              "#56C02B", "#00689D", "#19486A"]


def _fmt(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def _nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    span = hi - lo
    if span <= 0:
        return [lo]
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    start = math.ceil(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 10))
        v += step
    return ticks


LABEL_GAP = 2  # space kept between a value's label and any other label or marker


def _text_width(text: str, size: float) -> float:
    """A generous estimate of how wide ``text`` is drawn at ``size`` px (no font metrics on
    the server): a CJK character is a square, anything else about 0.62 of one."""
    return sum(size if ord(c) >= 0x2E80 else size * 0.62 for c in text)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] + LABEL_GAP and b[0] < a[2] + LABEL_GAP and \
        a[1] < b[3] + LABEL_GAP and b[1] < a[3] + LABEL_GAP


def _place_labels(marks: list[tuple[float, float, float]], sizes: list[tuple[float, float]],
                  low: float, high: float) -> list[float]:
    """Where each value's label goes: the top of a box of ``sizes[i]`` (width, height) to the
    right of mark ``i`` (x, y, radius), as near its mark's height as it can be without covering
    another label or any mark, and between ``low`` and ``high``. Marks are placed from the top
    down, each label searched outwards from its wish, 1 px at a time."""
    markers = [(x - r, y - r, x + r, y + r) for x, y, r in marks]
    placed: list[Box] = []
    tops = [0.0] * len(marks)
    for i in sorted(range(len(marks)), key=lambda i: (marks[i][1], marks[i][0])):
        x, y, r = marks[i]
        width, height = sizes[i]
        wish = min(max(y - height / 2, low), high - height)
        for step in range(int(high - low) + 1):
            tries = (wish + step, wish - step) if step else (wish,)
            fits = [t for t in tries if low <= t <= high - height and not any(
                _overlaps((x + r + 3, t, x + r + 3 + width, t + height), other)
                for other in placed + markers)]
            if fits:
                tops[i] = fits[0]
                break
        else:
            tops[i] = wish
        placed.append((x + r + 3, tops[i], x + r + 3 + width, tops[i] + height))
    return tops


def indicator_chart(values: Sequence, direction: str | None, unit: str | None, lang: str) -> Markup:
    """Baseline (grey), actuals (blue, joined), projections (violet), target (orange ring, dashed
    line from the last known value); an arrow and a note mark the good direction. No point sits
    on the value axis, and each value's label is put where it covers no other label or point."""
    points = [v for v in values if v.value is not None]
    if not points:
        return Markup("")
    w, h, left, right, top, bottom = 640, 300, 64, 140, 24, 44
    inset = 28  # from the value axis (and the right end) to the first (last) year
    years = [v.year for v in points if v.year is not None]
    if years:
        x0, x1 = min(years), max(years)
    else:
        x0, x1 = 0, max(1, len(points) - 1)
    if x0 == x1:
        x0, x1 = x0 - 1, x1 + 1
    lo = min(v.value for v in points)
    hi = max(v.value for v in points)
    pad = (hi - lo) * 0.15 or (abs(hi) * 0.1 or 1)
    lo, hi = lo - pad, hi + pad
    if min(v.value for v in points) >= 0 and lo < 0:
        lo = 0.0

    def at(pos: float) -> float:
        return left + inset + (pos - x0) / (x1 - x0) * (w - left - right - 2 * inset)

    def x(v, i: int) -> float:
        return at(v.year if v.year is not None else (x0 + i if not years else x1))

    def y(val: float) -> float:
        return top + (hi - val) / (hi - lo) * (h - top - bottom)

    unit_txt = escape(unit or "")
    parts = [f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(t('indicator.chart', lang))}</title>",
             f"<desc>{escape(_describe_values(points, unit, lang))}</desc>"]
    for tick in _nice_ticks(lo, hi):
        ty = y(tick)
        parts.append(f'<line x1="{left}" x2="{w - right}" y1="{ty:.1f}" y2="{ty:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{ty + 4:.1f}" text-anchor="end" class="tick">'
                     f"{escape(_fmt(tick))}</text>")
    if unit_txt:
        parts.append(f'<text x="{left - 6}" y="{top - 8}" text-anchor="end" class="tick">{unit_txt}</text>')
    for year in sorted(set(years)):
        tx = at(year)
        label = f"FY{year}" if lang == "en" else f"{year}年度"
        parts.append(f'<text x="{tx:.1f}" y="{h - bottom + 18}" text-anchor="middle" class="tick">'
                     f"{escape(label)}</text>")
    parts.append(f'<line x1="{left}" x2="{w - right}" y1="{h - bottom}" y2="{h - bottom}" class="axis"/>')
    coords = [(x(v, i), y(v.value), v) for i, v in enumerate(points)]
    known = [(cx, cy) for cx, cy, v in coords if v.kind in ("baseline", "actual")]
    if len(known) > 1:
        path = " ".join(f"{cx:.1f},{cy:.1f}" for cx, cy in sorted(known))
        parts.append(f'<polyline points="{path}" class="line actual"/>')
    last = max(known) if known else None
    for cx, cy, v in coords:
        if v.kind in ("target", "projection") and last is not None:
            parts.append(f'<line x1="{last[0]:.1f}" y1="{last[1]:.1f}" x2="{cx:.1f}" y2="{cy:.1f}" '
                         f'class="line {v.kind}"/>')
    radii = [8.5 if v.kind == "target" else 5.5 for _, _, v in coords]  # the ring's stroke too
    texts = []
    for _, _, v in coords:
        qualifier = v.qualifier.text(lang) if v.qualifier is not None else ""
        texts.append((f"{_fmt(v.value)}{unit or ''}" + (f" {qualifier}" if qualifier else ""),
                      t(f"kind.{v.kind}", lang) if v.kind in COLORS else v.kind))
    # a label is two lines: the value (13 px, bold) over its kind (11 px)
    sizes = [(max(_text_width(a, 14), _text_width(b, 11)), 30.0) for a, b in texts]
    tops = _place_labels([(cx, cy, r) for (cx, cy, _), r in zip(coords, radii, strict=True)],
                         sizes, 2.0, h - bottom - 2)
    for (cx, cy, v), r, (label, kind), ly in zip(coords, radii, texts, tops, strict=True):
        color = COLORS.get(v.kind, "#374151")
        if v.kind == "target":
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="7" fill="#fff" stroke="{color}" stroke-width="3"/>')
        else:
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5.5" fill="{color}"/>')
        lx = cx + r + 3
        parts.append(f'<text x="{lx:.1f}" y="{ly + 13:.1f}" class="val" fill="{color}">'
                     f"{escape(label)}</text>")
        parts.append(f'<text x="{lx:.1f}" y="{ly + 27:.1f}" class="kind">{escape(kind)}</text>')
    if direction in ("increase", "decrease", "maintain"):
        ax = w - 34
        y_top, y_bottom, y_mid = top + 6, h - bottom - 6, (top + h - bottom) / 2
        if direction == "increase":
            parts.append(f'<line x1="{ax}" y1="{y_bottom}" x2="{ax}" y2="{y_top}" class="good" marker-end="url(#arrow)"/>')
        elif direction == "decrease":
            parts.append(f'<line x1="{ax}" y1="{y_top}" x2="{ax}" y2="{y_bottom}" class="good" marker-end="url(#arrow)"/>')
        else:
            parts.append(f'<line x1="{ax}" y1="{y_bottom}" x2="{ax}" y2="{y_top}" class="good" '
                         'marker-start="url(#arrow)" marker-end="url(#arrow)"/>')
        parts.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" '
                     'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
                     'fill="#15803d"/></marker></defs>')
        note = t(f"direction.{direction}", lang).split(" ", 1)[1]
        parts.append(f'<text x="{w - 12}" y="{y_mid:.1f}" text-anchor="middle" class="goodtext" '
                     f'transform="rotate(-90 {w - 12} {y_mid:.1f})">{escape(note)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _describe_values(points: Sequence, unit: str | None, lang: str) -> str:
    """The chart in words, for a screen reader: each value with its kind and year."""
    said = []
    for v in points:
        kind = t(f"kind.{v.kind}", lang) if v.kind in COLORS else v.kind
        year = "" if v.year is None else (f" FY{v.year}" if lang == "en" else f" {v.year}年度")
        said.append(f"{kind}{year}: {_fmt(v.value)}{unit or ''}")
    return "; ".join(said)


def bar_chart(bars: Sequence[tuple[str, float]], measure: str, lang: str, shown: int = 30) -> Markup:
    """Horizontal bars, one per row of a query result: ``bars`` is (label, number) pairs, drawn
    in their order; at most ``shown`` of them, the rest counted in the description."""
    if not bars:
        return Markup("")
    drawn = list(bars[:shown])
    w, left, right, row, top = 500, 200, 50, 22, 8
    h = top + row * len(drawn) + 8
    lo = min(0.0, min(v for _, v in drawn))
    hi = max(0.0, max(v for _, v in drawn)) or 1.0
    scale = (w - left - right) / (hi - lo)
    zero = left - lo * scale
    title = t("chart.bars", lang, measure=measure)
    desc = "; ".join(f"{label}: {_fmt(v)}" for label, v in drawn)
    if len(bars) > shown:
        desc += " " + t("chart.bars_more", lang, n=len(bars) - shown)
    parts = [f'<svg class="chart bars" viewBox="0 0 {w} {h}" role="img" xmlns="http://www.w3.org/2000/svg">',
             f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"]
    for i, (label, v) in enumerate(drawn):
        y = top + i * row
        x0, x1 = sorted((zero, zero + v * scale))
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" class="tick">{escape(short)}</text>')
        parts.append(f'<rect x="{x0:.1f}" y="{y + 3}" width="{max(x1 - x0, 1):.1f}" height="{row - 6}" '
                     f'fill="{COLORS["actual"]}"/>')
        parts.append(f'<text x="{x1 + 4:.1f}" y="{y + 15}" class="tick">{escape(_fmt(v))}</text>')
    parts.append(f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{top}" y2="{h - 8}" class="axis"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(cell: dict | None) -> float | None:
    """A result cell's number, if it is a numeric literal (xsd:integer, xsd:decimal, …)."""
    if not cell or cell.get("type") not in ("literal", "typed-literal"):
        return None
    if cell.get("datatype") not in NUMERIC_TYPES:
        return None
    try:
        number = float(cell["value"])
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _cell_text(cell: dict | None, labels: dict[str, dict[str, str]], lang: str) -> str:
    if not cell:
        return ""
    if cell.get("type") == "uri":
        value = cell["value"]
        return pick(labels[value], lang) if value in labels else curie(value)
    return str(cell.get("value", ""))


def numeric_column(table: dict) -> int | None:
    """The column a result's chart shows: the last one whose bound cells are all numbers.

    >>> n = {"type": "literal", "value": "3", "datatype": XSD + "integer"}
    >>> city = {"type": "literal", "value": "塩尻市"}
    >>> numeric_column({"vars": ["n", "city", "m"], "rows": [[n, city, n], [n, city, None]]})
    2
    >>> numeric_column({"vars": ["city"], "rows": [[city]]}) is None
    True
    """
    for j in reversed(range(len(table["vars"]))):
        cells = [row[j] for row in table["rows"] if row[j] is not None]
        if cells and all(_number(c) is not None for c in cells):
            return j
    return None


def results_chart(table: dict, labels: dict[str, dict[str, str]], lang: str) -> Markup:
    """A bar chart of a SELECT result with a numeric column (see :func:`numeric_column`); each
    bar is labelled with the row's other, non-numeric cells. Nothing when no column is numeric."""
    if table.get("kind") != "select" or not table["rows"]:
        return Markup("")
    j = numeric_column(table)
    if j is None:
        return Markup("")
    numeric = {k for k in range(len(table["vars"])) if k == j or any(
        _number(row[k]) is not None for row in table["rows"])}
    bars = []
    for row in table["rows"]:
        value = _number(row[j])
        if value is not None:
            label = " ".join(_cell_text(c, labels, lang) for k, c in enumerate(row) if k not in numeric and c)
            bars.append((label, value))
    return bar_chart(bars, table["vars"][j], lang)


def matrix(rows: Sequence, cols: Sequence, cells: dict, lang: str,
           col_label: Callable[[int, object], str], href: Callable[[object], str | None],
           cell_href: Callable[[object, object], str | None],
           col_color: Callable[[int], str] | None = None, rotate: bool = False) -> Markup:
    """A grid: one row per municipality, one column per goal or domain. ``cells[(row, col)]``
    holds counts by basis; declared + curated + asserted fill the cell and are written in it,
    suggested add a dot and a "+n". A column head links where ``href`` gives a target, a cell
    where ``cell_href(col, row)`` does: that city's items (``UI.href``: never javascript:)."""
    cell, label_w = 36, 120
    head = 150 if rotate else 44
    w = label_w + cell * len(cols) + (110 if rotate else 8)
    h = head + cell * max(1, len(rows)) + 8
    # a group, not an img: its cells are links, and an img's content is hidden from assistive tech
    parts = [f'<svg class="matrix" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
             'xmlns="http://www.w3.org/2000/svg" role="group">',
             f"<title>{escape(t('chart.matrix', lang))}</title><desc>{escape(t('chart.matrix_desc', lang))}</desc>"]
    anchors = [_anchor(href(col)) for col in cols]
    for j, col in enumerate(cols):
        cx = label_w + j * cell + cell / 2
        color = col_color(j) if col_color else "#e5e7eb"
        text = escape(col_label(j, col))
        opening, closing = anchors[j]
        parts.append(opening)
        if rotate:
            parts.append(f'<text x="{cx:.1f}" y="{head - 6}" transform="rotate(-55 {cx:.1f} {head - 6})" '
                         f'class="colhead">{text}</text>')
        else:
            parts.append(f'<rect x="{cx - cell / 2 + 2:.1f}" y="6" width="{cell - 4}" height="{head - 10}" '
                         f'rx="4" fill="{color}"/>')
            parts.append(f'<text x="{cx:.1f}" y="{head / 2 + 7:.1f}" text-anchor="middle" '
                         f'class="goalnum">{text}</text>')
        parts.append(closing)
    most = max((firm(c) for c in cells.values()), default=0)
    for i, row in enumerate(rows):
        cy = head + i * cell
        parts.append(f'<text x="{label_w - 8}" y="{cy + cell / 2 + 5:.1f}" text-anchor="end" '
                     f'class="rowhead">{escape(row.text(lang))}</text>')
        for j, col in enumerate(cols):
            counts = cells.get((row.iri, col.iri), {})
            linked, suggested = firm(counts), counts.get("suggested", 0)
            x0 = label_w + j * cell
            alpha = 0.15 + 0.85 * linked / most if linked and most else 0
            fill = f"rgba(29,78,216,{alpha:.2f})" if linked else "#f9fafb"
            number = col_label(j, col)
            name = col.text(lang) if number == col.text(lang) else f"{number} {col.text(lang)}"
            title = f"{row.text(lang)} × {name}: " + (
                ", ".join(f"{t('basis.' + b, lang)} {n}" for b, n in sorted(counts.items()))
                if counts else "0")
            opening, closing = _anchor(cell_href(col, row)) if counts else ("<g>", "</g>")
            parts.append(f'{opening}<rect x="{x0 + 1}" y="{cy + 1}" '
                         f'width="{cell - 2}" height="{cell - 2}" fill="{fill}" class="cell">'
                         f"<title>{escape(title)}</title></rect>")
            if linked:
                parts.append(f'<text x="{x0 + cell / 2}" y="{cy + cell / 2 + 5}" text-anchor="middle" '
                             f'class="{"cellnum light" if alpha > 0.5 else "cellnum"}">{linked}</text>')
            if suggested:
                parts.append(f'<circle cx="{x0 + cell - 8}" cy="{cy + 8}" r="{min(6, 2 + suggested)}" '
                             f'class="suggested"><title>{escape(title)}</title></circle>'
                             f'<text x="{x0 + 3}" y="{cy + cell - 4}" class="suggestednum">'
                             f"+{suggested}</text>")
            parts.append(closing)
    parts.append("</svg>")
    return Markup("".join(parts))


def _anchor(link: str | None) -> tuple[str, str]:
    """The SVG tags around what links to ``link``: an ``<a>``, or a plain group without one."""
    return (f'<a href="{escape(link)}">', "</a>") if link else ("<g>", "</g>")


def sdg_color(i: int) -> str:
    return SDG_COLORS[i % len(SDG_COLORS)]


def goal_label(j: int, col: object) -> str:
    """Column heads of the SDG grid: the goal numbers."""
    return str(j + 1)


def domain_label(lang: str) -> Callable[[int, object], str]:
    """Column heads of the policy-domain grid: the domains' names in ``lang``."""
    return lambda j, col: col.text(lang)  # type: ignore[attr-defined]
