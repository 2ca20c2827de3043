"""The query page in a real browser (headless Chromium): the default query on a first visit, a
catalogue query run from the page with its table and chart on screen at 1280×800, a usable page
at 390 px, completion of ``mplan:`` terms from the ontology, and a shared URL that reproduces
the run. Screenshots (query-1280.png, query-390.png) go where test_browser.py puts its own.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import rdflib
from test_browser import Chromium, browser, shots  # noqa: F401  (fixtures)

from publisher.queries import catalogue

ROOT = Path(__file__).resolve().parents[2]
MPLAN = "https://w3id.org/mplan/def#"


def wait_for(b: Chromium, condition: str) -> None:
    """Wait until the JavaScript ``condition`` holds on the page (up to the call's timeout)."""
    b.evaluate("new Promise(done => { const check = () => (" + condition + ") ? done(true) : "
               "setTimeout(check, 50); check(); })")


def on_screen(b: Chromium, selector: str) -> dict:
    return b.evaluate("(() => { const r = document.querySelector(" + json.dumps(selector) + """)
        .getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height,
                vh: window.innerHeight, vw: window.innerWidth, scrolled: window.scrollY}; })()""")


def capture(b: Chromium, path: Path) -> None:
    """What the viewport shows, as a PNG."""
    path.write_bytes(base64.b64decode(b.call("Page.captureScreenshot", session=True, format="png")["data"]))


def ontology_terms() -> set[str]:
    """The classes and properties that ontology/mplan.ttl defines."""
    g = rdflib.Graph().parse(ROOT / "ontology" / "mplan.ttl")
    kinds = {rdflib.OWL.Class, rdflib.OWL.ObjectProperty, rdflib.OWL.DatatypeProperty,
             rdflib.OWL.AnnotationProperty, rdflib.Namespace("http://purl.org/linked-data/cube#").DimensionProperty}
    return {str(s) for s, o in g.subject_objects(rdflib.RDF.type)
            if o in kinds and str(s).startswith(MPLAN) and str(s) != MPLAN}


def test_first_visit_shows_a_catalogue_query(browser: Chromium, server) -> None:  # noqa: ANN001, F811
    browser.navigate(server.url + "/query")
    shown = browser.evaluate("({text: document.getElementById('query').value, "
                             "name: document.getElementById('example').value, "
                             "results: document.querySelector('#result-table') !== null})")
    queries = {q.name: q.text for q in catalogue()}
    assert shown["name"] in queries
    assert shown["text"] == queries[shown["name"]]
    assert not shown["results"]  # shown, not run


def test_a_catalogue_query_runs_with_table_and_chart_on_screen(browser: Chromium, server, shots: Path) -> None:  # noqa: ANN001, F811
    browser.viewport(1280, 800)
    browser.navigate(server.url + "/query")
    browser.click_and_wait("#run")
    assert browser.evaluate("location.hash") == "#results"
    rows = browser.evaluate("document.querySelectorAll('#result-table tbody tr').length")
    assert rows > 1
    table, chart = on_screen(browser, "#result-table"), on_screen(browser, "#result-chart svg")
    assert table["scrolled"] > 0  # the page went down to the results by itself
    assert 0 <= table["top"] and table["top"] + 120 <= table["vh"], table  # head and first rows
    assert 0 <= chart["top"] and chart["bottom"] <= chart["vh"] and chart["height"] > 100, chart
    bars = browser.evaluate("document.querySelectorAll('#result-chart svg rect').length")
    assert bars == min(rows, 30)
    assert browser.evaluate("document.querySelector('#result-chart svg desc').textContent").count(":") >= 1
    capture(browser, shots / "query-1280.png")

    browser.viewport(390, 844, mobile=True)
    shared = browser.evaluate("location.href")
    browser.navigate("about:blank")
    browser.navigate(shared)
    assert browser.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    run = on_screen(browser, "#run")
    assert run["left"] >= 0 and run["right"] <= run["vw"]
    assert on_screen(browser, "#result-chart svg")["right"] <= run["vw"]
    capture(browser, shots / "query-390.png")
    browser.call("Emulation.clearDeviceMetricsOverride", session=True)
    assert browser.errors() == []


def test_the_shared_url_reproduces_the_run(browser: Chromium, server) -> None:  # noqa: ANN001, F811
    browser.navigate(server.url + "/query")
    mark = len(browser.events)  # choosing an example opens (and runs) it
    browser.evaluate("(() => { const s = document.getElementById('example'); "
                     "s.value = s.options[s.options.length - 1].value; "
                     "s.dispatchEvent(new Event('change')); })()")
    browser.wait_event("Page.loadEventFired", mark)
    assert browser.evaluate("document.querySelector('#result-table, #results .answer') !== null")
    first = browser.evaluate("({text: document.getElementById('query').value, "
                             "results: document.getElementById('results').innerText, "
                             "share: document.getElementById('share').href})")
    browser.navigate("about:blank")
    browser.navigate(first["share"])
    again = browser.evaluate("({text: document.getElementById('query').value, "
                             "results: document.getElementById('results').innerText})")
    assert again["text"] == first["text"]
    assert again["results"] == first["results"] and first["results"]


def test_completion_offers_mplan_terms(browser: Chromium, server) -> None:  # noqa: ANN001, F811
    browser.navigate(server.url + "/query")
    browser.evaluate("(() => { const q = document.getElementById('query'); q.value = ''; q.focus(); })()")
    browser.call("Input.insertText", session=True, text="SELECT * { ?p a mplan:Pl")
    # the terms arrive by fetch after the page loads: ask again (an input event) until they have
    wait_for(browser, "!document.getElementById('complete').hidden || "
                      "(document.getElementById('query').dispatchEvent(new Event('input')), false)")
    offered = browser.evaluate("[...document.querySelectorAll('#complete li')].map(li => li.firstChild.textContent)")
    expected = {"mplan:" + t[len(MPLAN):] for t in ontology_terms() if t[len(MPLAN):].lower().startswith("pl")}
    assert expected and set(offered) == expected, offered
    for kind in ("keyDown", "keyUp"):
        browser.call("Input.dispatchKeyEvent", session=True, type=kind, key="Tab", code="Tab",
                     windowsVirtualKeyCode=9)
    text = browser.evaluate("document.getElementById('query').value")
    assert text.startswith(f"PREFIX mplan: <{MPLAN}>\n")
    assert text.endswith(offered[0])
    assert browser.evaluate("document.getElementById('complete').hidden")


def test_the_urls_in_docs_site_md_work(client) -> None:  # noqa: ANN001
    """Each URL that docs/site.md's query page section shows answers, and the query ones run."""
    text = (ROOT / "docs" / "site.md").read_text(encoding="utf-8")
    section = text[text.index("## The query page"):text.index("## Accessibility")]
    lines = [line.strip() for block in section.split("```")[1::2] for line in block.splitlines()]
    urls = [line.removeprefix("GET ") for line in lines if line.startswith(("/", "GET /"))]
    assert len(urls) >= 4, urls
    for url in urls:
        r = client.get(url, headers={"Accept": "text/html"})
        assert r.status_code == 200, url
        if url.startswith("/query?"):
            assert 'id="result-table"' in r.text, url
        if url.endswith(".json"):
            assert "mplan:Plan" in {t["term"] for t in r.json()["terms"]}
