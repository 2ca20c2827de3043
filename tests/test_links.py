"""Cross-city links of the seed plans: every top-level goal and policy in a shared policy
domain, every indicator on a shared indicator concept (curated, never declared), the concept
scheme's links to official statistics and UN indicators, and the cross-city picture on the site
built from these links with their provenance."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, SKOS

from publisher.namespaces import DEF, MPLAN, concept
from publisher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CURATED = concept("link-basis", "curated")
EDITORS = Literal("mplan editors")


def links(g: Graph, node: URIRef, scheme: str) -> list[URIRef]:
    """The alignments of ``node`` to concepts of ``def/{scheme}``."""
    return [a for a in g.objects(node, MPLAN.alignment)
            if str(g.value(a, MPLAN.alignmentTarget)).startswith(f"{DEF}/{scheme}/")]


def test_every_goal_and_policy_has_a_curated_policy_domain(seed_checked):
    checked = 0
    for pid, g in seed_checked.graphs.items():
        for level in ("goal", "policy"):
            for e in g.subjects(MPLAN.level, concept("level", level)):
                found = links(g, e, "policy-domain")
                assert found, f"{pid}: {e} has no policy domain"
                for a in found:
                    assert g.value(a, MPLAN.basis) == CURATED, "an editorial mapping is curated, never declared"
                    assert g.value(a, PROV.wasAttributedTo) == EDITORS
                    assert (e, MPLAN.alignedWith, g.value(a, MPLAN.alignmentTarget)) in g
                checked += 1
    assert checked == 4 + 36 + 20 + 12  # 長崎 H, H1–H3; 長岡 6 + 30; 青森 3 + 17; 塩尻 3 + 9


def test_every_indicator_has_a_curated_indicator_concept_and_keeps_its_own_unit(seed_checked):
    units = {}
    for pid, g in seed_checked.graphs.items():
        for i in g.subjects(RDF.type, MPLAN.Indicator):
            found = links(g, i, "indicator-concept")
            assert found, f"{pid}: {i} has no indicator concept"
            assert all(g.value(a, MPLAN.basis) == CURATED for a in found)
            for a in found:
                units.setdefault(str(g.value(a, MPLAN.alignmentTarget)).rsplit("/", 1)[1], set()).add(
                    str(g.value(i, MPLAN.unit)))
    # each city keeps its own unit: 塩尻市 states 点; 長岡市's survey states none, so none is published
    assert units["subjective-wellbeing"] == {"点", "None"}


def test_only_indicators_link_to_indicator_concepts(seed_checked):
    for g in seed_checked.graphs.values():
        for owner, a in g.subject_objects(MPLAN.alignment):
            if str(g.value(a, MPLAN.alignmentTarget)).startswith(f"{DEF}/indicator-concept/"):
                assert (owner, RDF.type, MPLAN.Indicator) in g


def scheme() -> Graph:
    return Graph().parse(ROOT / "ontology" / "vocab" / "indicator-concept.ttl", format="turtle")


def test_official_statistics_are_e_stat_survey_pages_of_their_code():
    g = scheme()
    pages = list(g.subject_objects(MPLAN.officialStatistic))
    assert pages, "population, births and net migration are official statistics"
    for c, page in pages:
        code = str(g.value(c, MPLAN.statisticCode))
        assert re.fullmatch(r"[0-9]{8}", code)
        assert page == URIRef(f"https://www.e-stat.go.jp/statistics/{code}")
    assert str(g.value(URIRef(f"{DEF}/indicator-concept/population"), MPLAN.statisticCode)) == "00200521"


def test_related_un_indicators_exist_in_the_un_scheme(shared):
    ours = {o for o in scheme().objects(None, SKOS.relatedMatch)}
    assert ours
    un = Graph().parse(shared / "external" / "un-sdg-kos-goals-targets-indicators.ttl", format="turtle")
    indicator = URIRef("http://metadata.un.org/sdg/ontology#Indicator")
    assert {o for o in ours if (o, RDF.type, indicator) not in un} == set()


# --- the cross-city picture on the site --------------------------------------------------------

@pytest.fixture(scope="module")
def site(seed_publication: Path):
    from publisher.web.app import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
    with TestClient(create_app(Settings(out=seed_publication, progress=False)),
                    raise_server_exceptions=False) as client:
        yield client


def test_compare_page_counts_reviewed_sdgs_and_curated_domains(site):
    page = site.get("/compare")
    assert page.status_code == 200
    text = page.text
    for city in ("長崎市", "長岡市", "青森市", "塩尻市"):
        assert f"{city} × " in text
    # SDG grid: the editors' review of the tagger's suggestions (datasets/*/sdg-review.yaml), all
    # decided, so counted as curated: 青森市's p3-6 and p3-6-1 (13.2) were accepted
    assert re.search(r"青森市 × 13 [^:]*: 編集者が確認 2<", text)
    # a rejected suggestion is not counted: 長岡市's only goal-14 link (p-norin) was rejected
    assert re.search(r"長岡市 × 14 [^:]*: 0<", text)
    assert not re.search(r"× [^<]*ツールが提案 [0-9]", text), "no suggestion is left unreviewed"
    # policy-domain grid: the editors' mapping, counted as curated
    assert "長崎市 × 市民協働: 編集者が確認 " in text


def test_compare_page_lets_users_choose_the_basis(site):
    text = site.get("/compare", params=[("basis", "declared"), ("basis", "curated")]).text
    assert re.search(r"青森市 × 13 [^:]*: 編集者が確認 2<", text)
    assert "長崎市 × 市民協働: 編集者が確認 " in text
    text = site.get("/compare", params=[("basis", "suggested")]).text
    assert re.search(r"青森市 × 13 [^:]*: 0<", text), "curated links are left out"
    assert not re.search(r"× [^<]*編集者が確認 [0-9]", text)


def test_link_pages_are_paged_and_the_pages_add_up(site, seed_publication: Path):
    """A link target's page lists its links in pages; together they are every link, once."""
    from publisher.web.paths import Paths
    from publisher.web.service import links as service
    from publisher.web.service.reader import Reader
    from publisher.web.store import OxigraphStore

    r = Reader(OxigraphStore.open(seed_publication / "store"), Paths("https://w3id.org/mplan/id/"))
    whole = service.target_page(r, "http://metadata.un.org/sdg/11")
    assert whole["pages"] == 1 and whole["total"] == len(whole["links"]) > 4
    parts = [service.target_page(r, "http://metadata.un.org/sdg/11", page=n, size=3)
             for n in range(1, -(-whole["total"] // 3) + 1)]
    assert {p["pages"] for p in parts} == {len(parts)} and {p["total"] for p in parts} == {whole["total"]}
    key = [(x["item"].iri, x["target"].iri, x["basis"]) for x in whole["links"]]
    assert [(x["item"].iri, x["target"].iri, x["basis"]) for p in parts for x in p["links"]] == key
    assert service.target_page(r, "http://metadata.un.org/sdg/11", page=len(parts) + 1, size=3)["links"] == []
    assert site.get("/sdg/11?page=2").status_code == 404  # one page of 200 on the seeds
    assert site.get("/sdg/11?page=x").status_code == 400


def test_link_page_links_its_pages(site, monkeypatch):
    from publisher.web.service import links as service

    monkeypatch.setattr(service, "LINKS_PAGE_SIZE", 3)
    first = site.get("/sdg/11", headers={"Accept": "text/html"}).text
    assert 'rel="next" href="/sdg/11?page=2"' in first and 'rel="prev"' not in first
    second = site.get("/sdg/11?page=2&basis=curated&basis=suggested&lang=en",
                      headers={"Accept": "text/html"}).text  # the filter and language are kept
    assert 'rel="prev" href="/sdg/11?basis=curated&amp;basis=suggested&amp;page=1&amp;lang=en"' in second
    assert 'rel="next" href="/sdg/11?basis=curated&amp;basis=suggested&amp;page=3&amp;lang=en"' in second
