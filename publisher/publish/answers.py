"""Whole-country catalogue queries, answered at build time and published as downloads.

A query that by nature lists the whole country (``baseline-to-target``: every indicator with a
baseline and a target) returns hundreds of thousands of rows at national scale, more than
``/sparql`` can answer within its time limit. Such a query says ``# download: yes`` in its
header (publisher/queries.py); the build then publishes its answer as
``downloads/queries/{name}.csv`` (SPARQL 1.1 CSV results, the same columns and values as
``/sparql`` returns), next to the query itself (``downloads/queries/{name}.rq``), and the
catalog lists the CSV as a distribution of the dataset of all plans.

The answer is made per plan, in the plan's cached step (publish/plans.py): the catalogue query
itself runs on a small store holding the plan's graph and its municipality's Japanese name from
the registry (the only triple outside the plan these queries read), so a one-plan rebuild runs
it for one plan only. The build joins the plans' rows in the query's order: its queries order by
city first, and a plan's rows all have the same city, so the plans are joined by city, then by
plan IRI (the prefix of their indicators' IRIs).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .. import queries
from ..namespaces import Iris
from ..registry import registry
from .catalog import FileInfo
from .splice import Part, data_part, file_part

FOLDER = "queries"  # under downloads/; in a plan's cache folder, its rows of each query
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")


def downloaded() -> list[queries.CatalogueQuery]:
    """The catalogue's queries published as downloads."""
    return [q for q in queries.catalogue() if q.download]


def rows_path(plan_dir: Path, name: str) -> Path:
    """Where a plan's cache folder keeps its CSV rows (no header) of query ``name``."""
    return plan_dir / FOLDER / f"{name}.csv"


def write_plan_rows(plan_dir: Path, nquads: bytes, code: str, iris: Iris) -> None:
    """Write one plan's rows of every downloaded query into its cache folder ``plan_dir``.

    ``nquads`` is the plan's graph as N-Quads; ``code`` its municipality's code.
    """
    store = ox.Store()
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    # the registry's Japanese name of the municipality (publisher/registry/rdf.py)
    store.add(ox.Quad(ox.NamedNode(iris.municipality(code)), RDFS_LABEL,
                      ox.Literal(registry()[code].name, language="ja")))
    (plan_dir / FOLDER).mkdir(exist_ok=True)
    for query in downloaded():
        answer = queries.run(store, query).serialize(format=ox.QueryResultsFormat.CSV)
        rows_path(plan_dir, query.name).write_bytes(answer.partition(b"\r\n")[2])


def has_plan_rows(plan_dir: Path) -> bool:
    return all(rows_path(plan_dir, name).is_file() for name in _downloaded_names())


@cache
def _downloaded_names() -> tuple[str, ...]:
    """The names of :func:`downloaded`, read once per process (a build asks for every plan)."""
    return tuple(q.name for q in downloaded())


def _header(query: queries.CatalogueQuery) -> bytes:
    """The CSV header of a query: its projected variables, from its answer on an empty store."""
    answer = queries.run(ox.Store(), query).serialize(format=ox.QueryResultsFormat.CSV)
    return answer.partition(b"\r\n")[0] + b"\r\n"


def write_downloads(write: Callable[[str, list[Part]], Any], downloads: Path,
                    plans: Iterable[tuple[str, str, str, Path]]) -> dict[str, FileInfo]:
    """Write each downloaded query's CSV and .rq into ``downloads``/queries/ with ``write`` (the
    build's writer of files of parts, which copies unchanged parts from the previous release);
    return the catalog's files for the CSVs, by distribution key.

    ``plans`` holds, for each plan, its city's Japanese name, its plan IRI, its cache key and
    its cache folder.
    """
    ordered = sorted(plans, key=lambda p: (p[0], p[1] + "/"))
    files = {}
    (downloads / FOLDER).mkdir(exist_ok=True)
    for query in downloaded():
        path = f"{FOLDER}/{query.name}.csv"
        parts = [file_part(f"{key}:{query.name}", rows_path(d, query.name)) for _c, _p, key, d in ordered]
        written = write(f"downloads/{path}", [data_part(_header(query)), *parts])
        write(f"downloads/{FOLDER}/{query.name}.rq", [data_part(query.text.encode("utf-8"))])
        files[f"csv-{query.name}"] = FileInfo(path, written.size, written.sha256,
                                              title=(query.title["ja"], query.title["en"]))
    return files
