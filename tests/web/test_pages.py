"""What the pages say: plans from vision to actions, indicators with their chart, SDG and
policy-domain pages with and without links (with provenance), the cross-city view, search,
languages, the catalog with Hydra paging, downloads, sitemap and VoID."""

from __future__ import annotations

import gzip
import hashlib
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from rdflib import Graph, Namespace, URIRef

from publisher.web.app import create_app

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
CITIES = ("長岡市", "安曇野市", "長崎市", "青森市", "塩尻市")


def html(client, path: str, **params: str) -> str:  # noqa: ANN001
    r = client.get(path, params=params, headers={"Accept": "text/html"})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.text


def test_home(any_client) -> None:  # noqa: ANN001
    page = html(any_client, "/")
    for city in CITIES:
        assert city in page
    assert "第六次塩尻市総合計画" in page and 'href="/plan/202151-shiojiri-6"' in page
    assert re.search(r"<b>134</b><span>計画要素", page)  # counts
    assert 'href="/query"' in page and 'href="/downloads/"' in page and "SPARQL" in page
    assert "総合計画は" in page  # what the data is
    en = html(any_client, "/", lang="en")
    assert '<html lang="en">' in en and "What is this?" in en and "Shiojiri" in en


def test_home_counts_the_published_triples(client, seed_publication) -> None:  # noqa: ANN001
    """The triple count on the home page is that of the all-plans dump (read from its VoID)."""
    with gzip.open(seed_publication / "downloads" / "all.nt.gz", "rt", encoding="utf-8") as f:
        dumped = sum(1 for line in f if line.strip())
    assert re.search(rf"<b>{dumped:,}</b><span>トリプル", html(client, "/"))


def test_plan_page_holds_the_whole_tree_with_indicators(any_client) -> None:  # noqa: ANN001
    page = html(any_client, "/plan/202151-shiojiri-6")
    assert page.count('class="node rank') == 13  # every element of the plan
    assert "都市像" in page and "基本戦略" in page and "戦略分野" in page  # the city's own terms
    assert "市民幸福度" in page and "基準値" in page and "目標値" in page  # indicators inline
    assert 'href="/plan/202151-shiojiri-6/element/' in page
    vision = page.index("多彩な暮らし、叶えるまち。")
    assert vision < page.index("基本戦略A")  # from the vision down
    assert "CC BY 4.0" in page and "004_835325faf316aece.txt" in page  # licence and source
    assert "https://w3id.org/mplan/id/plan/" not in page.split("<footer>")[0].split("すべてのプロパティ")[0]


def test_element_page(any_client) -> None:  # noqa: ANN001
    page = html(any_client, "/plan/152021-nagaoka-next/element/p-bosai")
    assert "防災・減災対策と安全で安心なまちづくりの推進" in page
    assert 'href="/plan/152021-nagaoka-next"' in page  # up to the plan
    assert "政策" in page and "SDGs・政策分野との対応" in page


def test_a_corrected_title_is_shown_with_the_title_as_written(client) -> None:  # noqa: ANN001
    """塩尻市's 戦略分野④ is titled as meant (地域経済…); the page also shows the slip the
    document writes (地域経渓…), labelled as the title as written, and the note on it."""
    page = html(client, "/plan/202151-shiojiri-6/element/field-4")
    h1 = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "地域経済・産業・観光・就労" in h1 and "経渓" not in h1
    facts = page.split('<section class="facts">', 1)[1].split("</section>", 1)[0]
    assert re.search(r"<dt>記載どおりの名称</dt><dd>地域経渓・産業・観光・就労</dd>", facts)
    assert "書き起こしの注記" in page
    en = html(client, "/plan/202151-shiojiri-6/element/field-4", lang="en")
    assert re.search(r"<dt>Title as written</dt><dd>地域経渓・産業・観光・就労</dd>", en)


