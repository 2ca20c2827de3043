"""/search and /compare from the release's views.sqlite (publisher.publish.views), checked
against the store of the same build: the index finds what the store holds, with the right plan
and municipality, for queries of any length; paging returns every hit once; facets count and
filter; the precomputed matrices equal one SPARQL count over the store."""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest

from publisher.publish.views import VIEWS_FILE
from publisher.web.app import create_app

LABELS = ("http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
          "http://purl.org/dc/terms/title", "http://xmlns.com/foaf/0.1/name")
PREFIXES = """PREFIX mplan: <https://w3id.org/mplan/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/>"""


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower()


def _all_pages(client, path: str) -> list[dict]:  # noqa: ANN001
    """Every result of a /search.json query, following ``next_url`` to the last page."""
    out, url, pages = [], path, 0
    while url:
        doc = client.get(url).json()
        out += doc["results"]
        pages += 1
        assert doc["page"] == pages
        url = doc["next_url"] and urlsplit(doc["next_url"])._replace(scheme="", netloc="").geturl()
    assert doc["total"] == len(out) and doc["pages"] == pages
    return out


def _store_hits(store: ox.Store, needle: str) -> set[str]:
    """Every IRI with a label (any of the four predicates, any graph) containing ``needle``."""
    return {q.subject.value for p in LABELS for q in store.quads_for_pattern(None, ox.NamedNode(p), None)
            if isinstance(q.subject, ox.NamedNode) and isinstance(q.object, ox.Literal)
            and needle in _norm(q.object.value)}


def test_the_release_has_views(seed_publication: Path) -> None:
    with sqlite3.connect(seed_publication.resolve() / VIEWS_FILE) as db:
        assert db.execute("SELECT COUNT(*) FROM resources").fetchone()[0] > 1000


@pytest.mark.parametrize("q", ["防災", "市", "幸福", "まちづくり", "HAPPY", "Ｈａｐｐｙ", "の"])
def test_search_finds_what_the_store_holds_on_every_page_once(client, store, q: str) -> None:  # noqa: ANN001
    """Queries of one, two and more characters (full-width and upper case normalised): every
    resource whose label contains the query is found, once, across all pages."""
    iris = [r["iri"] for r in _all_pages(client, f"/search.json?q={q}")]
    assert len(iris) == len(set(iris))
    expected = _store_hits(store, _norm(q))
    assert expected and set(iris) == expected


