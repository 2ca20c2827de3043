"""The page cache (publisher.web.pagecache): a page from it is the page freshly rendered, byte for
byte and header for header; it stays within its bound; it dies with its release."""

from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import test_client as client_of
from rdflib import Graph
from rdflib.compare import isomorphic

from publisher.build import build
from publisher.settings import Settings
from publisher.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
PAGES = {  # one page of each kind
    "plan": "/plan/202151-shiojiri-6",
    "element": "/plan/152021-nagaoka-next/element/p-bosai",
    "indicator": "/plan/202151-shiojiri-6/indicator/citizen-happiness",
    "municipality": "/municipality/152021",
    "prefecture": "/municipality/150002",
    "concept": "/def/policy-domain/environment",
    "scheme": "/def/level",
    "SDG goal": "/sdg/13",
    "SDG target": "/sdg/13.2",
    "dataset": "/dataset/152021-nagaoka-next",
    "catalog": "/catalog",
    "ontology": "/def",
}
VARIANTS = {  # how a client asks: headers, and the suffix of the path
    "html ja": ({"Accept": "text/html", "Accept-Language": "ja"}, ""),
    "html en": ({"Accept": "text/html", "Accept-Language": "en"}, ""),
    "turtle": ({"Accept": "text/turtle"}, ""),
    "json-ld by extension": ({}, ".jsonld"),
}
VIEWS = ["/", "/coverage", "/coverage.csv", "/compare.json", "/search?q=防災", "/sitemap.xml",
         "/sdg/13?basis=curated", "/catalog?page=1"]


@pytest.fixture(scope="module")
def fresh(web_settings: Settings):  # noqa: ANN201
    """An app that keeps nothing: every answer freshly rendered."""
    with client_of(create_app(replace(web_settings, page_cache_bytes=0))) as c:
        yield c


@pytest.fixture()
def cached(web_settings: Settings):  # noqa: ANN201
    with client_of(create_app(web_settings)) as c:
        yield c


def _pages(client) -> object:  # noqa: ANN001
    return client.app.state.releases.current.pages


def _twice(client, url: str, headers: dict[str, str]) -> object:  # noqa: ANN001
    """The second answer to ``url``, which must have come from the cache."""
    first = client.get(url, headers=headers)
    assert first.status_code == 200, (url, first.status_code)
    hits = _pages(client).hits
    second = client.get(url, headers=headers)
    assert _pages(client).hits == hits + 1, f"{url} was not answered from the cache"
    return second


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("kind", PAGES)
def test_a_cached_page_equals_a_freshly_rendered_one(kind: str, variant: str, cached, fresh) -> None:  # noqa: ANN001
    headers, suffix = VARIANTS[variant]
    url = PAGES[kind] + suffix
    again = _twice(cached, url, headers)
    new = fresh.get(url, headers=headers)
    assert again.status_code == new.status_code == 200
    assert again.headers.multi_items() == new.headers.multi_items()
    if again.content != new.content:  # rdflib names blank nodes anew on each JSON-LD render
        assert suffix == ".jsonld" and _isomorphic(again.content, new.content)


def _isomorphic(a: bytes, b: bytes) -> bool:
    graphs = [Graph().parse(data=body, format="json-ld") for body in (a, b)]
    return isomorphic(*graphs)


@pytest.mark.parametrize("url", VIEWS)
def test_views_from_the_cache_equal_fresh_ones(url: str, cached, fresh) -> None:  # noqa: ANN001
    again = _twice(cached, url, {"Accept-Language": "en"})
    new = fresh.get(url, headers={"Accept-Language": "en"})
    assert (again.content, again.headers.multi_items()) == (new.content, new.headers.multi_items())


def test_pages_with_absolute_links_are_kept_per_address_asked(cached, fresh) -> None:  # noqa: ANN001
    for url in ("/", "/catalog.ttl"):
        _twice(cached, url, {})
        other = cached.get(url, headers={"Host": "data.example.jp"})
        assert "data.example.jp" in other.text
        assert other.content == fresh.get(url, headers={"Host": "data.example.jp"}).content


def test_the_language_and_the_query_are_part_of_the_key(cached) -> None:  # noqa: ANN001
    ja = _twice(cached, PAGES["plan"], {"Accept-Language": "ja"})
    en = cached.get(PAGES["plan"], headers={"Accept-Language": "en"})
    assert ja.headers["etag"] != en.headers["etag"] and ja.content != en.content
    # an encoded "&" is one parameter's value, not a second parameter
    page2 = cached.get("/sdg/13?x=1&basis=declared")
    assert cached.get("/sdg/13?x=1%26basis%3Ddeclared").content != page2.content


def test_errors_and_sparql_are_not_kept(cached) -> None:  # noqa: ANN001
    for url in ("/plan/no-such-plan", "/sdg/13?page=0", "/sparql?query=ASK%7B%7D"):
        cached.get(url)
        cached.get(url)
    assert len(_pages(cached)) == 0


def test_a_304_comes_before_the_cache(cached) -> None:  # noqa: ANN001
    page = _twice(cached, PAGES["plan"], {})
    again = cached.get(PAGES["plan"], headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_the_cache_stays_within_its_bound(web_settings: Settings) -> None:
    bound = 300_000
    with client_of(create_app(replace(web_settings, page_cache_bytes=bound))) as c:
        written = 0
        for url in PAGES.values():
            for headers, suffix in VARIANTS.values():
                written += len(c.get(url + suffix, headers=headers).content)
                assert 0 < _pages(c).size <= bound
        assert written > 2 * bound  # the bound was passed, and the oldest pages dropped
        assert len(_pages(c)) < len(PAGES) * len(VARIANTS)
        assert _pages(c).size == sum(e.size for e in _pages(c)._entries.values())


def test_a_new_release_does_not_serve_the_old_releases_pages(tmp_path: Path) -> None:
    datasets = tmp_path / "datasets"
    shutil.copytree(ROOT / "datasets" / "202151-shiojiri-6", datasets / "202151-shiojiri-6")
    settings = Settings(datasets=datasets, out=tmp_path / "public", cache_dir=tmp_path / "cache",
                        progress=False)
    assert build(settings).checked.conforms
    with client_of(create_app(settings)) as c:
        old = _twice(c, PAGES["plan"], {"Accept-Language": "ja"})
        assert "第六次塩尻市総合計画" in old.text
        plan = datasets / "202151-shiojiri-6" / "plan.yaml"
        plan.write_text(plan.read_text(encoding="utf-8").replace(
            "ja: 第六次塩尻市総合計画", "ja: 第六次塩尻市総合計画（改訂版）"), encoding="utf-8")
        assert build(settings).checked.conforms
        deadline = time.monotonic() + 60
        while (new := c.get(PAGES["plan"], headers={"Accept-Language": "ja"})).headers["etag"] \
                == old.headers["etag"]:
            assert time.monotonic() < deadline, "the new release was not served within a minute"
            time.sleep(0.5)
        assert "第六次塩尻市総合計画（改訂版）" in new.text
        assert _pages(c).hits == 0  # the new release's cache started empty
