"""The example SPARQL queries of the query page: the query catalogue (``queries/*.rq``, see
:mod:`publisher.queries`) first, then the page's own examples (publisher/web/static/examples/*.rq).

Each file starts with ``# title:``, ``# title_en:``, ``# description:`` and ``# description_en:``
lines; the rest is the query. They are shown on the query page, one click from running, and
served as files under /static/examples/.

>>> names = [e.name for e in load_examples()]
>>> "02-happiness-kpis" in names and "happiness-targets" in names
True
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parent / "static" / "examples"


@dataclass(frozen=True)
class Example:
    name: str
    title: dict[str, str]
    description: dict[str, str]
    query: str
    url: str | None = None  # where the .rq file is served, if it is


def parse_example(name: str, text: str) -> Example:
    meta: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        meta[key.strip()] = value.strip()
    return Example(name, {"ja": meta.get("title", name), "en": meta.get("title_en", name)},
                   {"ja": meta.get("description", ""), "en": meta.get("description_en", "")}, text,
                   f"/static/examples/{name}.rq")


def load_examples(folder: Path = EXAMPLES) -> list[Example]:
    """The catalogue's queries, then the page's own examples, each in file-name order."""
    from ..queries import catalogue

    listed = [Example(q.name, q.title, q.description, q.text) for q in catalogue()]
    return listed + [parse_example(p.stem, p.read_text(encoding="utf-8"))
                     for p in sorted(folder.glob("*.rq"))]