def test_a_sample_of_the_stores_labels_is_found_with_its_plan_and_municipality(client, store) -> None:  # noqa: ANN001
    rows = list(store.query(PREFIXES + """
        SELECT ?s ?l ?plan ?muni { GRAPH ?g { ?plan a mplan:Plan ; mplan:municipality ?muni .
          ?s ?p ?l FILTER(?p IN (rdfs:label, skos:prefLabel, dcterms:title, foaf:name)) }
          FILTER(isLiteral(?l) && STRSTARTS(STR(?s), CONCAT(STR(?plan), "/"))) } ORDER BY ?s ?l"""))
    sample = rows[::max(1, len(rows) // 40)]
    assert len(sample) >= 30
    for row in sample:
        code = row["muni"].value.rsplit("/", 1)[-1]
        found = [r for r in _all_pages(client, f"/search.json?municipality={code}&q="
                                       + row["l"].value.replace("&", "%26").replace("#", "%23")[:200])
                 if r["iri"] == row["s"].value]
        assert found, row["l"].value
        assert found[0]["plan"]["iri"] == row["plan"].value
        assert found[0]["municipality"]["iri"] == row["muni"].value


def test_search_ranks_exact_then_prefix_then_contains(client) -> None:  # noqa: ANN001
    results = client.get("/search.json?q=長岡市").json()["results"]
    ranks = [(_norm(r["match"]) != "長岡市", not _norm(r["match"]).startswith("長岡市")) for r in results]
    assert ranks == sorted(ranks) and ranks[0] == (False, False)


@pytest.mark.parametrize("q", ["市", "計画", "Plan"])
def test_search_orders_every_page_by_match_then_shorter_label_then_iri(client, q: str) -> None:  # noqa: ANN001
    """Across all pages: exact label, then prefix, then contains; then the shorter label, the
    label, the IRI, with the rank taken from each resource's best label."""
    results = _all_pages(client, f"/search.json?q={q}")
    needle = _norm(q)
    keys = [(_norm(r["match"]) != needle, not _norm(r["match"]).startswith(needle), len(r["match"]),
             r["match"], r["iri"]) for r in results]
    assert len(keys) > 50 and keys == sorted(keys)


def test_a_search_past_its_time_budget_is_a_503_and_the_index_stays_usable(web_settings) -> None:  # noqa: ANN001
    """search_timeout bounds the time one /search spends in views.sqlite: with no time at all,
    a broad query is stopped (503, in both languages); a query that costs nothing still answers,
    and the same connection answers again once the budget allows."""
    from conftest import test_client

    with test_client(create_app(replace(web_settings, search_timeout=0.0))) as c:
        r = c.get("/search.json?q=市")
        assert r.status_code == 503
        error = r.json()["error"]
        assert error["code"] == "search_timeout" and "絞り込" in error["message_ja"]
        assert c.get("/search.json?q=zzqx-no-such-label").status_code in (200, 503)
    with test_client(create_app(replace(web_settings, search_timeout=30.0))) as c:
        assert c.get("/search.json?q=市").json()["total"] > 50


def test_each_facet_counts_what_it_filters(client) -> None:  # noqa: ANN001
    doc = client.get("/search.json?q=市").json()
    assert set(doc["facets"]) == {"prefecture", "municipality", "level", "sdg"}
    assert all(doc["facets"][name] for name in doc["facets"])
    for name, values in doc["facets"].items():
        for f in values[:3]:
            narrowed = _all_pages(client, f"/search.json?q=市&{name}={f['value']}")
            assert len(narrowed) == f["count"] > 0
            if name == "municipality":
                assert {r["municipality"]["iri"] for r in narrowed} == {f["iri"]}
            if name == "level":
                assert {r["kind"]["iri"] for r in narrowed} == {f["iri"]}
    # two facets: what both let through
    muni = doc["facets"]["municipality"][0]["value"]
    level = client.get(f"/search.json?q=市&municipality={muni}").json()["facets"]["level"][0]
    both = _all_pages(client, f"/search.json?q=市&municipality={muni}&level={level['value']}")
    assert len(both) == level["count"]
    assert {r["kind"]["iri"] for r in both} == {level["iri"]}


def test_search_pages_link_forward_and_back(client) -> None:  # noqa: ANN001
    page = client.get("/search?q=市&page=2", headers={"Accept": "text/html"}).text
    assert 'rel="prev" href="/search?q=%E5%B8%82&amp;page=1"' in page
    assert 'rel="next" href="/search?q=%E5%B8%82&amp;page=3"' in page
    assert client.get("/search.json?q=市&page=1000").json()["results"] == []


@pytest.mark.parametrize("query", ["sdg=18", "sdg=x", "prefecture=152021", "prefecture=15",
                                   "municipality=abc", "level=%3Cb%3E", "page=0"])
def test_a_bad_facet_value_is_a_400(client, query: str) -> None:  # noqa: ANN001
    r = client.get(f"/search.json?q=市&{query}")
    assert r.status_code == 400
    assert r.json()["error"]["code"] == ("bad_page" if query.startswith("page") else "bad_parameter")


COUNTS = PREFIXES + """
SELECT ?muni ?col ?basis (COUNT(DISTINCT ?item) AS ?n) {
  { ?item mplan:alignment ?a . ?a mplan:alignmentTarget ?t OPTIONAL { ?a mplan:basis ?b } }
  UNION { ?item mplan:alignedWith ?t MINUS { ?item mplan:alignment/mplan:alignmentTarget ?t } }
  OPTIONAL { ?item mplan:inPlan ?ip } BIND(COALESCE(?ip, ?item) AS ?plan)
  ?plan mplan:municipality ?muni .
  BIND(IF(REGEX(STR(?t), "^http://metadata[.]un[.]org/sdg/([1-9]|1[0-7])([.]([1-9][0-9]?|[a-z]))?$"),
          IRI(REPLACE(STR(?t), "^(http://metadata[.]un[.]org/sdg/[0-9]+).*$", "$1")),
          IF(STRSTARTS(STR(?t), "https://w3id.org/mplan/def/policy-domain/"), ?t, 1/0)) AS ?col)
  FILTER(BOUND(?col))
  BIND(IF(BOUND(?b), REPLACE(STR(?b), "^.*/", ""), "asserted") AS ?basis)
} GROUP BY ?muni ?col ?basis"""


def test_the_matrices_equal_the_stores_counts(seed_publication: Path, store) -> None:  # noqa: ANN001
    expected = {(x["muni"].value, x["col"].value, x["basis"].value): int(x["n"].value)
                for x in store.query(COUNTS, use_default_graph_as_union=True)}
    with sqlite3.connect(seed_publication.resolve() / VIEWS_FILE) as db:
        cells = {(m, t, b): n for m, t, b, n in db.execute(
            "SELECT municipality, target, basis, SUM(items) FROM cells GROUP BY municipality, target, basis")}
    assert expected and cells == expected


def test_compare_by_prefecture_is_the_grid_of_its_municipalities(client) -> None:  # noqa: ANN001
    whole = client.get("/compare.json").json()
    nagano = client.get("/compare.json?prefecture=200000").json()
    assert [m["code"] for m in nagano["municipalities"]] == \
        [m["code"] for m in whole["municipalities"] if m["code"].startswith("20")]
    assert nagano["municipalities"]
    for grid in ("sdg", "domain"):
        codes = {m["iri"] for m in nagano["municipalities"]}
        assert nagano[grid]["cells"] == [c for c in whole[grid]["cells"] if c["municipality"]["iri"] in codes]
    for bad in ("152021", "20", "x"):
        assert client.get(f"/compare.json?prefecture={bad}").status_code == 400
