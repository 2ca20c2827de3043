"""The SPARQL endpoint's work: checks, query kind, limits and result writing.

:func:`execute` runs in a worker process of :mod:`publisher.web.pool` (so that the time limit
can stop it for real) against a read-only store. It refuses what a public endpoint must not do
before the store sees the query:

- ``SERVICE`` (a request to another host on the client's behalf; pyoxigraph would make it).
  Two independent checks, either one refuses: a SPARQL tokenizer that finds the ``SERVICE``
  keyword outside strings, IRIs and comments (after the codepoint escapes SPARQL allows
  anywhere, under both readings of "<"), and rdflib's SPARQL parser, whose parse tree must
  hold no ``ServiceGraphPattern``; a query rdflib cannot read is not run (it fails closed).
  Both run only on a query whose text holds the word "service" somewhere (in any case, after
  the escapes): without it there is nothing to find, and the parse (tens of milliseconds) is
  not paid.
  As a third line the worker runs in a network namespace of its own where the platform allows.
- updates: the store is read-only, and the protocol layer refuses update requests first.

Then the query runs; the kind (SELECT, ASK, CONSTRUCT/DESCRIBE) comes from the result, the
format from :func:`publisher.web.conneg.negotiate`, and at most ``max_rows`` rows (or triples)
are read and written. Errors come back as data (an :class:`Answer` with a status ≥ 400 and
the parser's message), never as a traceback.

>>> uses_service("SELECT * { ?s ?p 'SERVICE' } # SERVICE <x> {}")
False
>>> uses_service("select * { FILTER EXISTS { service <http://127.0.0.1:9/> { ?s ?p ?o } } }")
True
>>> uses_service(r"SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
True
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from .conneg import ASK_OFFERS, RDF_OFFERS, SELECT_OFFERS, negotiate
from .renderers.rdf import render_rdf
from .renderers.results import RESULT_WRITERS, truncated_link
from .sparql_text import Shape, explain, keywords, read_shape, unescape_codepoints

TRUNCATED_HEADER = "X-SPARQL-Truncated"
MAX_ROWS_HEADER = "X-SPARQL-Max-Rows"
MAX_BYTES_HEADER = "X-SPARQL-Max-Bytes"


@dataclass(frozen=True)
class QueryJob:
    """One /sparql request, as plain data a worker process can receive."""

    query: str
    accept: str | None = None
    override: str | None = None
    default_graphs: tuple[str, ...] | None = None  # None: the protocol named none
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None
    shape: Shape | None = None  # what the server's tokenizer read (else read again here)
    max_rows: int = 10_000
    max_bytes: int = 50_000_000  # of the terms written; the rows are cut (and flagged) beyond


@dataclass
class Answer:
    """What a worker sends back: a status, a media type, bytes, headers; or an error."""

    status: int
    media_type: str = "application/json"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    code: str = ""
    message_en: str = ""
    message_ja: str = ""

    @classmethod
    def error(cls, status: int, code: str, en: str, ja: str) -> Answer:
        return cls(status, code=code, message_en=en, message_ja=ja)


# --- SERVICE refusal -----------------------------------------------------------------------

def _parse_tree_has_service(query: str) -> bool:
    """True if rdflib's SPARQL parser finds a SERVICE pattern; False if none or if it cannot
    parse the query (the tokenizer check and Oxigraph's own parser still apply)."""
    try:
        from pyparsing import ParseResults
        from rdflib.plugins.sparql.parser import parseQuery
        from rdflib.plugins.sparql.parserutils import CompValue
    except ImportError:  # pragma: no cover - rdflib is a dependency
        return False
    try:
        tree = parseQuery(query)
    except (RecursionError, MemoryError) as exc:  # fail closed: what it cannot read is not run
        raise Unchecked(type(exc).__name__) from None
    except Exception as exc:
        raise Unchecked(" ".join(str(exc).split()) or type(exc).__name__) from None

    def walk(node: object) -> bool:  # as deep as the parse, which the recursion limit allowed
        if isinstance(node, CompValue):
            return node.name == "ServiceGraphPattern" or any(walk(v) for v in node.values())
        if isinstance(node, list | tuple | ParseResults):
            return any(walk(v) for v in node)
        return False

    return walk(tree)


def names_dataset(query: str) -> bool:
    """Does the query name its own dataset (FROM or FROM NAMED)?

    >>> names_dataset("SELECT * FROM <urn:g> { ?s ?p ?o }"), names_dataset("SELECT * { ?s ?p 'FROM' }")
    (True, False)
    """
    return read_shape(query).names_dataset


# rdflib's parser (pyparsing) recurses about thirty frames per level of nesting: Python's
# default limit of 1,000 stops it near 30 levels, far below max_query_depth. The processes
# that run queries (the /sparql workers, `planlod query`) raise the limit at their start.
PARSER_RECURSION_LIMIT = 20_000


class Unchecked(Exception):
    """rdflib's parser could not read the query (syntax it does not know, or no stack or
    memory left): its SERVICE check cannot be made, so the query is not run."""


def uses_service(query: str, shape: Shape | None = None) -> bool:
    """Does ``query`` ask for a SERVICE (federated) pattern? Either check suffices to refuse:
    the tokenizer's (``shape``, if it has already read the query) and the parse tree's;
    raises :class:`Unchecked` when the parse-tree check cannot finish."""
    if not _SERVICE_ANYWHERE.search(unescape_codepoints(query)):
        return False  # no such word anywhere, not even in a string, an IRI or a comment
    word = shape.service if shape is not None else "SERVICE" in keywords(query)
    return word or _parse_tree_has_service(query)


# The word anywhere in the text, whatever the tokens: without it, neither check can find a
# SERVICE pattern, and rdflib's parser (39 ms for a catalogue query) is not asked.
_SERVICE_ANYWHERE = re.compile("service", re.IGNORECASE)


def refusal(query: str, shape: Shape | None = None, offline: bool = False) -> Answer | None:
    """The answer to a query we do not run (SERVICE, or unreadable by the second check), else
    None. For a query the second check cannot read, the syntax error Oxigraph gives is the
    clearer one: it is asked for only ``offline`` (in a worker without network, since
    Oxigraph runs what it parses, SERVICE included), else rdflib's is explained."""
    try:
        return SERVICE_REFUSED if uses_service(query, shape) else None
    except Unchecked as exc:
        if offline:
            try:
                ox.Store().query(query)
            except SyntaxError as error:
                return syntax_error(query, error)
            except Exception:  # noqa: S110  # it parsed; the refusal below stands
                pass
        en, ja = explain(query, str(exc)).message()
        return Answer.error(
            400, "syntax", en + " Every query is read by two parsers before it runs; this one "
            "could not be read by the second (SPARQL 1.1).",
            ja + " クエリは実行前に 2 つのパーサーで読みます。2 つ目（SPARQL 1.1）が読めませんでした。")


SERVICE_REFUSED = Answer.error(
    400, "service_refused",
    "SERVICE is not allowed: this public endpoint does not send requests to other hosts. "
    "Query the other endpoint yourself and combine the results, or download our dumps.",
    "SERVICE は使えません。この公開エンドポイントは利用者に代わって他のサーバーへ問い合わせません。"
    "相手のエンドポイントに直接問い合わせるか、ダンプをダウンロードして組み合わせてください。")


# --- execution ------------------------------------------------------------------------------

def _dataset(job: QueryJob) -> dict:
    """The dataset as the SPARQL 1.1 Protocol says: the request's graphs if it names some,
    else the query's own (FROM, FROM NAMED), else ours: the union of all graphs."""
    if job.default_graphs is None and job.named_graphs is None:
        named = job.shape.names_dataset if job.shape else names_dataset(job.query)
        return {} if named else {"use_default_graph_as_union": True}
    return {"default_graph": [ox.NamedNode(g) for g in job.default_graphs or ()],
            "named_graphs": [ox.NamedNode(g) for g in job.named_graphs or ()]}


def _truncated(headers: dict[str, str], max_rows: int) -> None:
    headers[TRUNCATED_HEADER] = "true"
    headers[MAX_ROWS_HEADER] = str(max_rows)


def _bytes(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def size_of(term: object) -> int:
    """The UTF-8 bytes of a term's text (its value, and its datatype or language), plus a
    little for the syntax around it: what the byte budget counts, so that a few rows of huge
    strings are cut like many rows. (Escaping in the written answer can add to it.)"""
    if isinstance(term, ox.Literal):
        extra = len(term.language) if term.language else len(term.datatype.value)
        return _bytes(term.value) + extra + 8
    if isinstance(term, ox.Triple):
        return size_of(term.subject) + size_of(term.predicate) + size_of(term.object)
    return _bytes(getattr(term, "value", "")) + 8


def execute(store: ox.Store, job: QueryJob, offline: bool = False) -> Answer:
    """Check, run and write one query; every outcome is an :class:`Answer`. ``offline``: this
    process has no network (a worker in a network namespace of its own)."""
    if (refused := refusal(job.query, job.shape, offline)) is not None:
        return refused
    # The query runs in a frame of its own: rdflib's parser (pyparsing) keeps exceptions, and
    # so this frame, alive for a while; pyoxigraph results must be freed in the thread that
    # made them, which _run's own frame guarantees.
    return _run(store, job)


def _run(store: ox.Store, job: QueryJob) -> Answer:
    try:
        result = store.query(job.query, base_iri=job.base_iri, **_dataset(job))
    except SyntaxError as exc:
        return syntax_error(job.query, exc)
    except ValueError as exc:
        return Answer.error(400, "bad_query", f"The query cannot be run: {exc}",
                            f"このクエリは実行できません: {exc}")
    return render(result, job)


def syntax_error(query: str, exc: SyntaxError) -> Answer:
    """A 400 that says what is wrong in the user's terms, with the parser's words as detail."""
    en, ja = explain(query, str(exc)).message()
    return Answer.error(400, "syntax", en, ja)


def memory_budget(mb: int) -> Answer:
    return Answer.error(
        503, "memory_budget",
        f"The query needed more memory than the {mb} MB one query may use, and was stopped. "
        "Narrow it (more specific patterns, LIMIT, no ORDER BY over everything) or download the "
        "dumps.",
        f"クエリが 1 件あたりのメモリ上限 {mb} MB を超えたため停止しました。条件を絞る（LIMIT、"
        "より具体的なパターン、全件の ORDER BY を避ける）か、ダンプをダウンロードしてください。")


@dataclass
class Solutions:
    """SELECT results from elsewhere (a remote store): the variables and the rows (name → term,
    unbound names left out). ``truncated``: the source itself cut the rows (a store's own row
    limit), known once the rows are read."""

    variables: list[str]
    rows: Iterable[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple]]
    truncated: Callable[[int], bool] = lambda count: False


def _solution_rows(result: ox.QuerySolutions, names: list[str]) -> Iterator[dict]:
    for solution in result:
        row = {}
        for name in names:
            value = solution[name]
            if value is not None:
                row[name] = value
        yield row


def render(result: ox.QueryBoolean | ox.QuerySolutions | ox.QueryTriples | Solutions | bool
           | Iterable[ox.Triple], job: QueryJob) -> Answer:
    """Write a query result in the negotiated format, at most ``job.max_rows`` rows or triples.

    ``result`` is what pyoxigraph's ``Store.query`` gives, or the same parsed from a remote
    store's answer: a bool (ASK), :class:`Solutions` (SELECT), an iterable of triples
    (CONSTRUCT, DESCRIBE). Errors met while reading it become 400 answers (the embedded store
    evaluates lazily); a remote reader raises its own exception type for failures of the store.
    """
    headers = {MAX_ROWS_HEADER: str(job.max_rows), MAX_BYTES_HEADER: str(job.max_bytes)}
    spent = 0
    try:
        if isinstance(result, ox.QueryBoolean | bool):
            offer = negotiate(ASK_OFFERS, job.accept, job.override)
            if offer is None:
                return _not_acceptable(ASK_OFFERS)
            writer = RESULT_WRITERS[offer.key]
            assert writer.boolean is not None
            return Answer(200, writer.media_type, writer.boolean(bool(result)), headers)
        if not isinstance(result, ox.QuerySolutions | Solutions):
            offer = negotiate(RDF_OFFERS, job.accept, job.override)
            if offer is None:
                return _not_acceptable(RDF_OFFERS)
            triples = []
            for triple in result:
                spent += size_of(triple)
                if len(triples) == job.max_rows or spent > job.max_bytes:
                    _truncated(headers, job.max_rows)
                    break
                triples.append(triple)
            return Answer(200, offer.media_type, render_rdf(triples, offer.key), headers)
        offer = negotiate(SELECT_OFFERS, job.accept, job.override)
        if offer is None:
            return _not_acceptable(SELECT_OFFERS)
        if isinstance(result, Solutions):
            names, source, cut = list(result.variables), result.rows, result.truncated
        else:
            names = [v.value for v in result.variables]
            source, cut = _solution_rows(result, names), Solutions.truncated
        rows = []
        for row in source:
            spent += sum(size_of(v) + len(k) for k, v in row.items()) + 8
            if len(rows) == job.max_rows or spent > job.max_bytes:
                _truncated(headers, job.max_rows)
                break
            rows.append(row)
        else:
            if cut(len(rows)):
                _truncated(headers, job.max_rows)
        link = truncated_link(job.base_iri) if TRUNCATED_HEADER in headers else None
        writer = RESULT_WRITERS[offer.key]
        return Answer(200, writer.media_type, writer.select(names, rows, link), headers)
    except (SyntaxError, ValueError, TypeError) as exc:
        return Answer.error(400, "evaluation", f"The query failed: {exc}",
                            f"クエリの実行に失敗しました: {exc}")
    except OSError as exc:
        return Answer.error(500, "store", f"The store could not be read: {exc}",
                            f"ストアを読めませんでした: {exc}")


def _not_acceptable(offers: tuple) -> Answer:
    listed = ", ".join(o.media_type for o in offers)
    return Answer.error(406, "not_acceptable",
                        f"None of the requested media types fits this result; available: {listed}",
                        f"要求された形式ではこの結果を返せません。利用できる形式: {listed}")
