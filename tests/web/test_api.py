"""The JSON API for apps (/api/…), against a real server, checked against the store itself.

A client here uses only `requests` and JSON: no JSON-LD processor, no SPARQL.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
B = "https://w3id.org/mplan/id/"
M = "https://w3id.org/mplan/def#"
DOC_HOST = "http://127.0.0.1:8000"
PLANS_WITH_KPIS = ("422011-nagasaki-2025", "152021-nagaoka-next", "202151-shiojiri-6")


def _q(store: ox.Store, text: str) -> list:
    return list(store.query(text, use_default_graph_as_union=True))


class Counting(requests.Session):
    """A session that counts its requests."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def request(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        self.count += 1
        return super().request(*args, **kwargs)


def _oracle_goals(store: ox.Store, plan: str) -> set[str]:
    rows = _q(store, f"""SELECT ?e {{ ?e <{M}inPlan> <{B}plan/{plan}> ;
                         <{M}level> <https://w3id.org/mplan/def/level/goal> }}""")
    return {r["e"].value for r in rows}


def _oracle_values(store: ox.Store, plan: str) -> dict[str, set[tuple]]:
    rows = _q(store, f"""SELECT ?i ?kind ?val ?fy {{ ?i <{M}inPlan> <{B}plan/{plan}> ;
        a <{M}Indicator> . OPTIONAL {{ ?v <{M}indicator> ?i ; <{M}valueKind> ?kind
        OPTIONAL {{ ?v <{M}value> ?val }} OPTIONAL {{ ?v <{M}fiscalYear> ?fy }} }} }}""")
    out: dict[str, set[tuple]] = {}
    for r in rows:
        vals = out.setdefault(r["i"].value, set())
        if r["kind"] is not None:
            vals.add((r["kind"].value.rsplit("/", 1)[-1],
                      Decimal(r["val"].value) if r["val"] is not None else None,
                      int(r["fy"].value[:4]) if r["fy"] is not None else None))
    return out


@pytest.mark.parametrize("plan", PLANS_WITH_KPIS)
def test_goals_and_kpis_with_values_in_two_requests(server, store, plan):
    """The issue's client: one plan's goals and its KPIs with their values, in 2 requests."""
    s = Counting()
    goals = s.get(f"{server.url}/api/plan/{plan}/elements", params={"level": "goal", "per_page": 500},
                  headers={"Accept": "application/json"}, timeout=30)
    kpis = s.get(f"{server.url}/api/plan/{plan}/indicators", params={"per_page": 500}, timeout=30)
    assert s.count == 2
    for r in (goals, kpis):
        assert r.status_code == 200, r.text
        assert r.headers["content-type"].startswith("application/json")
    g, k = goals.json(), kpis.json()
    assert g["next"] is None and k["next"] is None, "one page holds them all"

    assert {e["iri"] for e in g["items"]} == _oracle_goals(store, plan)
    assert g["total"] == len(g["items"])
    for e in g["items"]:
        assert e["level"]["key"] == "goal" and e["label"], e
        assert e["url"] == server.url + e["iri"][len(B) - 1:]

    expected = _oracle_values(store, plan)
    assert expected, "the plan has indicators"
    assert {i["iri"] for i in k["items"]} == set(expected) and k["total"] == len(expected)
    for ind in k["items"]:
        got = set()
        for v in ind["values"]:
            assert isinstance(v["value"], int | float) or v["value"] is None, v
            assert isinstance(v["year"], int) or v["year"] is None, v
            got.add((v["kind"], Decimal(str(v["value"])) if v["value"] is not None else None, v["year"]))
        assert got == expected[ind["iri"]], ind["iri"]
        assert ind["label"].get("ja"), ind


