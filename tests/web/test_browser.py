"""A real browser (Debian's chromium, headless) opens the home page, a plan page, an indicator
page and the query page, runs an example query, and saves screenshots; no console errors.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``): no
driver, no websocket library, no download. The page asks for Japanese (``Accept-Language: ja``)
unless a test says otherwise. Screenshots go to ``$PLANLOD_SCREENSHOTS`` if set,
else to the test's tmp folder (the path is printed).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import unicodedata
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
         "--remote-debugging-pipe", "--window-size=1280,900", "--lang=ja"]


class Chromium:
    """Headless chromium and one page, over the DevTools protocol on fds 3 and 4."""

    def __init__(self, profile: Path):
        to_chrome_r, self._to_chrome = os.pipe()
        from_chrome, from_chrome_w = os.pipe()
        self.log = (profile / "chromium.log").open("wb")
        # a tiny trampoline puts the child's pipe ends on fds 3 and 4, then execs chromium
        trampoline = ("import os, sys; r, w = os.dup(int(sys.argv[1])), os.dup(int(sys.argv[2])); "
                      "os.dup2(r, 3); os.dup2(w, 4); os.set_inheritable(3, True); os.set_inheritable(4, True); "
                      "os.execv(sys.argv[3], sys.argv[3:])")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", trampoline, str(to_chrome_r), str(from_chrome_w), CHROMIUM,
             *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_chrome_r, from_chrome_w), stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=self.log)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._from_chrome = os.fdopen(from_chrome, "rb", buffering=0)
        self._next = 0
        self._lock = threading.Lock()
        self._replies: dict[int, dict] = {}
        self._cond = threading.Condition()
        self.events: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"],
                                 flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.user_agent = self.call("Browser.getVersion")["userAgent"]
        self.accept_language("ja")  # headless chromium asks for en-US whatever --lang says

    def accept_language(self, lang: str) -> None:
        """The ``Accept-Language`` the page sends (and ``navigator.languages``)."""
        self.call("Emulation.setUserAgentOverride", session=True, userAgent=self.user_agent,
                  acceptLanguage=lang)

    def _read(self) -> None:
        buf = b""
        while True:
            chunk = self._from_chrome.read(65536)
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                message = json.loads(raw)
                with self._cond:
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                    self._cond.notify_all()

    def call(self, method: str, session: bool = False, timeout: float = 30, **params: object) -> dict:
        with self._lock:
            self._next += 1
            msg_id = self._next
        message: dict = {"id": msg_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while msg_id not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(method)
                self._cond.wait(left)
            reply = self._replies.pop(msg_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str, since: int, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[since:]:
                    if event.get("method") == method:
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(method)
                self._cond.wait(left)

    def navigate(self, url: str) -> None:
        mark = len(self.events)
        self.call("Page.navigate", session=True, url=url)
        self.wait_event("Page.loadEventFired", mark)

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def click_and_wait(self, selector: str) -> None:
        mark = len(self.events)
        self.evaluate(f"document.querySelector({json.dumps(selector)}).click()")
        self.wait_event("Page.loadEventFired", mark)

    def viewport(self, width: int, height: int = 900, mobile: bool = False) -> None:
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=mobile)

    def screenshot(self, path: Path, width: int = 1280, mobile: bool = False) -> None:
        """A full-page PNG (up to 4000 px high) at ``width``."""
        self.viewport(width, 900, mobile)
        height = int(self.evaluate("Math.min(document.documentElement.scrollHeight, 4000)") or 900)
        self.viewport(width, height, mobile)
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        self.call("Emulation.clearDeviceMetricsOverride", session=True)

    def fits(self, width: int) -> bool:
        """Does the page fit ``width`` CSS pixels without sideways scrolling (a phone)?"""
        self.viewport(width, 800, mobile=True)
        ok = self.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        self.call("Emulation.clearDeviceMetricsOverride", session=True)
        return bool(ok)

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and failed loads seen so far."""
        found = []
        for e in self.events:
            method, params = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                found.append(json.dumps(params.get("exceptionDetails", {}))[:500])
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(json.dumps(params.get("args", []))[:500])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                entry = params["entry"]
                found.append(f"{entry.get('source')}: {entry.get('text')} {entry.get('url', '')}")
        return found

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        os.close(self._to_chrome)
        self.log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    if not Path(CHROMIUM).exists():
        message = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    b = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("PLANLOD_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {folder}")
    return folder


