"""Every local government has a page, with or without a plan (札幌市 has none, 新潟県 lists its
municipalities), and /coverage says which municipalities have a plan: as a page with a map
of every municipality, as CSV and JSON, and as the catalogue query coverage.rq, all agreeing
with the registry (publisher.registry) and the seed plans."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

import publisher.queries as queries
from publisher.registry import registry
from publisher.web.service.places import Coverage, ReleaseCache
from publisher.web.service.reader import Reader

B = "https://w3id.org/mplan/id/"
ROOT = Path(__file__).resolve().parents[2]
#: The municipalities of the seed plans, from the names of their folders (not from the store).
SEED_CODES = {p.name.split("-", 1)[0] for p in (ROOT / "datasets").iterdir() if p.is_dir()}
SEED_PLANS = {f"{B}plan/{p.name}" for p in (ROOT / "datasets").iterdir() if p.is_dir()}


def page(client, path: str, **params: str) -> str:  # noqa: ANN001
    r = client.get(path, params=params, headers={"Accept": "text/html"})
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r.text


def main(html: str) -> str:
    return html.split("<main", 1)[1].split(">", 1)[1].split("</main>", 1)[0]


def svg_of(html: str, css: str = "map") -> str:
    start = html.index(f'<svg class="{css}"')
    return html[start:html.index("</svg>", start)]


def csv_rows(client) -> list[dict[str, str]]:  # noqa: ANN001
    r = client.get("/coverage.csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert not r.content.startswith(b"\xef\xbb\xbf")  # like registry.csv: no BOM
    return list(csv.DictReader(io.StringIO(r.content.decode("utf-8"))))


# --- pages of local governments --------------------------------------------------------------

def test_sapporo_has_a_page_without_a_plan(any_client) -> None:  # noqa: ANN001
    client = any_client
    ja = page(client, "/municipality/011002")
    body = main(ja)
    assert "<h1>札幌市</h1>" in body and "<title>札幌市 — " in ja
    assert "サッポロシ" in body  # kana
    assert "Sapporo-shi" in body and "ローマ字表記（自動生成）" in body
    assert '<a href="/def/local-government-kind/designated-city">政令指定都市</a>' in body  # kind
    assert '<a href="/municipality/010006">北海道</a>' in body  # its prefecture, linked
    assert "011002" in body and 'href="http://data.e-stat.go.jp/lod/sac/C01100"' in body
    assert "北緯 43.0621°、東経 141.3544°" in body and "概略" in body  # the point, as text
    assert "この団体の計画は、まだグラフにありません" in body and 'href="/plan/' not in body
    footer = ja.split("<footer>", 1)[1]
    assert '<a href="/dataset/registry/source/soumu-codes">総務省「全国地方公共団体コード」</a>' in footer
    mini = svg_of(ja, "map mini")  # its prefecture's municipalities, this one in red
    assert mini.count("<circle") == sum(1 for lg in registry().municipalities() if lg.prefecture_code == "010006")
    assert mini.count('<g class="here"') == 1 and "<title>札幌市</title>" in mini

    en = page(client, "/municipality/011002", lang="en")
    body = main(en)
    assert "<title>Sapporo-shi (romanised automatically) — " in en
    assert "<h1>Sapporo-shi (romanised automatically)</h1>" in body
    assert "サッポロシ" in body and "designated city" in body
    assert '<a href="/municipality/010006?lang=en">Hokkaido</a>' in body
    footer = en.split("<footer>", 1)[1]
    assert "/dataset/registry/source/soumu-codes?lang=en" in footer and "(総務省)" in footer
    assert "No plan of this local government is in the graph yet" in body


def test_a_municipality_with_a_plan_keeps_its_english_name_and_its_plans(client) -> None:  # noqa: ANN001
    en = page(client, "/municipality/152021", lang="en")
    assert "<h1>Nagaoka City</h1>" in en and "romanised automatically" not in en.split("</h1>")[0]
    assert "Nagaoka-shi" in main(en)  # still shown, as the generated romanisation
    assert 'href="/plan/152021-nagaoka-next?lang=en"' in en
    assert '<a href="/municipality/150002?lang=en">Niigata-ken</a>' in en


def test_niigata_lists_all_its_municipalities_with_their_coverage(any_client) -> None:  # noqa: ANN001
    client = any_client
    ja = page(client, "/municipality/150002")
    body = main(ja)
    assert "<h1>新潟県</h1>" in body and "ニイガタケン" in body and "都道府県" in body
    expected = [(lg.code, lg.name) for lg in registry().municipalities() if lg.prefecture_code == "150002"]
    assert len(expected) == 30
    table = body[body.index('<table class="munis">'):body.index("</table>")]
    rows = re.findall(r'<tr class="(yes|no)"><td class="code">(\d{6})</td><td><a href="/municipality/(\d{6})">([^<]+)</a>',
                      table)
    assert [(code, name) for _, code, _, name in rows] == expected  # all of them, in code order
    assert all(code == linked for _, code, linked, _ in rows)
    covered = {code for state, code, _, _ in rows if state == "yes"}
    assert covered == {"152021"}  # 長岡市, and only it
    nagaoka = table[table.index(">152021<"):].split("</tr>", 1)[0]
    assert 'href="/plan/152021-nagaoka-next"' in nagaoka
    assert "30 市区町村のうち 1 の計画がグラフにあります（3.3%）" in body
    assert "政令指定都市 1 · 市 19 · 町 6 · 村 4" in body
    assert "この都道府県自身の計画は、まだグラフにありません" in body
    svg = svg_of(ja)
    assert svg.count("<circle") == 30 and svg.count('<a href="/municipality/') == 30
    assert '<title>長岡市（計画あり）</title>' in svg
    en = page(client, "/municipality/150002", lang="en")
    assert "1 of its 30 municipalities have a plan in the graph (3.3%)" in en
    assert "<title>Niigata-ken (romanised automatically) — " in en


def test_local_governments_dereference_as_rdf_too(client, store) -> None:  # noqa: ANN001
    r = client.get("/municipality/150002.ttl")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/turtle")
    g = {t for t in ox.parse(r.content, format=ox.RdfFormat.TURTLE)}
    niigata = ox.NamedNode(B + "municipality/150002")
    parts = {t.subject.value for t in g if t.predicate.value == "http://purl.org/dc/terms/isPartOf"
             and t.object == niigata}
    assert len(parts) == 30  # its municipalities point to it


# --- the coverage view -----------------------------------------------------------------------------

def test_coverage_csv_has_every_municipality_once(any_client) -> None:  # noqa: ANN001
    client = any_client
    rows = csv_rows(client)
    reg = registry()
    assert len(rows) == 1741 == len(reg.municipalities())
    assert list(rows[0]) == ["code", "prefecture_code", "prefecture", "name", "name_en_generated", "kind",
                             "has_plan", "plans", "period_end", "lat", "lng", "iri"]
    assert [r["code"] for r in rows] == [lg.code for lg in reg.municipalities()]  # leading zeros kept
    assert rows[0]["code"] == "011002" and rows[0]["prefecture_code"] == "010006"
    for r in rows:
        lg = reg[r["code"]]
        assert (r["name"], r["kind"], r["prefecture"]) == (lg.name, lg.kind, lg.prefecture.name)
        assert r["iri"] == f"{B}municipality/{lg.code}"
        assert float(r["lat"]) == pytest.approx(lg.lat) and float(r["lng"]) == pytest.approx(lg.lng)
    assert {r["code"] for r in rows if r["has_plan"] == "true"} == SEED_CODES
    assert {r["has_plan"] for r in rows} == {"true", "false"}
    assert {p for r in rows for p in r["plans"].split()} == SEED_PLANS
    shiojiri = next(r for r in rows if r["code"] == "202151")
    assert shiojiri["plans"] == B + "plan/202151-shiojiri-6" and shiojiri["period_end"] == "2032"
    assert next(r for r in rows if r["code"] == "152021")["period_end"] == ""  # states no end


def test_coverage_by_negotiation(client) -> None:  # noqa: ANN001
    by_accept = client.get("/coverage", headers={"Accept": "text/csv"})
    assert by_accept.status_code == 200 and by_accept.content == client.get("/coverage.csv").content
    assert by_accept.headers["content-location"] == "/coverage.csv" and "Accept" in by_accept.headers["vary"]
    assert '</coverage.json>; rel="alternate"; type="application/json"' in by_accept.headers["link"]
    doc = client.get("/coverage", params={"_mediatype": "json"}).json()
    assert doc == client.get("/coverage.json").json()
    assert (doc["municipalities"], doc["with_plan"]) == (1741, len(SEED_CODES))
    assert doc["share"] == pytest.approx(len(SEED_CODES) / 1741)
    assert len(doc["prefectures"]) == 47 and sum(p["municipalities"] for p in doc["prefectures"]) == 1741
    assert doc["prefectures_with_own_plan"] == 0
    years = {g["fiscal_year"]: {p["code"] for p in g["plans"]} for g in doc["timeline"]}
    assert years == {2032: {"202151", "202207"}, None: {"022012", "152021", "422011"}}
    html = client.get("/coverage", headers={"Accept": "text/html,*/*;q=0.8"})
    assert html.headers["content-type"].startswith("text/html")
    assert client.get("/coverage", headers={"Accept": "image/png"}).status_code == 406
    etag = client.get("/coverage.csv").headers["etag"]
    assert client.get("/coverage.csv", headers={"If-None-Match": etag}).status_code == 304


def test_coverage_page_map_has_one_linked_dot_per_municipality(client) -> None:  # noqa: ANN001
    html = page(client, "/coverage")
    svg = svg_of(html)
    dots = re.findall(r'<a href="/municipality/(\d{6})"><circle cx="[\d.]+" cy="[\d.]+" r="[\d.]+">'
                      r"<title>([^<]+)</title></circle></a>", svg)
    assert svg.count("<circle") == len(dots) == 1741
    assert Counter(code for code, _ in dots) == Counter(lg.code for lg in registry().municipalities())
    yes = svg[svg.index('<g class="yes"'):]
    assert sorted(re.findall(r'href="/municipality/(\d{6})"', yes)) == sorted(SEED_CODES)
    assert 'aria-labelledby="map-t map-d"' in svg and '<title id="map-t">' in svg and '<desc id="map-d">' in svg
    assert "計画あり（5）" in svg and "計画なし（1,736）" in svg  # the legend
    assert not re.search(r'(href|src)="(https?:)?//', svg)  # nothing from the network
    body = main(html)
    assert "0.3%" in body and re.search(r"<b>5</b><span>計画のある市区町村", body)
    niigata = body[body.index('href="/municipality/150002"'):].split("</tr>", 1)[0]
    assert re.search(r'<td class="num">30</td><td class="num">1</td>', niigata)
    assert "2032年度（令和14年度）" in body and "最終年度の記載がない計画" in body
    assert 'href="/coverage.csv"' in body and 'href="/query?query=' in body  # the data and the query
    en = page(client, "/coverage", lang="en")
    assert svg_of(en).count('?lang=en"><circle') == 1741
    assert "FY2032 (April 2032 to March 2033)" in en and "romanised automatically" in en
    assert 'href="/coverage?lang=en"' in page(client, "/", lang="en")  # linked from the navigation


def test_catalogue_query_counts_what_the_csv_counts(client, store: ox.Store) -> None:  # noqa: ANN001
    solutions = queries.run(store, queries.get("coverage"), {})
    answer = {s["code"].value: (s["prefecture"].value, int(s["municipalities"].value), int(s["withPlan"].value),
                                int(s["prefecturePlans"].value)) for s in solutions}
    rows = csv_rows(client)
    counted: dict[str, list[int]] = {}
    names: dict[str, str] = {}
    for r in rows:
        counted.setdefault(r["prefecture_code"], [0, 0])
        counted[r["prefecture_code"]][0] += 1
        counted[r["prefecture_code"]][1] += r["has_plan"] == "true"
        names[r["prefecture_code"]] = r["prefecture"]
    assert len(answer) == 47
    assert {code: (names[code], n, k, 0) for code, (n, k) in counted.items()} == answer
    on_the_endpoint = client.get("/sparql", params={"query": queries.get("coverage").text},
                                 headers={"Accept": "application/sparql-results+json"}).json()
    assert len(on_the_endpoint["results"]["bindings"]) == 47


def test_sitemap_lists_coverage_and_prefectures(client) -> None:  # noqa: ANN001
    text = client.get("/sitemap.xml").text
    assert "<loc>http://testserver/coverage</loc>" in text
    assert "<loc>http://testserver/municipality/150002</loc>" in text
    assert "<loc>http://testserver/municipality/011002</loc>" in text


# --- the parts -----------------------------------------------------------------------------------

def test_coverage_is_computed_once_per_release() -> None:
    made: list[str] = []
    release = ["r1"]

    def compute() -> Coverage:
        made.append(release[0])
        return Coverage([], [], {}, [])

    cache = ReleaseCache(compute, lambda: release[0])
    first = cache.get()
    assert cache.get() is first and made == ["r1"]
    release[0] = "r2"
    assert cache.get() is not first and made == ["r1", "r2"]


def test_english_labels_fall_back_to_the_generated_romanisation() -> None:
    from publisher.web.paths import Paths
    from publisher.web.store import OxigraphStore

    mem = ox.Store()
    a, b = ox.NamedNode(B + "municipality/a"), ox.NamedNode(B + "municipality/b")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    roman = ox.NamedNode("https://w3id.org/mplan/def#romanizedName")
    g = ox.NamedNode(B + "dataset/registry")
    for s in (a, b):
        mem.add(ox.Quad(s, label, ox.Literal("甲市", language="ja"), g))
        mem.add(ox.Quad(s, roman, ox.Literal("Ko-shi", language="en"), g))
    mem.add(ox.Quad(b, label, ox.Literal("Kō City", language="en"), g))
    labels = Reader(OxigraphStore(mem), Paths(B)).labels([a.value, b.value])
    assert labels[a.value] == {"ja": "甲市", "en": "Ko-shi"}
    assert labels[b.value] == {"ja": "甲市", "en": "Kō City"}  # a label wins over the romanisation
