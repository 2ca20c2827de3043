"""Pages link only http(s) IRIs and our own paths: an IRI of any other scheme (javascript:,
data:, vbscript:, …), from a query result or from the data, is shown as text, never put in
``href``. The published data holds only http(s) IRIs (the schema and the shapes refuse others),
but a query can make any IRI (``BIND(IRI("javascript:…"))``), and a remote store or an older
release may hold one.

The oracle reads each ``href`` the way a browser does (WHATWG URL: leading and trailing C0
controls and spaces stripped, tabs and newlines removed, the scheme case-insensitive).
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import test_client as client_of

from publisher.settings import Settings
from publisher.web.app import create_app
from publisher.web.paths import Paths
from publisher.web.renderers.charts import matrix
from publisher.web.renderers.html import UI, HtmlRenderer
from publisher.web.service.reader import Ref
from publisher.web.store import OxigraphStore

BASE = "https://w3id.org/mplan/id/"
PLAN = BASE + "plan/422011-nagasaki-2025"
GRAPH = BASE + "dataset/422011-nagasaki-2025"
SOURCE = PLAN + "/source/seed"
MUNICIPALITY = BASE + "municipality/422011"
DATA_URL = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
UNSAFE = {"javascript": "javascript:alert(1)", "mixed-case": "JaVaScRiPt:alert(1)",
          "data": DATA_URL, "vbscript": "vbscript:msgbox(1)"}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [v or "" for k, v in attrs if k == "href"]


def hrefs(page: str) -> list[str]:
    """Every ``href`` of the page (HTML and inline SVG), with character references resolved."""
    parser = _Hrefs()
    parser.feed(page)
    return parser.found


def scheme(href: str) -> str | None:
    """The scheme a browser reads in ``href`` (lower case), or None for a relative reference."""
    cleaned = re.sub(r"[\t\n\r]", "", href.strip("".join(map(chr, range(0x21)))))
    m = _SCHEME.match(cleaned)
    return m.group(1).lower() if m else None


def unsafe(page: str) -> list[str]:
    return [h for h in hrefs(page) if scheme(h) not in (None, "http", "https")]


def test_the_oracle_sees_what_browsers_see() -> None:
    assert [scheme(h) for h in (" JaVaScRiPt:x", "\x01java\tscript:x", "/plan/x", "https://x")] == [
        "javascript", "javascript", None, "https"]
    assert unsafe('<a href="&#106;avascript:x">x</a><svg><a href="data:x"></a></svg>') == [
        "javascript:x", "data:x"]


# --- the query page ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_client():  # noqa: ANN201
    """The app over an empty store: the query page needs no data to make an IRI."""
    with client_of(create_app(Settings(progress=False), OxigraphStore(ox.Store()))) as c:
        yield c


def _query_page(client, iri: str) -> str:  # noqa: ANN001
    r = client.get("/query", params={"query": f'SELECT ?x WHERE {{ BIND(IRI("{iri}") AS ?x) }}'})
    assert r.status_code == 200, r.text[:300]
    return r.text


@pytest.mark.parametrize("iri", UNSAFE.values(), ids=UNSAFE.keys())
def test_query_page_shows_other_schemes_as_text(empty_client, iri: str) -> None:  # noqa: ANN001
    page = _query_page(empty_client, iri)
    table = page[page.index('id="result-table"'):]
    assert f">{escape(iri)}<" in table  # the result is there, as text
    assert unsafe(page) == []


def test_query_page_links_http_iris(empty_client) -> None:  # noqa: ANN001
    page = _query_page(empty_client, "https://example.org/plan?x=1")
    assert "https://example.org/plan?x=1" in hrefs(page)


# Oxigraph's IRI() refuses these, but a remote store may answer with anything.
ODD = {"space": " javascript:alert(1)", "tab": "\tjavascript:alert(1)", "control": "\x01javascript:alert(1)",
       "inner-tab": "java\tscript:alert(1)", "newline": "\njavascript:alert(1)",
       "http-with-space": " https://example.org/"}


@pytest.mark.parametrize("value", ODD.values(), ids=ODD.keys())
def test_query_results_with_spaces_or_control_characters_are_text(value: str) -> None:
    settings = Settings(progress=False)
    table = {"kind": "select", "boolean": None, "vars": ["x"], "rows": [[{"type": "uri", "value": value}]]}
    page = HtmlRenderer(settings).render(
        "query.html", lang="ja", path="/query", settings=settings, text="", table=table, error=None,
        truncated=False, labels={}, examples=[], chosen=None, downloads=[], alternates=[],
        paths=Paths(BASE)).decode()
    assert unsafe(page) == []
    assert value not in hrefs(page)
    assert escape(value.strip()) in page[page.index('id="result-table"'):]


# --- pages of resources whose data holds such IRIs -------------------------------------------------


@pytest.fixture(scope="module")
def tainted_client(tmp_path_factory: pytest.TempPathFactory, seed_publication: Path):  # noqa: ANN201
    """The seed data, where 長崎市's plan has a javascript: home page and a JaVaScRiPt: licence, its
    source document a data: address, and the municipality a vbscript: sameAs."""
    seed = ox.Store.read_only(str(seed_publication.resolve() / "store"))
    graph, lic = ox.NamedNode(GRAPH), ox.NamedNode("http://purl.org/dc/terms/license")
    quads = [q for q in seed if not (q.subject.value == PLAN and q.predicate == lic)]
    assert len(quads) == len(seed) - 1, "the seed plan has one licence, which is replaced"
    quads += [ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), graph) for s, p, o in (
        (PLAN, "http://xmlns.com/foaf/0.1/homepage", UNSAFE["javascript"]),
        (PLAN, lic.value, UNSAFE["mixed-case"]),
        (SOURCE, "http://www.w3.org/2000/01/rdf-schema#seeAlso", UNSAFE["data"]),
        (MUNICIPALITY, "http://www.w3.org/2002/07/owl#sameAs", UNSAFE["vbscript"]))]
    path = tmp_path_factory.mktemp("tainted") / "store"
    store = ox.Store(str(path))
    store.bulk_extend(quads)
    store.flush()
    del store
    app = create_app(Settings(out=seed_publication, progress=False), OxigraphStore.open(path))
    with client_of(app) as c:
        yield c


@pytest.mark.parametrize("path,shown", [
    ("/plan/422011-nagasaki-2025", ("javascript", "mixed-case")),   # properties and the footer
    ("/plan/422011-nagasaki-2025/source/seed", ("data", "mixed-case")),
    ("/municipality/422011", ("vbscript",)),
    ("/plan/422011-nagasaki-2025/element/h1", ("mixed-case",)),     # the footer's licence
    ("/plan/422011-nagasaki-2025/indicator/h1-info-satisfaction", ("mixed-case",)),
])
def test_pages_show_other_schemes_from_the_data_as_text(tainted_client, path: str, shown: tuple) -> None:  # noqa: ANN001
    r = tainted_client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200, (path, r.status_code)
    assert unsafe(r.text) == []
    for key in shown:
        assert escape(UNSAFE[key]) in r.text, key
    assert any(h.startswith("/") for h in hrefs(r.text))  # our own links are still there


def test_matrix_columns_link_only_safe_targets() -> None:
    cols = [Ref(UNSAFE["javascript"], UNSAFE["javascript"], {"": "x"}, ours=False),
            Ref("http://metadata.un.org/sdg/13", "/sdg/13", {"": "13"}, ours=True)]
    rows = [Ref(MUNICIPALITY, "/municipality/422011", {"": "長崎市"})]
    svg = matrix(rows, cols, {(MUNICIPALITY, c.iri): {"declared": 1} for c in cols}, "ja",
                 lambda j, c: c.text("ja"), UI("ja", "/compare").href, UI("ja", "/compare").items)
    assert unsafe(svg) == []
    assert hrefs(svg).count("/sdg/13") == 1  # the column head
    assert hrefs(svg).count("/sdg/13?municipality=422011") == 1  # the cell: that city's items