def test_a_value_is_a_json_number_and_the_year_an_integer(server):
    """長崎市 H1's first KPI: 68.9% in R2年度 (2020), 75.0% in R7年度 (2025), as in the seed text."""
    ind = requests.get(f"{server.url}/api/plan/422011-nagasaki-2025/indicator/h1-info-satisfaction",
                       timeout=30).json()
    values = {v["kind"]: v for v in ind["values"]}
    assert values["baseline"]["value"] == 68.9 and values["baseline"]["year"] == 2020
    assert values["baseline"]["unit"] == "%" and values["baseline"]["year_text"] == "R2年度"
    assert values["target"]["value"] == 75 and values["target"]["year"] == 2025
    assert ind["measures"]["iri"] == f"{B}plan/422011-nagasaki-2025/element/h1"
    assert ind["measures"]["api"] == f"{server.url}/api/plan/422011-nagasaki-2025/element/h1"


def test_paging_follows_next_to_the_end_without_repeats(server, store):
    plan = "022012-aomori-next"
    url = f"{server.url}/api/plan/{plan}/elements?per_page=7"
    seen, pages = [], 0
    while url:
        doc = requests.get(url, timeout=30).json()
        pages += 1
        assert len(doc["items"]) <= 7
        seen += [e["iri"] for e in doc["items"]]
        url = doc["next"]
        assert pages <= doc["pages"]
    total = {r["e"].value for r in _q(store, f"SELECT ?e {{ ?e <{M}inPlan> <{B}plan/{plan}> ; a <{M}PlanElement> }}")}
    assert len(seen) == len(set(seen)) == len(total) == doc["total"]
    assert set(seen) == total
    assert pages == doc["pages"] > 1 and doc["prev"] is not None


def test_an_element_embeds_its_children_and_indicators_one_level_down(server, store):
    iri = f"{B}plan/422011-nagasaki-2025/element/h1"
    doc = requests.get(f"{server.url}/api/plan/422011-nagasaki-2025/element/h1", timeout=30).json()
    children = {r["c"].value for r in _q(store, f"SELECT ?c {{ ?c <{M}parent> <{iri}> }}")}
    assert {c["iri"] for c in doc["children"]} == children and children
    for c in doc["children"]:
        assert c["notation"] and c["level"]["key"] and c["label"]["ja"]
        assert "children" not in c, "one level down only"
    inds = {r["i"].value for r in _q(store, f"SELECT ?i {{ ?i <{M}measures> <{iri}> }}")}
    assert {i["iri"] for i in doc["indicators"]} == inds and inds
    assert all(i["values"] for i in doc["indicators"])
    assert doc["plan"]["api"] == f"{server.url}/api/plan/422011-nagasaki-2025"


def test_a_plan_embeds_its_top_elements_and_links_its_lists(server):
    doc = requests.get(f"{server.url}/api/plan/152021-nagaoka-next", timeout=30).json()
    assert doc["municipality"]["code"] == "152021"
    assert [e["level"]["key"] for e in doc["elements"]] == ["vision"]
    assert doc["counts"]["elements"] > len(doc["elements"])
    goals = requests.get(doc["lists"]["goal"], timeout=30).json()
    assert goals["total"] == 6  # 長岡市: six basic goals (基本目標)
    period = requests.get(f"{server.url}/api/plan/202151-shiojiri-6", timeout=30).json()["period"]
    assert period["start"] == 2024 and period["end"] == 2032


def test_every_url_is_served_here(server):
    """Every ``url`` and ``api`` of a listing answers 200 on this server."""
    doc = requests.get(f"{server.url}/api/plan/422011-nagasaki-2025/indicators?per_page=2",
                       timeout=30).json()
    urls: set[str] = set()

    def walk(x: object) -> None:
        if isinstance(x, dict):
            for k in ("url", "api"):
                if isinstance(x.get(k), str):
                    urls.add(x[k])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    assert urls and all(u.startswith(server.url + "/") for u in urls)
    for u in sorted(urls):
        assert requests.get(u, timeout=30).status_code == 200, u


