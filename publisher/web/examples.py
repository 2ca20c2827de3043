"""The example SPARQL queries of the site: the query catalogue (``queries/*.rq``, see
:mod:`publisher.queries`), the one example set. They are shown on the home page and the query
page, one click from running, and ``planlod query --list`` lists the same.

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


def load_examples() -> list[Example]:
    """The catalogue's queries, in file-name order."""
    from ..queries import catalogue

    return [Example(q.name, q.title, q.description, q.text) for q in catalogue()]
