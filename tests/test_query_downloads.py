"""A catalogue query that lists the whole country is published at build time (publish/answers.py):
its download holds the same rows as the query answers on the store, the catalog lists it, and
the query page links it instead of running the query."""

from __future__ import annotations

import csv
import hashlib
import io
import subprocess
import sys

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT
from starlette.testclient import TestClient

from publisher import queries
from publisher.publish.answers import downloaded
from publisher.settings import Settings
from publisher.web.app import create_app

SPDX_VALUE = URIRef("http://spdx.org/rdf/terms#checksumValue")
SPDX_CHECKSUM = URIRef("http://spdx.org/rdf/terms#checksum")


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_whole_country_queries_are_downloaded() -> None:
    assert {"baseline-to-target", "indicators-decrease"} <= {q.name for q in downloaded()}
    for query in downloaded():  # the build joins the plans' rows by city (publish/answers.py)
        assert "\nORDER BY ?city " in query.text, query.name


def test_download_rows_equal_the_answer_on_the_store(seed_publication) -> None:
    store = ox.Store.read_only(str(seed_publication / "store"))
    for query in downloaded():
        answer = queries.run(store, query).serialize(format=ox.QueryResultsFormat.CSV)
        published = (seed_publication / "downloads" / "queries" / f"{query.name}.csv").read_bytes()
        expected, got = _rows(answer), _rows(published)
        assert len(got) > 1, query.name  # the seeds have indicators with a baseline and a target
        assert got[0] == expected[0], query.name
        assert sorted(got[1:]) == sorted(expected[1:]), query.name
        cities = [row[0] for row in got[1:]]
        assert cities == sorted(cities), query.name  # in the query's order: by city first
        rq = (seed_publication / "downloads" / "queries" / f"{query.name}.rq").read_text(encoding="utf-8")
        assert rq == query.text
    del store


def test_catalog_lists_the_download_with_its_checksum(seed_publication) -> None:
    g = Graph().parse(seed_publication / "downloads" / "catalog.ttl")
    for query in downloaded():
        path = seed_publication / "downloads" / "queries" / f"{query.name}.csv"
        url = next(u for u in g.objects(None, DCAT.downloadURL) if str(u).endswith(f"/queries/{query.name}.csv"))
        dist = g.value(None, DCAT.downloadURL, url)
        assert (None, DCAT.distribution, dist) in g
        checksum = g.value(dist, SPDX_CHECKSUM)
        assert str(g.value(checksum, SPDX_VALUE)) == hashlib.sha256(path.read_bytes()).hexdigest()
        assert str(g.value(dist, DCAT.mediaType)).endswith("/text/csv")


def test_query_page_links_the_download_instead_of_running(seed_publication) -> None:
    app = create_app(Settings(out=seed_publication))
    with TestClient(app) as client:
        for query in downloaded():
            page = client.get(f"/query?example={query.name}", headers={"Accept": "text/html"})
            assert page.status_code == 200
            assert 'id="example-download"' in page.text
            assert 'id="result-table"' not in page.text  # not run
            href = f"/downloads/queries/{query.name}.csv"
            assert f'href="{href}"' in page.text
            assert client.get(href).content == (seed_publication / "downloads" / "queries" /
                                                f"{query.name}.csv").read_bytes()
            rq = client.get(f"/downloads/queries/{query.name}.rq")
            assert rq.status_code == 200 and rq.text == query.text
        other = client.get("/query?example=plans", headers={"Accept": "text/html"})
        assert 'id="example-download"' not in other.text and 'id="result-table"' in other.text


def test_planlod_query_names_the_download(seed_publication) -> None:
    for query in downloaded():
        done = subprocess.run([sys.executable, "-m", "publisher", "--out", str(seed_publication), "query",
                               query.name], capture_output=True, check=True)
        path = seed_publication / "downloads" / "queries" / f"{query.name}.csv"
        assert str(path) in done.stderr.decode("utf-8")
        assert sorted(_rows(done.stdout)) == sorted(_rows(path.read_bytes()))
