"""Every query of the catalogue (queries/*.rq) is one click away on the query page."""

from __future__ import annotations

from markupsafe import escape
from starlette.testclient import TestClient

from publisher.queries import catalogue
from publisher.settings import Settings
from publisher.web.app import create_app


def test_query_page_lists_the_whole_catalogue(seed_publication):
    app = create_app(Settings(out=seed_publication))
    with TestClient(app) as client:
        page = client.get("/query", headers={"Accept": "text/html"})
        page_en = client.get("/query?lang=en", headers={"Accept": "text/html"})
    assert page.status_code == 200
    queries = catalogue()
    assert len(queries) >= 15
    for q in queries:
        assert str(escape(q.title["ja"])) in page.text, q.name
        assert str(escape(q.title["en"])) in page_en.text, q.name