def test_an_event_page_shows_the_gloss_as_a_transcription_note(client) -> None:  # noqa: ANN001
    """安曇野市's schedule says only 「第1回」: the page's title is that, and our reading (a
    session of the 総合計画審議会) is shown apart, under 書き起こしの注記 / Transcription notes."""
    page = html(client, "/plan/202207-azumino-3/event/council-1")
    h1 = page.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert h1.strip() == "第1回"
    notes = page.split("<h3>書き起こしの注記</h3>", 1)[1].split("</p>", 1)[0]
    assert "総合計画審議会" in notes and "判断した" in notes
    en = html(client, "/plan/202207-azumino-3/event/council-1", lang="en")
    assert "<h3>Transcription notes</h3>" in en and "Comprehensive Plan Council" in en
    assert "Council" not in en.split("<h1>", 1)[1].split("</h1>", 1)[0]


def test_indicator_page_has_a_chart_with_the_good_direction(any_client) -> None:  # noqa: ANN001
    page = html(any_client, "/plan/202151-shiojiri-6/indicator/citizen-happiness")
    svg = page[page.index('<svg class="chart"'):page.index("</svg>")]
    assert svg.count("<circle") == 2  # baseline and target
    assert 'class="good"' in svg and "増えるほど良い" in svg
    assert "6.77点" in page and "令和14年度" in page and "以上" in page
    en = html(any_client, "/plan/202151-shiojiri-6/indicator/citizen-happiness", lang="en")
    assert "higher is better" in en and "FY2032" in en
    population = html(any_client, "/plan/202151-shiojiri-6/indicator/total-population")
    assert "推計値" in population


def test_municipality_page(any_client) -> None:  # noqa: ANN001
    page = html(any_client, "/municipality/152021")
    assert "長岡市" in page and "新潟県" in page and "152021" in page
    assert 'href="/plan/152021-nagaoka-next"' in page
    assert "http://data.e-stat.go.jp/lod/sac/C15202" in page


def test_sdg_and_domain_pages_without_links(bare_client) -> None:  # noqa: ANN001
    client = bare_client
    for path in ("/sdg/13", "/sdg/13.2", "/def/policy-domain/environment",
                 "/plan/152021-nagaoka-next/element/p-bosai"):
        page = html(client, path)
        assert "まだ対応付けはありません" in page
        assert "No links yet" in html(client, path, lang="en")
    compare = html(client, "/compare")
    assert "まだ対応付けがないため" in compare
    assert compare.count("<svg") == 2 and "長岡市" in compare


def test_sdg_pages_show_links_across_cities_with_provenance(aligned_client) -> None:  # noqa: ANN001
    goal = html(aligned_client, "/sdg/13")
    assert "豊かな自然環境" not in goal  # only what is linked
    assert "未来につなぐ自然環境の保全" in goal and "計画が宣言" in goal  # Aomori, declared
    assert "環境にやさしい循環型・脱炭素社会への移行" in goal and "編集者が確認" in goal  # 13.2 rolls up
    assert "テスト編集者" in goal and "脱炭素社会への移行" in goal  # who, evidence
    assert "青森市" in goal and "長岡市" in goal
    assert 'href="/sdg/13.2"' in goal  # its targets
    declared_only = html(aligned_client, "/sdg/13", basis="declared")
    assert "計画が宣言" in declared_only and "テスト編集者" not in declared_only
    target = html(aligned_client, "/sdg/13.2")
    assert "長岡市" in target and "青森市" not in target.split("<footer>")[0].split("すべてのプロパティ")[0]
    suggested = html(aligned_client, "/sdg/7")
    assert "ツールが提案" in suggested and "0.62" in suggested
    assert "市民幸福度" in html(aligned_client, "/sdg/3")
    domain = html(aligned_client, "/def/policy-domain/environment")
    assert "編集者が確認" in domain and "ツールが提案" in domain and "0.55" in domain
    element = html(aligned_client, "/plan/152021-nagaoka-next/element/p-datsutanso")
    assert 'href="/sdg/13.2"' in element and "編集者が確認" in element and "0.62" in element