def test_pages_and_an_example_query_in_chromium(browser: Chromium, server, shots: Path) -> None:  # noqa: ANN001
    base = server.url
    browser.navigate(base + "/")
    assert "長岡市" in browser.evaluate("document.body.innerText")
    browser.screenshot(shots / "home.png")
    browser.screenshot(shots / "home-phone.png", width=390, mobile=True)
    assert browser.fits(390), "the home page scrolls sideways on a phone"

    browser.navigate(base + "/plan/202151-shiojiri-6")
    assert browser.evaluate("document.querySelectorAll('ul.tree li.node').length") > 10
    browser.screenshot(shots / "plan.png")
    assert browser.fits(390), "the plan page scrolls sideways on a phone"

    browser.navigate(base + "/plan/202151-shiojiri-6/indicator/citizen-happiness")
    assert browser.evaluate("document.querySelectorAll('svg.chart circle').length") >= 2
    browser.screenshot(shots / "indicator.png")
    browser.screenshot(shots / "indicator-phone.png", width=390, mobile=True)
    assert browser.fits(390), "the indicator page scrolls sideways on a phone"

    browser.navigate(base + "/plan/152021-nagaoka-next?lang=en")
    assert browser.evaluate("document.documentElement.lang") == "en"
    for name, path in (("sdg", "/sdg/13"), ("compare", "/compare"), ("ontology", "/def"),
                       ("search", "/search?q=%E5%B9%B8")):
        browser.navigate(base + path)
        assert browser.evaluate("document.querySelector('main h1') !== null")
        browser.screenshot(shots / f"{name}.png")

    browser.navigate(base + "/query")
    assert browser.evaluate("document.getElementById('editor').classList.contains('on')")
    browser.navigate(base + "/query?example=happiness-indicators#results")
    rows = browser.evaluate("document.querySelectorAll('#result-table tbody tr').length")
    assert rows >= 1
    assert "市民幸福度" in browser.evaluate("document.getElementById('result-table').innerText")
    highlighted = browser.evaluate("document.querySelectorAll('#hl span.k').length")
    assert highlighted > 3  # the editor highlights SELECT, WHERE, …
    browser.screenshot(shots / "query.png")

    assert browser.errors() == []


def test_coverage_map_in_chromium(browser: Chromium, server, shots: Path) -> None:  # noqa: ANN001
    """/coverage in a real browser: the SVG map is on screen with a dot for each of the 1,741
    municipalities, a covered one is painted on top where it is, nothing is fetched from
    another site, and the page fits a phone. Screenshots: coverage-1280.png, coverage-390.png."""
    base = server.url
    browser.navigate(base + "/coverage")
    seen = browser.evaluate("""(() => {
        const svg = document.querySelector('main svg.map');
        const box = svg.getBoundingClientRect(), style = getComputedStyle(svg);
        const dot = svg.querySelector('g.yes circle');
        dot.scrollIntoView({block: 'center'});
        const r = dot.getBoundingClientRect();
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return {width: box.width, height: box.height, shown: style.display !== 'none' && style.visibility === 'visible',
                circles: svg.querySelectorAll('circle').length, linked: svg.querySelectorAll('a > circle').length,
                hit: hit === dot, dotSize: r.width};
    })()""")
    assert seen["shown"] and seen["width"] > 500 and seen["height"] > 500, seen
    assert seen["circles"] == seen["linked"] == 1741
    assert seen["hit"] and seen["dotSize"] >= 4, seen  # a covered municipality's dot is visible on top
    browser.screenshot(shots / "coverage-1280.png")
    browser.screenshot(shots / "coverage-390.png", width=390, mobile=True)
    assert (shots / "coverage-1280.png").stat().st_size > 50_000
    assert browser.fits(390), "the coverage page scrolls sideways on a phone"
    fetched = browser.evaluate("performance.getEntriesByType('resource').map(e => e.name)")
    assert fetched and all(url.startswith(base + "/") for url in fetched), fetched  # no tiles, no CDN
    assert browser.errors() == []


