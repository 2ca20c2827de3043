"""HTML pages from Jinja2 templates (publisher/web/templates), Japanese first, English on ?lang=en.

The renderer gets plain data from the service layer and never looks at the request beyond
what the route hands it (the path, the language, the alternates).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ...formats import FORMATS
from ...namespaces import PREFIXES
from ..i18n import LANGS, fiscal_year, t
from ..service.links import municipality_code
from ..service.reader import Ref, curie, pick, sdg_notation
from . import charts, maps
from .links import link_target

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PAGE_FORMATS = ("ttl", "jsonld", "nt", "rdf", "csv", "json")  # what a page's footer offers


@dataclass
class UI:
    """What templates use to speak the page's language and link within the site."""

    lang: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    settings: object = None

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def text(self, thing: object) -> str:
        if isinstance(thing, Ref):
            return thing.text(self.lang)
        if isinstance(thing, dict):
            return pick(thing, self.lang)
        return "" if thing is None else str(thing)

    def texts(self, by_lang: dict[str, list[str]]) -> list[str]:
        """The values in this language, else Japanese, else whatever there is."""
        for key in (self.lang, "ja", "", "en"):
            if by_lang.get(key):
                return by_lang[key]
        return next(iter(by_lang.values()), [])

    def url(self, path: str, **params: object) -> str:
        """A local link keeping the page's language (the query goes before a fragment).

        >>> UI("en", "/").url("/def#Plan"), UI("en", "/").url("/search?q=x")
        ('/def?lang=en#Plan', '/search?q=x&lang=en')
        """
        query = {k: v for k, v in params.items() if v not in (None, "")}
        if self.lang != "ja":
            query["lang"] = self.lang
        if not query:
            return path
        path, hash_, fragment = path.partition("#")
        sep = "&" if "?" in path else "?"
        return path + sep + urlencode(query, doseq=True) + hash_ + fragment

    def href(self, target: Ref | str | None) -> str | None:
        """Where a link to ``target`` goes, or None where a page must not link it and shows it
        as text (:func:`~.links.link_target`: only http(s) IRIs and our own paths are linked).
        A resource we serve links to its page here, in this page's language."""
        if isinstance(target, Ref):
            target = self.url(target.href) if target.ours else target.href
        return link_target(target)

    def switch(self) -> str:
        """This page in the other language, remembered: /lang sets the cookie and comes back.

        >>> UI("ja", "/search", {"q": "幸福"}).switch()
        '/lang?to=en&next=%2Fsearch%3Fq%3D%25E5%25B9%25B8%25E7%25A6%258F'
        """
        other = "en" if self.lang == "ja" else "ja"
        query = {k: v for k, v in self.query.items() if k != "lang"}
        here = self.path + ("?" + urlencode(query) if query else "")
        return "/lang?" + urlencode({"to": other, "next": here})

    def items(self, target: Ref, municipality: Ref) -> str | None:
        """The page of what one municipality links to ``target`` (a cell of /compare):
        ``/sdg/13?municipality=152021``."""
        code = municipality_code(municipality.iri)
        if not target.ours or code is None:
            return self.href(target)
        return link_target(self.url(target.href, municipality=code))

    @staticmethod
    def mentions(text: str | None, part: str | None) -> bool:
        """Does ``text`` already say ``part``, spaces and full-width forms aside? (A value
        written "68.9% (R 2年度)" needs no "(R2年度)" after it.)

        >>> UI.mentions("68.9% (R 2年度)", "R2年度"), UI.mentions("68.9%", "R2年度")
        (True, False)
        """
        def bare(s: str) -> str:
            return "".join(unicodedata.normalize("NFKC", s).split())
        return bool(text and part) and bare(part or "") in bare(text or "")

    def sdg(self, ref: Ref) -> str:
        """The goal or target number of an SDG IRI (``13.2``), else an empty string."""
        return sdg_notation(ref.iri) or ""

    def num(self, value: float | None) -> str:
        return "" if value is None else charts._fmt(value)

    def pct(self, share: float) -> str:
        """A share (0–1) as a percentage: one decimal, more where it would read as zero."""
        if 0 < share < 0.001:
            return f"{share * 100:.2f}%"
        return f"{share * 100:.1f}%"

    def fy(self, year: int) -> str:
        """A fiscal year (Gregorian start year) in this page's words: 2032年度（令和14年度）."""
        return fiscal_year(year, self.lang)


class HtmlRenderer:
    """Renders named templates with a :class:`UI` and the page's data."""

    def __init__(self, settings: object = None):
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                               autoescape=select_autoescape(["html", "xml"]),
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.globals.update(indicator_chart=charts.indicator_chart, matrix=charts.matrix,
                                sdg_color=charts.sdg_color, goal_label=charts.goal_label,
                                domain_label=charts.domain_label, PAGE_FORMATS=PAGE_FORMATS,
                                coverage_map=maps.coverage_map, location_map=maps.location_map,
                                curie=curie, prefixes=sorted(PREFIXES.items()),
                                FORMAT_NAMES={f.extension: f.name for f in FORMATS},
                                results_chart=charts.results_chart)
        self.settings = settings

    def render(self, template: str, *, lang: str, path: str, query: dict[str, str] | None = None,
               **context: object) -> bytes:
        ui = UI(lang if lang in LANGS else "ja", path, dict(query or {}), self.settings)
        context.setdefault("data_path", None)
        context.setdefault("provenance", None)
        return self.env.get_template(template).render(ui=ui, **context).encode("utf-8")