def test_cross_city_view_counts_links_by_provenance(aligned_client) -> None:  # noqa: ANN001
    page = html(aligned_client, "/compare")
    sdg = page[page.index('<svg class="matrix"'):]
    assert re.search(r"長岡市 × 13 [^:<]*: 編集者が確認 1<", sdg)  # 13.2 counts for goal 13
    assert re.search(r"青森市 × 13 [^:<]*: 計画が宣言 1<", sdg)
    assert re.search(r"長岡市 × 7 [^:<]*: ツールが提案 1<", sdg)
    assert re.search(r"青森市 × 3 [^:<]*: 0<", sdg)
    assert re.search(r"長岡市 × [^:<]*環境[^:<]*: 編集者が確認 1<", page)
    assert re.search(r"青森市 × [^:<]*環境[^:<]*: ツールが提案 1<", page)
    only_suggested = html(aligned_client, "/compare", basis="suggested")
    assert "計画が宣言 1" not in only_suggested and "ツールが提案 1" in only_suggested


@pytest.mark.parametrize("q,expected", [("幸", "市民幸福度"), ("第３次", "第3次安曇野市総合計画"), ("happy", "幸せだと思う市民の割合"),
                                        ("安曇野", "安曇野市")])
def test_search_finds_substrings(any_client, q, expected) -> None:  # noqa: ANN001
    page = html(any_client, "/search", q=q)
    assert expected in page, q


def test_search_without_results_and_with_odd_input(client) -> None:  # noqa: ANN001
    assert "見つかりませんでした" in html(client, "/search", q="存在しない語句ですよ")
    for q in ('"> <script>', "\\", "' } UNION { ?s ?p ?o", "x" * 500):
        page = html(client, "/search", q=q)
        assert "<script>" not in page.split("<main", 1)[1]


def test_ontology_and_schemes(any_client) -> None:  # noqa: ANN001
    doc = html(any_client, "/def")
    assert 'id="Plan"' in doc and "総合計画" in doc and 'href="/def/level"' in doc
    scheme = html(any_client, "/def/level")
    assert "基本目標" in scheme and 'href="/def/level/goal"' in scheme
    concept = html(any_client, "/def/level/goal")
    assert "基本戦略" in concept  # elements at this level, across cities


def test_dataset_page_and_downloads(any_client, seed_publication) -> None:  # noqa: ANN001
    page = html(any_client, "/dataset/152021-nagaoka-next")
    assert 'href="/downloads/plans/152021-nagaoka-next.ttl"' in page
    listing = html(any_client, "/downloads/")
    assert "SHA256SUMS" in listing and "all.nq" in listing
    sums = any_client.get("/downloads/SHA256SUMS")
    assert sums.status_code == 200 and sums.headers["content-type"].startswith("text/plain")
    line = next(x for x in sums.text.splitlines() if x.endswith("  plans/152021-nagaoka-next.ttl"))
    file = any_client.get("/downloads/plans/152021-nagaoka-next.ttl")
    assert file.headers["content-type"].startswith("text/turtle")
    assert hashlib.sha256(file.content).hexdigest() == line.split()[0]
    assert any_client.get("/downloads/plans/152021-nagaoka-next.ttl",
                      headers={"If-None-Match": file.headers["etag"]}).status_code == 304
    for bad in ("/downloads/../build-info.json", "/downloads/%2e%2e/build-info.json", "/downloads/nope.ttl"):
        assert any_client.get(bad).status_code == 404


