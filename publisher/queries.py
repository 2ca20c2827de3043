"""The query catalogue: documented SPARQL queries across cities, one file each in ``queries/``.

Each file starts with comment lines that describe it, then the query::

    # title: 幸福度の目標を掲げる自治体と、その目標
    # title_en: Which cities set a happiness target, and what target
    # description: …
    # description_en: …
    # param: year xsd:gYear — 計画の最終年度 / the plan's last fiscal year
    # download: yes

The queries read the union of all named graphs as their default graph (the way ``/sparql``
does), so they run unchanged on the endpoint, on the query page and with
``planlod query NAME``. A ``param`` is a variable the caller may bind: the query gives it a
default with ``COALESCE`` and projects it, so that the value is substituted as a typed term
(SPARQL SEP-0007), never pasted into the text. ``download: yes`` marks a query that lists the
whole country: the build publishes its answer as ``downloads/queries/NAME.csv``
(publish/answers.py), and the query page links that file instead of running the query.

>>> names = [q.name for q in catalogue()]
>>> "happiness-targets" in names and len(names) >= 15
True
>>> q = get("plans-ending-in")
>>> [(p.name, p.datatype) for p in q.params]
[('year', 'gYear')]
>>> bindings(q, {"year": "2032"})
{<Variable value=year>: <Literal value=2032 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#gYear>>}
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from .errors import EXIT_OK, usage_error
from .settings import Settings

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "queries"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: Parameter datatypes a caller's value is checked against before it becomes a typed term.
PARAM_TYPES = {"integer": re.compile(r"^-?[0-9]{1,9}$"), "gYear": re.compile(r"^[0-9]{4}$"),
               "decimal": re.compile(r"^-?[0-9]{1,9}(\.[0-9]{1,9})?$"), "string": re.compile(r"^.{1,200}$"),
               "anyURI": re.compile(r"^https?://\S{1,500}$")}
DOC_BEGIN, DOC_END = "<!-- catalogue:begin -->", "<!-- catalogue:end -->"
FORMATS = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
           "json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML}


@dataclass(frozen=True)
class Param:
    name: str
    datatype: str  # a key of PARAM_TYPES (an XSD datatype's local name)
    description: str


@dataclass(frozen=True)
class CatalogueQuery:
    """One query of the catalogue: its name (the file's stem), titles and descriptions in
    Japanese and English, its parameters and its full text (header included)."""

    name: str
    title: dict[str, str]
    description: dict[str, str]
    params: tuple[Param, ...]
    text: str
    download: bool = False  # its answer is published at build time (publish/answers.py)


def parse(name: str, text: str) -> CatalogueQuery:
    meta: dict[str, str] = {}
    params = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, _, value = line[1:].partition(":")
        key, value = key.strip(), value.strip()
        if key == "param":
            var, datatype, *rest = value.split(maxsplit=2)
            datatype = datatype.removeprefix("xsd:")
            if datatype not in PARAM_TYPES:
                raise ValueError(f"queries/{name}.rq: parameter type {datatype!r} is not one of {sorted(PARAM_TYPES)}")
            params.append(Param(var, datatype, " ".join(rest).lstrip("— ").strip()))
        elif key:
            meta[key] = value
    missing = [k for k in ("title", "title_en", "description", "description_en") if not meta.get(k)]
    if missing:
        raise ValueError(f"queries/{name}.rq: the header lacks {', '.join(missing)}")
    return CatalogueQuery(name, {"ja": meta["title"], "en": meta["title_en"]},
                          {"ja": meta["description"], "en": meta["description_en"]}, tuple(params), text,
                          download=meta.get("download") == "yes")


def catalogue(folder: Path = QUERIES) -> list[CatalogueQuery]:
    """Every query of the catalogue, in file-name order. The query page lists these."""
    return [parse(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]


def get(name: str, folder: Path = QUERIES) -> CatalogueQuery:
    path = folder / f"{name}.rq"
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name) or not path.is_file():
        raise usage_error(f"No query named {name!r} in the catalogue; see `planlod query --list`.",
                          f"カタログに {name!r} という問い合わせはありません。"
                          "`planlod query --list` で一覧を確認してください。")
    return parse(name, path.read_text(encoding="utf-8"))


def bindings(query: CatalogueQuery, values: dict[str, str]) -> dict[ox.Variable, ox.Literal | ox.NamedNode]:
    """Typed terms for the caller's parameter values, each checked against its datatype."""
    known = {p.name: p for p in query.params}
    out: dict[ox.Variable, ox.Literal | ox.NamedNode] = {}
    for name, value in values.items():
        if name not in known:
            raise usage_error(f"{query.name} has no parameter {name!r} (it has: {', '.join(known) or 'none'}).",
                              f"{query.name} に {name!r} という引数はありません（あるのは: {', '.join(known) or 'なし'}）。")
        datatype = known[name].datatype
        if not PARAM_TYPES[datatype].match(value):
            raise usage_error(f"{name}={value!r} is not a valid xsd:{datatype}.",
                              f"{name}={value!r} は xsd:{datatype} として正しくありません。")
        term = ox.NamedNode(value) if datatype == "anyURI" else \
            ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
        out[ox.Variable(name)] = term
    return out


def run(store: ox.Store, query: CatalogueQuery, values: dict[str, str] | None = None) -> ox.QuerySolutions:
    """The query's solutions on ``store``, over the union of its graphs."""
    return store.query(query.text, use_default_graph_as_union=True,
                       substitutions=bindings(query, values or {}) or None)


def run_command(name: str, params: list[str], fmt: str, settings: Settings) -> int:
    """``planlod query NAME``: run a catalogue query on the publication's store (read-only)
    and print the results in ``fmt`` (csv, tsv, json, xml or an aligned text table)."""
    query = get(name)
    values = {}
    for item in params:
        key, sep, value = item.partition("=")
        if not sep:
            raise usage_error(f"--param {item!r}: write NAME=VALUE.", f"--param {item!r}: NAME=VALUE の形で書いてください。")
        values[key.strip()] = value.strip()
    store_dir = settings.out.resolve() / "store"
    if not store_dir.is_dir():
        raise usage_error(f"There is no publication at {settings.out}: run `planlod build` first.",
                          f"{settings.out} に公開物がありません。先に `planlod build` を実行してください。")
    download = settings.out / "downloads" / "queries" / f"{name}.csv"
    if query.download and not values and download.is_file():
        print(f"{name} lists the whole country: its answer is also published as {download} "
              f"/ 全国を並べる問い合わせです。答えは {download} にも公開しています。", file=sys.stderr)
    solutions = run(ox.Store.read_only(str(store_dir)), query, values)
    if fmt == "table":
        sys.stdout.write(table(solutions))
    else:
        sys.stdout.buffer.write(solutions.serialize(format=FORMATS[fmt]))
    sys.stdout.flush()
    return EXIT_OK


def table(solutions: ox.QuerySolutions) -> str:
    """Solutions as an aligned plain-text table: IRIs in full, literals by their value."""
    names = [v.value for v in solutions.variables]
    rows = [["" if s[n] is None else s[n].value for n in names] for s in solutions]
    widths = [max([_width(n)] + [_width(r[i]) for r in rows]) for i, n in enumerate(names)]
    lines = ["  ".join(_pad(n, w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines) + f"\n({len(rows)} rows)\n"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def markdown(queries: list[CatalogueQuery] | None = None) -> str:
    """The catalogue as a Markdown list (the generated section of docs/queries.md)."""
    out = []
    for q in queries or catalogue():
        out += [f"### `{q.name}`", "", f"**{q.title['ja']}** / {q.title['en']}", "",
                q.description["ja"], "", q.description["en"], ""]
        for p in q.params:
            out.append(f"- parameter `{p.name}` (`xsd:{p.datatype}`): {p.description}")
        if q.params:
            out.append("")
        out += [f"`planlod query {q.name}`", ""]
        if q.download:
            out += [f"Whole country: published at every build as `downloads/queries/{q.name}.csv`, "
                    f"next to `downloads/queries/{q.name}.rq`; the query page links them instead of "
                    "running it.", ""]
    return "\n".join(out)


def main() -> int:
    """Rewrite the generated catalogue section of docs/queries.md."""
    doc = ROOT / "docs" / "queries.md"
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(DOC_BEGIN, 1)
    _, tail = rest.split(DOC_END, 1)
    doc.write_text(f"{head}{DOC_BEGIN}\n{markdown()}{DOC_END}{tail}", encoding="utf-8")
    print(f"wrote {doc}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