def test_urls_are_for_the_host_the_client_asked(client):
    doc = client.get("/api/plan/152021-nagaoka-next", headers={"Host": "plans.example.jp"}).json()
    assert doc["url"] == "http://plans.example.jp/plan/152021-nagaoka-next"
    assert doc["lists"]["indicators"] == "http://plans.example.jp/api/plan/152021-nagaoka-next/indicators"


def test_municipality_plans(client):
    doc = client.get("/api/municipality/422011/plans").json()
    assert [p["iri"] for p in doc["items"]] == [f"{B}plan/422011-nagasaki-2025"]
    assert doc["total"] == 1 and doc["next"] is None
    none = client.get("/api/municipality/011002/plans").json()  # 札幌市: in the registry, no plan
    assert none["total"] == 0 and none["items"] == []


def test_sdg_items_filtered_by_municipality_and_basis(client, store):
    every = client.get("/api/sdg/11/items?per_page=500").json()
    assert every["total"] == len(every["items"]) > 0
    munis = {i["municipality"]["iri"] for i in every["items"]}
    assert len(munis) > 1
    one = client.get("/api/sdg/11/items?per_page=500&municipality=152021").json()
    assert one["items"] and {i["municipality"]["iri"] for i in one["items"]} == {f"{B}municipality/152021"}
    assert one["total"] == sum(1 for i in every["items"] if i["municipality"]["iri"].endswith("/152021"))
    by_basis = 0
    for basis in ("declared", "curated", "suggested", "asserted"):
        part = client.get(f"/api/sdg/11/items?per_page=500&basis={basis}").json()
        assert {i["basis"] for i in part["items"]} <= {basis}
        by_basis += part["total"]
    assert by_basis == every["total"]
    for i in every["items"]:
        assert i["target"]["iri"].startswith("http://metadata.un.org/sdg/11")
        if i["basis"] == "suggested":
            assert isinstance(i["score"], float | int)
    # a suggested link in the store is listed with its item
    rows = _q(store, f"""SELECT ?item {{ ?item <{M}alignment> ?a . ?a <{M}alignmentTarget>
                         <http://metadata.un.org/sdg/11> ; <{M}basis> <https://w3id.org/mplan/def/link-basis/suggested> }}""")
    assert {r["item"].value for r in rows} <= {i["item"]["iri"] for i in every["items"]}


@pytest.mark.parametrize("path", [
    "/api/plan/152021-nagaoka-next/elements?level=strategy",
    "/api/plan/152021-nagaoka-next/elements?page=0",
    "/api/plan/152021-nagaoka-next/elements?per_page=501",
    "/api/plan/152021-nagaoka-next/indicators?page=１",
    "/api/sdg/11/items?municipality=15202",
    "/api/sdg/11/items?basis=guessed",
])
def test_bad_parameters_get_a_clear_bilingual_error(client, path):
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "bad_parameter" and err["message"] and err["message_ja"] != err["message"]


@pytest.mark.parametrize("path", [
    "/api/plan/no-such-plan", "/api/plan/no-such-plan/indicators",
    "/api/plan/152021-nagaoka-next/element/nope", "/api/plan/152021-nagaoka-next/indicator/nope",
    "/api/plan/152021-nagaoka-next/element/vision/elements",
    "/api/municipality/999999/plans", "/api/sdg/18/items", "/api/sdg/11/items?page=99",
    "/api/plan/152021-nagaoka-next/indicator/kpi-settlement/elements",
])
def test_what_is_not_published_is_a_json_404(client, path):
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