def test_catalog_pages_with_hydra(web_settings, run_server, store) -> None:  # noqa: ANN001
    import math

    import httpx

    listed = {r["d"].value for r in store.query(
        "SELECT ?d { <https://w3id.org/mplan/id/catalog> <http://www.w3.org/ns/dcat#dataset> ?d }",
        use_default_graph_as_union=True)}
    assert len(listed) == 7  # the five plans, all of them together, and the registry
    pages = math.ceil(len(listed) / 2)
    app = create_app(replace(web_settings, catalog_page_size=2))
    server = run_server(app)
    seen, datasets, url = [], set(), f"{server.url}/catalog.ttl"
    base = "https://w3id.org/mplan/id/"
    with httpx.Client(timeout=30) as c:
        while url and len(seen) < 10:
            r = c.get(url)
            assert r.status_code == 200
            g = Graph().parse(data=r.content, format="turtle")
            views = list(g.objects(URIRef(base + "catalog"), HYDRA.view))
            assert len(views) == 1
            seen.append(str(views[0]))
            datasets |= set(g.objects(URIRef(base + "catalog"), DCAT.dataset))
            nxt = g.value(views[0], HYDRA.next)
            url = str(nxt) if nxt else None  # on this server, in the format asked
        assert seen == [f"{server.url}/catalog.ttl?page={n}" for n in range(1, pages + 1)]
        assert {str(d) for d in datasets} == listed  # every dataset once, and the paging ends
        assert c.get(f"{server.url}/catalog", params={"page": pages + 1}).status_code == 404
        page2 = c.get(f"{server.url}/catalog", params={"page": 2}, headers={"Accept": "text/html"})
        assert 'rel="next"' in page2.text and 'rel="prev"' in page2.text


def test_sitemap_void_robots_health(any_client) -> None:  # noqa: ANN001
    root = ET.fromstring(any_client.get("/sitemap.xml").content)
    locs = [e.text for e in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://testserver/plan/152021-nagaoka-next" in locs and "http://testserver/sdg/13" in locs
    assert len(locs) > 150
    void = any_client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    g = Graph().parse(data=void.content, format="turtle")
    assert (None, None, URIRef("http://rdfs.org/ns/void#Dataset")) in g
    assert "Sitemap: http://testserver/sitemap.xml" in any_client.get("/robots.txt").text
    assert any_client.get("/healthz").json()["status"] == "ok"


def test_a_sitemap_over_the_protocols_limit_is_an_index_of_pages(web_settings, monkeypatch) -> None:  # noqa: ANN001
    """Above SITEMAP_MAX_URLS (50,000 by the sitemaps.org protocol; lowered here to 40 so that
    the seeds exceed it) /sitemap.xml is a sitemap index; its pages hold at most that many
    URLs each and, in order, exactly the URLs of the one-file sitemap."""
    from conftest import test_client

    from publisher.web import routes

    sm = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    with test_client(create_app(web_settings)) as c:
        whole = [e.text for e in ET.fromstring(c.get("/sitemap.xml").content).iter(f"{sm}loc")]
    assert len(whole) > 100
    monkeypatch.setattr(routes, "SITEMAP_MAX_URLS", 40)
    with test_client(create_app(web_settings)) as c:
        index = ET.fromstring(c.get("/sitemap.xml").content)
        assert index.tag == f"{sm}sitemapindex"
        pages = [e.text for e in index.iter(f"{sm}loc")]
        assert pages == [f"http://testserver/sitemap.xml?page={n}" for n in range(1, -(-len(whole) // 40) + 1)]
        got: list[str] = []
        for url in pages:
            page = ET.fromstring(c.get(url.removeprefix("http://testserver")).content)
            assert page.tag == f"{sm}urlset"
            locs = [e.text for e in page.iter(f"{sm}loc")]
            assert 0 < len(locs) <= 40
            got += locs
        assert got == whole
        assert c.get(f"/sitemap.xml?page={len(pages) + 1}").status_code == 404
        assert c.get("/sitemap.xml?page=0").status_code == 400


def test_one_error_shape(any_client) -> None:  # noqa: ANN001
    r = any_client.get("/plan/nope", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert set(r.json()["error"]) == {"status", "code", "message", "message_ja"}
    page = any_client.get("/plan/nope", headers={"Accept": "text/html"})
    assert "このアドレスには何も公開されていません" in page.text


def test_pages_escape_what_they_show(client) -> None:  # noqa: ANN001
    r = client.get("/search", params={"q": "<img src=x onerror=alert(1)>"}, headers={"Accept": "text/html"})
    assert "<img src=x" not in r.text and "&lt;img src=x" in r.text
    assert "default-src 'self'" in r.headers["content-security-policy"]