# --- what a reader met in the browser (issue 21, point 5); each test fails without its fix -----

def _overlapping(boxes: list[dict]) -> list[tuple[str, str]]:
    """The pairs of ``{name, x, y, w, h}`` boxes that overlap (by more than half a pixel)."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (a["x"] + 0.5 < b["x"] + b["w"] and b["x"] + 0.5 < a["x"] + a["w"]
                    and a["y"] + 0.5 < b["y"] + b["h"] and b["y"] + 0.5 < a["y"] + a["h"]):
                found.append((a["name"], b["name"]))
    return found


BOXES = """[...document.querySelectorAll(%s)].map(e => { const r = e.getBoundingClientRect();
    return {name: e.tagName + ':' + e.textContent, x: r.x, y: r.y, w: r.width, h: r.height}; })"""


def test_english_term_links_put_the_language_before_the_fragment(browser: Chromium, server) -> None:  # noqa: ANN001
    """/def#Plan?lang=en put the language inside the fragment, and the anchor did not match."""
    browser.navigate(server.url + "/plan/152021-nagaoka-next?lang=en")
    hrefs = browser.evaluate("[...document.querySelectorAll('a[href*=\"#\"]')].map(a => a.getAttribute('href'))")
    assert any(h.startswith("/def?lang=en#") for h in hrefs), hrefs
    assert [h for h in hrefs if "?" in h.partition("#")[2]] == []
    browser.navigate(server.url + next(h for h in hrefs if h.startswith("/def?lang=en#")))
    anchor = browser.evaluate("location.hash.slice(1)")
    assert browser.evaluate(f"document.getElementById({json.dumps(anchor)}) !== null"), anchor
    assert browser.evaluate("document.documentElement.lang") == "en"


def test_element_codes_stand_beside_their_level_badge(browser: Chromium, server) -> None:  # noqa: ANN001
    """塩尻市's 基本戦略 A…H: the code was drawn against (under) the level badge."""
    browser.navigate(server.url + "/plan/202151-shiojiri-6")
    pairs = browser.evaluate("""[...document.querySelectorAll('.node > .head')].map(h => {
        const b = h.querySelector('.badge'), c = h.querySelector('.code');
        if (!b || !c) return null;
        const r = b.getBoundingClientRect(), s = c.getBoundingClientRect();
        return {code: c.textContent, gap: s.left - r.right, same_line: s.top < r.bottom && r.top < s.bottom};
    }).filter(x => x)""")
    assert len(pairs) >= 8, pairs  # 基本戦略 A to H at least
    assert all(p["same_line"] and p["gap"] >= 4 for p in pairs), [p for p in pairs if p["gap"] < 4]


@pytest.mark.parametrize("indicator", ["total-population", "citizen-happiness"])
def test_chart_labels_and_markers_do_not_collide(browser: Chromium, server, indicator: str) -> None:  # noqa: ANN001
    """総人口: 目標値 was written over 63,200人, and the target's marker sat on the 65,000 tick."""
    browser.navigate(f"{server.url}/plan/202151-shiojiri-6/indicator/{indicator}")
    texts = browser.evaluate(BOXES % "'svg.chart text'")
    marks = browser.evaluate(BOXES % "'svg.chart circle'")
    assert len(marks) >= 2 and any("目標値" in t["name"] for t in texts), texts
    assert _overlapping(texts + marks) == []


def test_a_value_says_its_year_once_on_a_phone(browser: Chromium, server) -> None:  # noqa: ANN001
    """長崎市's values are written "68.9% (R 2年度)": a phone showed "(R 2年度) (R2年度)"."""
    browser.viewport(390, 800, mobile=True)
    try:
        browser.navigate(server.url + "/plan/422011-nagasaki-2025")
        shown = browser.evaluate("[...document.querySelectorAll('.obs')].map(o => o.innerText)")
    finally:
        browser.call("Emulation.clearDeviceMetricsOverride", session=True)
    assert any("R 2年度" in s for s in shown), shown[:5]
    for text in shown:
        years = re.findall(r"[RHS令平昭和成]+\d+年度?", "".join(unicodedata.normalize("NFKC", text).split()))
        assert len(years) == len(set(years)), text


