"""The example SPARQL queries of the site: the query catalogue (``queries/*.rq``, see
:mod:`publisher.queries`), the one example set. They are shown on the home page and the query
page, one click from running, and ``planlod query --list`` lists the same. A query that lists
the whole country is not run on the query page: the build published its answer, and the page
links that file (and the query beside it).

>>> names = [e.name for e in load_examples()]
>>> "happiness-targets" in names and len(names) == len(set(names))
True
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    name: str
    title: dict[str, str]
    description: dict[str, str]
    query: str
    download: str | None = None  # the path of its answer under /downloads/, made at build time


def download_path(name: str) -> str:
    """Where the build publishes the answer of a whole-country query (publish/answers.py)."""
    return f"/downloads/queries/{name}.csv"


def load_examples() -> list[Example]:
    """The catalogue's queries, in file-name order."""
    from ..queries import catalogue

    return [Example(q.name, q.title, q.description, q.text, download_path(q.name) if q.download else None)
            for q in catalogue()]
