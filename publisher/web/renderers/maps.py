"""Maps drawn as SVG from the registry's points: no tiles, no script, no request to anyone.

Each local government is a dot at its representative point (approximate, see
:mod:`publisher.registry.rdf`), projected with an equirectangular projection whose x scale is the
cosine of the middle latitude, into a viewBox ``width`` units wide. The legend sits in a strip of
its own above the dots, so it never hides one.

>>> from publisher.web.renderers.maps import Dot, dot_map
>>> svg = dot_map([Dot(35.0, 135.0, "/municipality/a", "甲市", "yes"),
...                Dot(36.0, 137.0, None, "乙町", "no")], title="t", desc="d", legend=[])
>>> svg.count("<circle"), svg.count("<a ")
(2, 1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from ..i18n import t

#: Fill of a dot by its state: has a plan, has none, the page's own local government.
FILLS = {"yes": "#c2410c", "no": "#94a3b8", "here": "#b91c1c"}
DRAW_ORDER = ("no", "yes", "here")  # what matters last, on top


@dataclass(frozen=True)
class Dot:
    lat: float
    lng: float
    href: str | None  # where the dot links to (None: no link)
    label: str  # its title (tooltip and accessible name)
    state: str  # a key of FILLS


def dot_map(dots: Sequence[Dot], *, title: str, desc: str, legend: Sequence[tuple[str, str]],
            width: int = 1000, radius: dict[str, float] | None = None, css: str = "map",
            ident: str = "map") -> Markup:
    """An SVG map of ``dots``; ``legend`` is (state, text) pairs; every text is escaped.

    The SVG is labelled by its ``<title>`` and ``<desc>`` (``aria-labelledby``); each linked dot
    is an ``<a>`` whose ``<title>`` names it."""
    radius = {"no": width / 220, "yes": width / 130, "here": width / 90, **(radius or {})}
    pad = max(radius.values()) + 4
    font = width / 34
    top = (font * 2.2 if legend else 0) + pad
    if dots:
        lat0, lat1 = min(d.lat for d in dots), max(d.lat for d in dots)
        lng0, lng1 = min(d.lng for d in dots), max(d.lng for d in dots)
    else:
        lat0, lat1, lng0, lng1 = 30.0, 31.0, 135.0, 136.0
    # a single point, or a row of them, still gets a frame
    if lat1 - lat0 < 0.2:
        lat0, lat1 = lat0 - 0.1, lat1 + 0.1
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    if (lng1 - lng0) * kx < 0.2:
        lng0, lng1 = lng0 - 0.1 / kx, lng1 + 0.1 / kx
    scale = (width - 2 * pad) / ((lng1 - lng0) * kx)
    height = math.ceil(top + (lat1 - lat0) * scale + pad)

    def xy(d: Dot) -> tuple[str, str]:
        return (_n(pad + (d.lng - lng0) * kx * scale), _n(top + (lat1 - d.lat) * scale))

    parts = [f'<svg class="{escape(css)}" viewBox="0 0 {width} {height}" '
             f'xmlns="http://www.w3.org/2000/svg" aria-labelledby="{ident}-t {ident}-d">',
             f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>',
             f'<rect width="{width}" height="{height}" fill="#f8fafc"/>']
    if legend:
        x = pad
        size = font * 0.8
        parts.append(f'<g class="key" font-size="{_n(font)}" fill="#111827">')
        for state, text in legend:
            # rounded squares, not circles: every circle of the map is a local government
            parts.append(f'<rect x="{_n(x)}" y="{_n(pad)}" width="{_n(size)}" height="{_n(size)}" '
                         f'rx="{_n(size / 2)}" fill="{FILLS[state]}"/>'
                         f'<text x="{_n(x + size * 1.4)}" y="{_n(pad + size * 0.95)}">{escape(text)}</text>')
            x += size * 2.2 + font * 0.62 * _width(text)
        parts.append("</g>")
    for state in DRAW_ORDER:
        mine = [d for d in dots if d.state == state]
        if not mine:
            continue
        stroke = ' stroke="#fff" stroke-width="1.5"' if state != "no" else ""
        parts.append(f'<g class="{state}" fill="{FILLS[state]}"{stroke}>')
        r = _n(radius[state])
        for d in mine:
            cx, cy = xy(d)
            dot = f'<circle cx="{cx}" cy="{cy}" r="{r}"><title>{escape(d.label)}</title></circle>'
            parts.append(f'<a href="{escape(d.href)}">{dot}</a>' if d.href else dot)
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _n(v: float) -> str:
    """A coordinate with at most one decimal (a tenth of a unit is finer than a pixel)."""
    text = f"{v:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _width(text: str) -> float:
    """Roughly how many ems ``text`` takes: CJK characters are twice as wide as Latin ones."""
    return sum(1.6 if ord(c) > 0x2E80 else 1.0 for c in text)


# --- the site's maps, from page data ---------------------------------------------------------------

def _dot(row: dict, ui: object, state: str, label: str) -> Dot | None:
    place = row["place"]
    if place.lat is None or place.lng is None:
        return None
    return Dot(float(place.lat), float(place.lng), ui.href(row["ref"]), label, state)  # type: ignore[attr-defined]


def coverage_map(rows: Sequence[dict], ui: object, title: str | None = None, ident: str = "map",
                 width: int = 1000) -> Markup:
    """Every municipality of ``rows`` (coverage rows) a dot linked to its page, coloured by
    whether it has a plan in the graph; ``title`` names the map (default: Japan's municipalities)."""
    lang = ui.lang  # type: ignore[attr-defined]
    dots = []
    for row in rows:
        name = row["ref"].text(lang)
        label = t("coverage.dot.yes", lang, name=name) if row["has_plan"] else name
        dot = _dot(row, ui, "yes" if row["has_plan"] else "no", label)
        if dot is not None:
            dots.append(dot)
    yes = sum(1 for d in dots if d.state == "yes")
    no = len(dots) - yes
    return dot_map(dots, title=title or t("coverage.map.title", lang, n=f"{len(dots):,}"),
                   desc=t("coverage.map.desc", lang, yes=f"{yes:,}", no=f"{no:,}"),
                   legend=[("yes", t("coverage.legend.yes", lang, n=f"{yes:,}")),
                           ("no", t("coverage.legend.no", lang, n=f"{no:,}"))],
                   width=width, ident=ident,
                   radius={"no": width / 220, "yes": width / 110} if len(dots) > 300 else
                   {"no": width / 110, "yes": width / 75})


def location_map(iri: str, neighbours: Sequence[dict], ui: object, name: str, prefecture: str) -> Markup:
    """A small map of a municipality's prefecture: its municipalities (rows with a place and a
    ref) as grey dots linked to their pages, this one in red."""
    lang = ui.lang  # type: ignore[attr-defined]
    dots = []
    for row in neighbours:
        here = row["place"].iri == iri
        dot = _dot(row, ui, "here" if here else "no", row["ref"].text(lang))
        if dot is not None:
            dots.append(Dot(dot.lat, dot.lng, None, dot.label, dot.state) if here else dot)
    return dot_map(dots, title=t("muni.map.title", lang, name=name, prefecture=prefecture),
                   desc=t("muni.map.desc", lang), legend=[], width=320, css="map mini",
                   ident="minimap", radius={"no": 2.6, "here": 5.5})
