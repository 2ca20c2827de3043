"""The registry of Japan's local governments (publisher/registry): the shipped file against
総務省's list, and what every build publishes from it, read back from the built store."""

from __future__ import annotations

import csv
import hashlib
import json
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from shared_files import shared_path

from publisher.registry import REGISTRY_FILE, registry
from publisher.registry.make import render, rows

MPLAN = "https://w3id.org/mplan/def#"
BASE = "https://w3id.org/mplan/id/"
REGISTRY_GRAPH = f"<{BASE}dataset/registry>"
PREFIXES = f"""PREFIX mplan: <{MPLAN}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX geo: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""


def soumu() -> list[dict[str, str]]:
    with open(shared_path("external", "soumu-local-government-codes.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def store(seed_publication: Path) -> Iterator[ox.Store]:
    s = ox.Store.read_only(str(seed_publication.resolve() / "store"))
    yield s
    del s


def select(store: ox.Store, query: str) -> list[dict[str, str]]:
    result = store.query(PREFIXES + query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


def test_the_shipped_registry_is_what_the_sources_give() -> None:
    """local-governments.csv is exactly what `python -m publisher.registry.make` derives."""
    assert REGISTRY_FILE.read_text(encoding="utf-8") == render(rows(shared_path("external")))


def test_registry_rows_are_the_code_list() -> None:
    reg = registry()
    source = soumu()
    assert len(reg) == len(source) == 1788
    assert (len(reg.prefectures()), len(reg.municipalities())) == (47, 1741)
    for r in source:
        lg = reg[r["code"]]
        assert lg.name == (r["city"] or r["prefecture"])
        assert lg.prefecture.name == r["prefecture"]
        assert lg.kana == unicodedata.normalize("NFKC", r["city_kana"] or r["prefecture_kana"])


def test_kinds() -> None:
    kinds = Counter(lg.kind for lg in registry())
    ends = Counter(lg.name[-1] for lg in registry().municipalities())
    assert kinds["prefecture"] == 47
    assert kinds["designated-city"] == 20  # the 20 政令指定都市
    assert kinds["city"] + kinds["designated-city"] == ends["市"]
    assert (kinds["town"], kinds["village"], kinds["special-ward"]) == (ends["町"], ends["村"], 23)
    assert registry()["141305"].kind == "designated-city"  # 川崎市
    assert registry()["131016"].kind == "special-ward"  # 千代田区


def test_every_municipality_has_the_point_of_the_coordinates_file() -> None:
    points = json.loads(shared_path("external", "municipality-coordinates.json").read_text(encoding="utf-8"))
    points["兵庫県,丹波篠山市"] = points.pop("兵庫県,篠山市")  # the one old name in the file
    for lg in registry().municipalities():
        p = points[f"{lg.prefecture.name},{lg.name}"]
        assert abs(lg.lat - p["lat"]) < 5e-8 and abs(lg.lng - p["lng"]) < 5e-8  # 7 decimals
    assert all(lg.lat is None for lg in registry().prefectures())


def test_the_store_holds_every_code_with_its_exact_name(store: ox.Store) -> None:
    found = select(store, f"""SELECT ?code ?name ?kana ?type {{ GRAPH {REGISTRY_GRAPH} {{
        ?g mplan:localGovernmentCode ?code ; rdfs:label ?name ; mplan:kana ?kana ; a ?type
        FILTER(?type IN (mplan:Prefecture, mplan:Municipality)) }} }}""")
    by_code = {r["code"]: r for r in found}
    source = soumu()
    assert len(found) == len(by_code) == len(source)
    for r in source:
        got = by_code[r["code"]]
        assert got["name"] == (r["city"] or r["prefecture"]), r["code"]
        assert got["kana"] == unicodedata.normalize("NFKC", r["city_kana"] or r["prefecture_kana"])
        assert got["type"] == MPLAN + ("Municipality" if r["city"] else "Prefecture")


def test_every_municipality_is_part_of_its_prefecture(store: ox.Store) -> None:
    found = select(store, f"""SELECT ?code ?pref {{ GRAPH {REGISTRY_GRAPH} {{
        ?m a mplan:Municipality ; mplan:localGovernmentCode ?code ;
           dcterms:isPartOf/mplan:localGovernmentCode ?pref }} }}""")
    assert {r["code"]: r["pref"] for r in found} == {lg.code: lg.prefecture_code for lg in registry().municipalities()}


def test_every_municipality_has_its_point(store: ox.Store) -> None:
    found = select(store, f"""SELECT ?code ?lat ?long ?note {{ GRAPH {REGISTRY_GRAPH} {{
        ?m a mplan:Municipality ; mplan:localGovernmentCode ?code ;
           geo:location [ a geo:Point ; geo:lat ?lat ; geo:long ?long ; rdfs:comment ?note ]
        FILTER(lang(?note) = "en") }} }}""")
    assert len(found) == 1741
    for r in found:
        lg = registry()[r["code"]]
        assert (float(r["lat"]), float(r["long"])) == (lg.lat, lg.lng)
        assert "approximate" in r["note"]


@pytest.mark.parametrize(("box", "inside", "outside"), [
    ((36.7, 38.6, 137.6, 140.0), "152021", "011002"),  # around 新潟県: 長岡市 in, 札幌市 out
    ((24.0, 27.0, 122.0, 129.0), "472018", "422011"),  # 沖縄: 那覇市 in, 長崎市 out
])
def test_a_bounding_box_query_answers(store: ox.Store, box: tuple[float, float, float, float],
                                      inside: str, outside: str) -> None:
    """The municipalities within a bounding box, by W3C Basic Geo, as a client would ask."""
    south, north, west, east = box
    found = select(store, f"""SELECT DISTINCT ?code {{
        ?m a mplan:Municipality ; mplan:localGovernmentCode ?code ; geo:location [ geo:lat ?lat ; geo:long ?long ]
        FILTER(?lat >= {south} && ?lat <= {north} && ?long >= {west} && ?long <= {east}) }}""")
    codes = {r["code"] for r in found}
    expected = {lg.code for lg in registry().municipalities()
                if south <= lg.lat <= north and west <= lg.lng <= east}
    assert codes == expected
    assert inside in codes and outside not in codes


def test_a_municipality_with_a_plan_is_one_iri(store: ox.Store) -> None:
    found = select(store, """SELECT DISTINCT ?m ?code { ?p a mplan:Plan ; mplan:municipality ?m .
        ?m mplan:localGovernmentCode ?code }""")
    assert {r["code"] for r in found} == {"022012", "152021", "202151", "202207", "422011"}
    for r in found:
        assert r["m"] == f"{BASE}municipality/{r['code']}"
        same = select(store, f"""SELECT DISTINCT ?x {{ ?x mplan:localGovernmentCode "{r['code']}" }}""")
        assert [s["x"] for s in same] == [r["m"]]


def test_sources_are_cited(store: ox.Store) -> None:
    found = select(store, f"""SELECT DISTINCT ?cite {{ GRAPH {REGISTRY_GRAPH} {{
        <{BASE}municipality/011002> dcterms:source/dcterms:bibliographicCitation ?cite
    }} }}""")
    assert len(found) == 1 and "総務省" in found[0]["cite"]
    point = select(store, f"""SELECT ?note {{ GRAPH {REGISTRY_GRAPH} {{
        <{BASE}municipality/011002/point> rdfs:comment ?note FILTER(lang(?note) = "en") }} }}""")
    assert "approximate" in point[0]["note"]


def test_the_registry_is_a_dataset_of_the_catalog(seed_publication: Path) -> None:
    downloads = seed_publication / "downloads"
    catalog = ox.Store()
    catalog.load(path=str(downloads / "catalog.ttl"), format=ox.RdfFormat.TURTLE)
    rows_ = list(catalog.query(f"""PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?url ?sum {{ <{BASE}catalog> dcat:dataset <{BASE}dataset/registry> .
          <{BASE}dataset/registry> dcat:distribution ?d . ?d dcat:downloadURL ?url ;
          spdx:checksum/spdx:checksumValue ?sum }}"""))
    assert {r["url"].value.rsplit("/", 1)[1] for r in rows_} == {
        "registry.ttl", "registry.nt", "registry.jsonld", "registry.trig", "registry.nq", "registry.csv"}
    for r in rows_:
        data = (downloads / r["url"].value.rsplit("/", 1)[1]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sum"].value
    del catalog


def test_the_registry_csv_keeps_codes_as_text(seed_publication: Path) -> None:
    with open(seed_publication / "downloads" / "registry.csv", encoding="utf-8", newline="") as f:
        table = list(csv.DictReader(f))
    assert [r["code"] for r in table] == [lg.code for lg in registry()]
    assert table[0]["code"] == "010006" and table[0]["name"] == "北海道"
    assert {r["name_en_generated"] for r in table if r["code"] == "011002"} == {"Sapporo-shi"}


def test_the_registry_graph_conforms_to_the_shapes_and_they_can_fail() -> None:
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS

    from publisher.namespaces import MPLAN as NS
    from publisher.namespaces import Iris
    from publisher.registry.rdf import registry_graph
    from publisher.validate import Validator

    validator = Validator(workers=1)
    good = registry_graph(registry(), Iris())
    assert validator.validate({"registry": good})["registry"].conforms
    bad = registry_graph(registry(), Iris())
    sapporo = URIRef(f"{BASE}municipality/011002")
    bad.remove((sapporo, DCTERMS.isPartOf, None))
    bad.remove((sapporo, NS.kana, None))
    bad.add((sapporo, NS.kana, Literal("さっぽろし", lang="ja")))
    report = validator.validate({"registry": bad})["registry"]
    assert {(r.focus, r.path) for r in report.results} == {
        (str(sapporo), str(DCTERMS.isPartOf)), (str(sapporo), str(NS.kana))}