def test_search_results_name_their_kind_in_words(browser: Chromium, server) -> None:  # noqa: ANN001
    """A policy domain in the results was badged with the raw CURIE ``skos:Concept``."""
    for lang, word in (("ja", "概念"), ("en", "Concept")):
        browser.navigate(server.url + f"/search?q=%E7%A6%8F%E7%A5%89&lang={lang}")
        badges = browser.evaluate("[...document.querySelectorAll('ul.results .badge')].map(b => b.textContent)")
        assert word in badges, badges
        assert [b for b in badges if re.fullmatch(r"[a-z]+:\w+", b)] == []


def test_compare_counts_are_text_and_a_cell_opens_that_citys_items(browser: Chromium, server) -> None:  # noqa: ANN001
    """/compare: the counts were only in hover tooltips, and a cell opened the goal for every
    city. Each count is drawn as text on top of its cell, equal to /compare.json's, and a cell
    opens the goal's page filtered to its municipality, listing as many items as it counts."""
    browser.navigate(server.url + "/compare")
    cells = browser.evaluate("""[...document.querySelectorAll('svg.matrix a[href*="municipality="]')].map(a => {
        const t = a.querySelector('text.cellnum'); if (!t) return {href: a.getAttribute('href'), text: null};
        const r = t.getBoundingClientRect(); t.scrollIntoView({block: 'center'});
        const s = t.getBoundingClientRect(), hit = document.elementFromPoint(s.x + s.width / 2, s.y + s.height / 2);
        return {href: a.getAttribute('href'), text: t.textContent, on_top: hit === t || t.contains(hit),
                visible: r.width > 0 && getComputedStyle(t).fill !== 'none'};
    })""")
    doc = browser.evaluate("fetch('/compare.json').then(r => r.json())")
    linked = {c["items_url"].removeprefix(server.url): c["linked"]
              for grid in ("sdg", "domain") for c in doc[grid]["cells"] if c["linked"]}
    assert linked and {c["href"]: int(c["text"]) for c in cells if c["text"]} == linked
    assert all(c["on_top"] and c["visible"] for c in cells if c["text"]), cells
    href = next(h for h in linked if h.startswith("/sdg/"))
    browser.navigate(server.url + href)
    rows = browser.evaluate("""[...document.querySelectorAll('table.links tbody tr')].map(tr =>
        [tr.cells[0].querySelector('a').getAttribute('href'), tr.cells[1].querySelector('a').getAttribute('href')])""")
    code = href.rsplit("=", 1)[1]
    assert rows and {m for m, _ in rows} == {f"/municipality/{code}"}
    assert len({item for _, item in rows}) == linked[href]


def test_the_language_choice_is_remembered(browser: Chromium, server) -> None:  # noqa: ANN001
    """Accept-Language chooses when nothing else does; the header's switch is remembered in a
    cookie that wins over Accept-Language; ?lang= wins over both."""
    base = server.url
    lang = "document.documentElement.lang"
    try:
        browser.call("Network.clearBrowserCookies", session=True)
        browser.accept_language("en-GB,en;q=0.9")
        browser.navigate(base + "/compare")
        assert browser.evaluate(lang) == "en"
        browser.accept_language("ja")
        browser.navigate(base + "/compare")
        assert browser.evaluate(lang) == "ja"
        browser.click_and_wait("header a.lang")  # to English, remembered
        assert browser.evaluate("location.pathname") == "/compare"
        assert browser.evaluate(lang) == "en"
        assert "lang=" not in browser.evaluate("document.cookie")  # HttpOnly
        browser.navigate(base + "/coverage")  # Accept-Language still says ja: the cookie wins
        assert browser.evaluate(lang) == "en"
        browser.navigate(base + "/coverage?lang=ja")
        assert browser.evaluate(lang) == "ja"
        browser.click_and_wait("header a.lang")  # this page in English
        assert browser.evaluate(lang) == "en"
        browser.navigate(base + "/")
        assert browser.evaluate(lang) == "en"
        browser.click_and_wait("header a.lang")  # and back to Japanese, remembered too
        browser.navigate(base + "/coverage")
        assert browser.evaluate(lang) == "ja"
        assert browser.errors() == []
    finally:
        browser.call("Network.clearBrowserCookies", session=True)
        browser.accept_language("ja")
