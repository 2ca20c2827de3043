"""The accessibility check: axe-core, run in headless Chromium on one page of each kind, finds no
serious or critical violation (WCAG 2.x A/AA rules and axe's best practices). The figure per page
kind is printed. axe-core comes from the npm registry: scripts/test.sh fetches it into .cache/
and names it in ``$PLANLOD_AXE``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_browser import Chromium, browser  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
#: One page of each kind, in both languages where the language changes the page's words.
PAGES = {
    "home": "/",
    "plan": "/plan/202151-shiojiri-6",
    "element": "/plan/202151-shiojiri-6/element/strategy-a",
    "indicator": "/plan/202151-shiojiri-6/indicator/citizen-happiness",
    "municipality": "/municipality/202151",
    "sdg goal": "/sdg/13",
    "search": "/search?q=%E5%B9%B8",
    "compare": "/compare",
    "coverage": "/coverage",
    "query": "/query?example=elements-by-level",
    "def/ontology": "/def",
    "downloads": "/downloads/",
    "catalog": "/catalog",
    "error page": "/plan/no-such-plan",
    "plan (en)": "/plan/202151-shiojiri-6?lang=en",
    "query (en)": "/query?example=elements-by-level&lang=en",
}
SERIOUS = ("serious", "critical")


def axe_source() -> str:
    found = os.environ.get("PLANLOD_AXE") or next(
        (str(p) for p in sorted(ROOT.glob(".cache/axe-core-*/axe.min.js"))), "")
    if not found or not Path(found).is_file():
        message = "axe-core is not fetched: run scripts/test.sh (npm pack axe-core into .cache/)"
        if os.environ.get("CI") or os.environ.get("PLANLOD_AXE"):  # scripts/test.sh fetched it
            pytest.fail(message)
        pytest.skip(message)
    return Path(found).read_text(encoding="utf-8")


def violations(b: Chromium, source: str) -> list[dict]:
    """axe's violations on the page in the browser, each with its impact and the nodes hit."""
    b.evaluate(source)
    return b.evaluate("""axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map(v => (
        {id: v.id, impact: v.impact, help: v.help,
         nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' — ' + n.failureSummary)})))""")


def test_no_serious_accessibility_violation_on_any_page_kind(browser: Chromium, server) -> None:  # noqa: ANN001, F811
    source = axe_source()
    figures, serious = {}, {}
    for kind, path in PAGES.items():
        browser.navigate(server.url + path)
        assert browser.evaluate("document.querySelector('main h1') !== null"), kind
        found = violations(browser, source)
        figures[kind] = {impact: sum(1 for v in found if v["impact"] == impact)
                         for impact in ("critical", "serious", "moderate", "minor")}
        serious[kind] = [v for v in found if v["impact"] in SERIOUS]
    print("\naxe-core violations per page kind (rules broken; critical/serious/moderate/minor):")
    for kind, counts in figures.items():
        print(f"  {kind:14} {counts['critical']}/{counts['serious']}/{counts['moderate']}/{counts['minor']}")
    failing = [f"{kind}: [{v['impact']}] {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"])
               for kind, found in serious.items() for v in found]
    assert not failing, "\n".join(failing)


def test_every_page_kind_has_a_working_skip_link(browser: Chromium, server) -> None:  # noqa: ANN001, F811
    for kind, path in PAGES.items():
        browser.navigate(server.url + path)
        skip = browser.evaluate("""(() => { const a = document.querySelector('body > a.skip');
            return a && {first: document.body.firstElementChild === a, target: a.getAttribute('href'),
                         main: document.querySelector(a.getAttribute('href'))?.tagName}; })()""")
        assert skip == {"first": True, "target": "#main", "main": "MAIN"}, kind


def test_every_chart_has_a_title_and_a_description(browser: Chromium, server) -> None:  # noqa: ANN001, F811
    seen = 0
    for path in ("/plan/202151-shiojiri-6/indicator/citizen-happiness", "/compare",
                 "/query?example=elements-by-level"):
        browser.navigate(server.url + path)
        charts = browser.evaluate("""[...document.querySelectorAll('main svg.chart, main svg.matrix')].map(s => (
            {title: s.querySelector(':scope > title')?.textContent || '',
             desc: s.querySelector(':scope > desc')?.textContent || ''}))""")
        assert charts, path
        assert all(c["title"] and c["desc"] for c in charts), (path, charts)
        seen += len(charts)
    assert seen >= 4