def test_etag_gives_304(client):
    first = client.get("/api/plan/152021-nagaoka-next/indicators")
    again = client.get("/api/plan/152021-nagaoka-next/indicators",
                       headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    other = client.get("/api/plan/152021-nagaoka-next/indicators?per_page=1",
                       headers={"If-None-Match": first.headers["etag"]})
    assert other.status_code == 200


def test_existing_conneg_is_unchanged(client):
    """``application/json`` on a resource still gets JSON-LD; the API is under /api."""
    r = client.get("/plan/152021-nagaoka-next", headers={"Accept": "application/json"})
    assert r.headers["content-type"].startswith("application/ld+json")


def test_home_page_examples_are_absolute(client):
    html = client.get("/", headers={"Host": "plans.example.jp"}).text
    example = html.split('<pre class="example">', 1)[1].split("</pre>", 1)[0]
    urls = re.findall(r"(?:^|\s)(https?://\S+|/\S+)", example, re.M)
    assert urls and all(u.startswith("http://plans.example.jp/") for u in urls), urls
    assert "http://plans.example.jp/sparql" in example
    for u in urls:
        path = u[len("http://plans.example.jp"):]
        assert client.get(path).status_code == 200, path


# --- docs/api.md: every example is run ---------------------------------------------------------

def _doc_examples() -> list[tuple[str, str | None]]:
    """(the URL of each ``curl`` in docs/api.md, the JSON block right after it, if any)."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)
    out = []
    for n, (info, body) in enumerate(blocks):
        if info != "sh":
            continue
        for url in re.findall(r"curl[^\n]*?'?(" + re.escape(DOC_HOST) + r"[^\s']*)", body):
            after = blocks[n + 1] if n + 1 < len(blocks) and blocks[n + 1][0] in ("json", "csv") else None
            out.append((url, after[1] if after else None))
    return out


def _contains(doc: object, shown: object, where: str = "$") -> None:
    """``shown`` (what the docs print) is part of ``doc``: keys a subset, lists a prefix."""
    if isinstance(shown, dict):
        assert isinstance(doc, dict), where
        for k, v in shown.items():
            assert k in doc, f"{where}.{k} is documented but not answered"
            _contains(doc[k], v, f"{where}.{k}")
    elif isinstance(shown, list):
        assert isinstance(doc, list) and len(doc) >= len(shown), where
        for n, v in enumerate(shown):
            _contains(doc[n], v, f"{where}[{n}]")
    else:
        assert doc == shown, f"{where}: the docs say {shown!r}, the server answers {doc!r}"


def test_docs_examples_are_what_the_server_answers(server):
    examples = _doc_examples()
    assert len(examples) >= 6, "docs/api.md shows the API with curl examples"
    shown = 0
    for url, expected in examples:
        r = requests.get(url.replace(DOC_HOST, server.url), timeout=30)
        assert r.status_code in (200, 400, 404), url
        if urlsplit(url).path.endswith(".csv"):  # the CSV printed is the answer's first lines
            assert r.headers["content-type"].startswith("text/csv"), url
            if expected is not None:
                shown_lines = expected.replace(DOC_HOST, server.url).splitlines()
                assert r.text.splitlines()[:len(shown_lines)] == shown_lines, url
            continue
        assert r.headers["content-type"].startswith("application/json"), url
        if expected is not None:
            _contains(r.json(), json.loads(expected.replace(DOC_HOST, server.url)), url)
            shown += 1
    assert shown >= 4


def test_docs_python_example_runs(server, capsys):
    """The Python client of docs/api.md, run as printed (against the test server)."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    [code] = re.findall(r"^```python\n(.*?)^```", text, re.S | re.M)
    exec(compile(code.replace(DOC_HOST, server.url), "docs/api.md", "exec"), {})  # noqa: S102
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 5  # 長崎市's five KPIs, one line each
    assert printed[0].startswith("市政情報の発信に満足している市民の割合 [('baseline', 68.9, '%', 2020)")


# --- the JSON-LD, for linked-data clients ---------------------------------------------------------

JSONLD_PATHS = ("/plan/202151-shiojiri-6", "/plan/422011-nagasaki-2025/element/h1",
                "/plan/422011-nagasaki-2025/indicator/h1-info-satisfaction",
                "/plan/422011-nagasaki-2025/indicator/h1-info-satisfaction/value/baseline-2020",
                "/municipality/152021", "/def/level/goal", "/def/level", "/def", "/catalog",
                "/dataset/422011-nagasaki-2025", "/sdg/11")


def _keys(x: object) -> set[str]:
    if isinstance(x, dict):
        return {k for k in x if k != "@context"} | {k2 for k, v in x.items() if k != "@context"
                                                      for k2 in _keys(v)}
    if isinstance(x, list):
        return {k for v in x for k in _keys(v)}
    return set()


@pytest.mark.parametrize("path", JSONLD_PATHS)
def test_jsonld_keys_are_all_aliased_and_lossless(client, path):
    """No ``prefix:name`` or IRI keys; the context is embedded (nothing to fetch); and the
    compacted document is the same graph as the Turtle."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    r = client.get(path, headers={"Accept": "application/ld+json"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/ld+json")
    doc = r.json()
    assert isinstance(doc["@context"], dict), "the context is embedded, never a URL to fetch"
    assert "@import" not in doc["@context"]
    keys = _keys(doc)
    assert keys, path
    assert not [k for k in keys if not k.startswith("@") and (":" in k or "/" in k)], path
    turtle = client.get(path, headers={"Accept": "text/turtle"}).text
    assert isomorphic(Graph().parse(data=r.text, format="json-ld"),
                      Graph().parse(data=turtle, format="turtle")), path


def test_jsonld_typed_literals_are_native_where_lossless(client):
    plan = client.get("/plan/202151-shiojiri-6.jsonld").json()
    ctx = plan["@context"]
    node = next(n for n in plan.get("@graph", [plan]) if n.get("@id", "").endswith("/plan/202151-shiojiri-6"))
    assert node["periodStart"] == "2024" and ctx["periodStart"]["@type"] == "xsd:gYear"
    assert node["title"]["ja"] == "第六次塩尻市総合計画"
    value = client.get("/plan/422011-nagasaki-2025/indicator/h1-info-satisfaction/value/baseline-2020.jsonld").json()
    assert value["value"] == "68.9" and value["@context"]["value"]["@type"] == "xsd:decimal"
    assert value["fiscalYear"] == "2020"
    goal = client.get("/def/level/goal.jsonld").json()
    node = next(n for n in goal.get("@graph", [goal]) if n.get("@id", "").endswith("/level/goal"))
    assert node["rank"] == 2, "an xsd:integer is a JSON number"
    nagaoka = client.get("/plan/152021-nagaoka-next/indicator/kpi-settlement.jsonld").json()
    node = next(n for n in nagaoka.get("@graph", [nagaoka]) if n.get("@id", "").endswith("/kpi-settlement"))
    assert node.get("proposed") in (True, None) and "mplan:proposed" not in node


def test_published_context_is_the_one_served(client, seed_publication):
    published = json.loads((seed_publication / "downloads" / "context.jsonld").read_text(encoding="utf-8"))
    served = client.get("/plan/152021-nagaoka-next.jsonld").json()["@context"]
    assert published["@context"] == served


def test_jsonld_of_the_whole_store_is_lossless_and_fully_aliased(store):
    """Every triple of the seed publication (data, registry, catalog, ontology, schemes),
    compacted with the context: the same graph back, and no key left as a CURIE or IRI."""
    from rdflib import Graph
    from rdflib.compare import isomorphic

    from publisher.web.renderers.rdf import render_rdf

    triples = [q.triple for q in store]
    data = render_rdf(triples, "jsonld")
    keys = _keys(json.loads(data))
    assert not [k for k in keys if not k.startswith("@") and (":" in k or "/" in k)]
    back = Graph().parse(data=data, format="json-ld")
    assert len(back) == len(set(triples))
    assert isomorphic(back, Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES),
                                          format="nt"))


@pytest.mark.parametrize("name", ["publisher.web.service.api", "publisher.publish.context"])
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
