"""/search and /compare as data (JSON and CSV, by negotiation and by extension), the SDG page
filtered to one municipality, and the page language (?lang=, the cookie /lang sets,
Accept-Language), compared with what the pages show and with the store."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from publisher.namespaces import PREFIXES

SDG = "http://metadata.un.org/sdg/"


def _get(client, path: str, **headers: str):  # noqa: ANN001, ANN202
    r = client.get(path, headers=headers)
    assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return r


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


# --- /search ---------------------------------------------------------------------------------

@pytest.mark.parametrize("q", ["幸福", "福祉", "長岡"])
def test_search_as_json_and_csv_lists_what_the_page_lists(client, q: str) -> None:  # noqa: ANN001
    page = _get(client, f"/search?q={q}", Accept="text/html").text
    shown = re.findall(r'<li>(?:<span class="badge">[^<]*</span> )?<a href="([^"]+)">', page)
    assert shown
    doc = _get(client, f"/search.json?q={q}").json()
    assert doc["q"] == q and doc["total"] == len(doc["results"]) == len(shown)
    assert [r["url"].removeprefix("http://testserver") for r in doc["results"]] == shown
    assert all(q in r["match"] for r in doc["results"])
    by_accept = _get(client, f"/search?q={q}", Accept="application/json")
    assert by_accept.json() == doc
    assert by_accept.headers["content-location"] == "/search.json?" + urlencode({"q": q})
    rows = _csv(_get(client, f"/search.csv?q={q}").text)
    assert [r["iri"] for r in rows] == [r["iri"] for r in doc["results"]]
    assert [r["url"] for r in rows] == [r["url"] for r in doc["results"]]
    assert _get(client, f"/search?q={q}&_mediatype=text/csv").text == \
        _get(client, f"/search.csv?q={q}").text


def test_search_data_headers(client) -> None:  # noqa: ANN001
    r = _get(client, "/search.csv?q=%E5%B9%B8")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert '</search.json?q=%E5%B9%B8>; rel="alternate"; type="application/json"' in r.headers["link"]
    assert "Accept" in r.headers["vary"] and "Accept-Language" not in r.headers["vary"]
    assert client.get("/search?q=x", headers={"Accept": "image/png"}).status_code == 406
    assert _get(client, "/search.json").json() == {
        "q": "", "total": 0, "page": 1, "pages": 1, "more": False, "next": None, "next_url": None,
        "filters": {}, "facets": {}, "results": []}


# --- /compare --------------------------------------------------------------------------------

CELLS = re.compile(r'<a href="([^"]+\?municipality=[0-9]{6})"><rect[^>]*>.*?</rect>'
                   r'(?:<text[^>]*class="cellnum[^"]*">([0-9]+)</text>)?')


@pytest.mark.parametrize("fixture", ["client", "aligned_client"])
def test_compare_as_data_counts_what_the_grid_shows(request: pytest.FixtureRequest, fixture: str) -> None:
    client = request.getfixturevalue(fixture)
    page = _get(client, "/compare", Accept="text/html").text
    drawn = {href: int(n) for href, n in CELLS.findall(page) if n}
    doc = _get(client, "/compare.json").json()
    cells = [c for grid in ("sdg", "domain") for c in doc[grid]["cells"]]
    assert cells and {c["items_url"].removeprefix("http://testserver"): c["linked"]
                      for c in cells if c["linked"]} == drawn
    assert len(doc["sdg"]["columns"]) == 17 and doc["sdg"]["columns"][12]["notation"] == "13"
    rows = _csv(_get(client, "/compare.csv").text)
    assert [(r["municipality"], r["target"]) for r in rows] == \
        [(c["municipality"]["iri"], c["target"]["iri"]) for c in cells]
    for row, cell in zip(rows, cells, strict=True):
        assert {b: int(row[b]) for b in cell["counts"]} == cell["counts"]
        assert int(row["linked"]) == cell["linked"]
    assert _get(client, "/compare", Accept="text/csv").text == _get(client, "/compare.csv").text


def test_compare_counts_are_the_stores(client, store: ox.Store) -> None:  # noqa: ANN001
    """Each SDG cell's counts by basis: the distinct items of that city linked to the goal or
    one of its targets, counted here by one query over the store."""
    prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
    query = prologue + f"""SELECT ?muni ?goal ?basis (COUNT(DISTINCT ?item) AS ?n) {{
        ?item mplan:alignment ?a . ?a mplan:alignmentTarget ?t ; mplan:basis ?b
        FILTER(STRSTARTS(STR(?t), "{SDG}"))
        BIND(IRI(REPLACE(STR(?t), "^(.*/sdg/[0-9]+).*$", "$1")) AS ?goal)
        BIND(REPLACE(STR(?b), "^.*/", "") AS ?basis)
        OPTIONAL {{ ?item mplan:inPlan ?p }} BIND(COALESCE(?p, ?item) AS ?plan)
        ?plan mplan:municipality ?muni }} GROUP BY ?muni ?goal ?basis"""
    expected: dict = {}
    for x in store.query(query, use_default_graph_as_union=True):
        expected.setdefault((x["muni"].value, x["goal"].value), {})[x["basis"].value] = int(x["n"].value)
    doc = _get(client, "/compare.json").json()
    got = {(c["municipality"]["iri"], c["target"]["iri"]): c["counts"] for c in doc["sdg"]["cells"]}
    assert got and got == expected


# --- an SDG page filtered to one municipality ------------------------------------------------

def test_sdg_page_and_its_json_filter_by_municipality(client) -> None:  # noqa: ANN001
    doc = _get(client, "/compare.json").json()
    cell = next(c for c in doc["sdg"]["cells"] if c["linked"] > 1)
    path = cell["items_url"].removeprefix("http://testserver")
    code = path.rsplit("=", 1)[1]
    page = _get(client, path, Accept="text/html").text
    table = page.split('<table class="links">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</td>\s*<td>(.*?)</td>", table, re.S)
    first_link = re.compile(r'<a href="([^"]+)"')
    assert {first_link.search(m).group(1) for m, _ in rows} == {f"/municipality/{code}"}
    items = {first_link.search(i).group(1) for _, i in rows}
    assert len(items) == cell["linked"]
    everywhere = _get(client, path.split("?")[0], Accept="text/html").text
    assert everywhere.count("<tr><td>") > table.count("<tr><td>")  # the filter narrowed it
    api = _get(client, f"/api{path.split('?')[0]}/items?municipality={code}&per_page=500").json()
    assert {i["item"]["url"].removeprefix("http://testserver") for i in api["items"]} == items
    assert f'/api{path.split("?")[0]}/items?municipality={code}' in page  # the page links its JSON
    for accept in ("text/html", "text/turtle"):
        bad = client.get(path.split("?")[0] + "?municipality=12", headers={"Accept": accept})
        assert bad.status_code == 400 and "municipality" in bad.text


# --- the page's language ---------------------------------------------------------------------

@pytest.mark.parametrize("query,cookie,accept_language,expected", [
    ("", None, None, "ja"),
    ("", None, "en-US,en;q=0.9", "en"),
    ("", None, "fr, en;q=0.5, ja;q=0.8", "ja"),
    ("", None, "fr", "ja"),
    ("", "en", "ja", "en"),  # the remembered choice wins over Accept-Language
    ("", "ja", "en", "ja"),
    ("", "xx", "en", "en"),  # a cookie that is not a language is ignored
    ("?lang=ja", "en", "en", "ja"),  # ?lang= wins over both
    ("?lang=en", "ja", "ja", "en"),
])
def test_language_precedence(client, query: str, cookie: str | None, accept_language: str | None,  # noqa: ANN001
                             expected: str) -> None:
    headers = {"Accept": "text/html"}
    if cookie:
        headers["Cookie"] = f"lang={cookie}"
    if accept_language:
        headers["Accept-Language"] = accept_language
    r = client.get("/compare" + query, headers=headers)
    assert r.status_code == 200
    assert f'<html lang="{expected}">' in r.text
    assert {"Accept", "Accept-Language", "Cookie"} <= {v.strip() for v in r.headers["vary"].split(",")}


def test_etags_differ_by_language(client) -> None:  # noqa: ANN001
    ja = client.get("/plan/202151-shiojiri-6", headers={"Accept": "text/html"})
    en = client.get("/plan/202151-shiojiri-6", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert ja.headers["etag"] != en.headers["etag"]
    again = client.get("/plan/202151-shiojiri-6", headers={
        "Accept": "text/html", "Accept-Language": "en", "If-None-Match": ja.headers["etag"]})
    assert again.status_code == 200 and '<html lang="en">' in again.text
    same = client.get("/plan/202151-shiojiri-6", headers={
        "Accept": "text/html", "Cookie": "lang=en", "If-None-Match": en.headers["etag"]})
    assert same.status_code == 304


def test_lang_route_remembers_the_choice(client) -> None:  # noqa: ANN001
    try:
        r = client.get("/lang?to=en&next=/compare%3Fbasis%3Dcurated", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/compare?basis=curated"
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("lang=en;") and "SameSite=lax" in cookie and "HttpOnly" in cookie
        assert "Path=/" in cookie and r.headers["cache-control"] == "no-store"
        assert '<html lang="en">' in client.get("/", headers={"Accept": "text/html"}).text
        page = client.get("/search?q=%E5%B9%B8&lang=en", headers={"Accept": "text/html"}).text
        switch = re.search(r'<a class="lang" href="([^"]+)"', page).group(1)
        assert switch == "/lang?to=ja&amp;next=%2Fsearch%3Fq%3D%25E5%25B9%25B8"
    finally:
        client.cookies.clear()  # the session's client is shared


@pytest.mark.parametrize("next_", ["//evil.example/", "https://evil.example/", "/\\evil.example",
                                   "javascript:alert(1)", "evil.example", "/\r\nSet-Cookie: x=y",
                                   "/\t/evil.example", "http:/evil.example"])
def test_lang_route_refuses_to_redirect_off_site(client, next_: str) -> None:  # noqa: ANN001
    r = client.get("/lang", params={"to": "en", "next": next_}, follow_redirects=False,
                   headers={"Accept": "application/json"})
    assert r.status_code == 400, (next_, r.status_code, r.headers.get("location"))
    assert "set-cookie" not in r.headers and "location" not in r.headers
    assert r.json()["error"]["code"] == "bad_parameter" and r.json()["error"]["message_ja"]


def test_lang_route_refuses_an_unknown_language(client) -> None:  # noqa: ANN001
    r = client.get("/lang?to=fr&next=/", follow_redirects=False, headers={"Accept": "application/json"})
    assert r.status_code == 400 and "set-cookie" not in r.headers
