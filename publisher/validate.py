"""Stage 3, validate: each plan graph against the SHACL shapes, plus corpus-wide checks.

Plans are validated one by one (in parallel across cores), with the ontology and concept
schemes mixed in so that constraints can see level ranks and scheme membership. Results are
cached by the SHA-256 of the plan's canonical N-Triples and of the shapes and vocabularies, so
an unchanged plan is never validated twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from .namespaces import MPLAN
from .workers import process_pool

if TYPE_CHECKING:
    from .fastshacl import Engine

ROOT = Path(__file__).resolve().parent.parent
SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass
class Result:
    """One SHACL result in plain data."""

    severity: str
    focus: str
    path: str | None
    message_ja: str
    message_en: str
    shape: str
    value: str | None = None


@dataclass
class PlanReport:
    """The validation outcome of one plan: conforms (no violation), results, report graph."""

    plan_id: str
    conforms: bool
    results: list[Result]
    report_ttl: str
    cached: bool = False
    located: list[str | None] = field(default_factory=list)  # where each result is in the sources
    reviews: list[list[str]] = field(default_factory=list)  # (where, what) a person should check

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Warning"]


@dataclass
class CorpusProblem:
    kind: str
    iri: str
    message_ja: str
    message_en: str
    plans: list[str] = field(default_factory=list)


def ontology_files(root: Path = ROOT) -> list[Path]:
    return [root / "ontology" / "mplan.ttl", *sorted((root / "ontology" / "vocab").glob("*.ttl"))]


def shape_files(root: Path = ROOT) -> list[Path]:
    return sorted((root / "shapes").glob("*.ttl"))


def files_digest(files: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@cache
def _graph_of(paths: tuple[Path, ...]) -> Graph:
    g = Graph()
    for p in paths:
        g.parse(p, format="turtle")
    return g


def canonical_nt(graph: Graph) -> str:
    """Sorted N-Triples: the canonical text of a graph without blank nodes.

    Split on line feeds only: a literal may hold U+2028, U+2029, U+0085, VT, FF or U+001C to
    U+001E unescaped (N-Triples escapes only LF, CR, quote and backslash), and
    ``str.splitlines`` would cut its triple in two.
    """
    lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").split("\n")
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


@lru_cache(maxsize=256)
def _prepared(text: str) -> Query | None:
    try:
        return prepareQuery(text)
    except Exception:  # e.g. a prefix only the graph binds: let Graph.query parse the text
        return None


class QueryCachingGraph(Graph):
    """A data graph that parses each SPARQL text once.

    pySHACL hands rdflib the text of a SPARQL target or constraint for every shape and focus
    node, and parsing costs far more than evaluating on one plan (tests/test_shapes.py).
    """

    def query(self, query_object, *args, **kwargs):  # type: ignore[no-untyped-def, override]
        if isinstance(query_object, str):
            query_object = _prepared(query_object) or query_object
        return super().query(query_object, *args, **kwargs)


ENGINES = ("fast", "pyshacl")  # the `validator` setting: docs/settings.md


@cache
def _fast_engine(shapes: tuple[Path, ...], ontology: tuple[Path, ...]) -> Engine | None:
    """The shapes compiled once per process, or None when they use a feature the fast engine
    does not run (then every plan is validated with pySHACL)."""
    from .fastshacl import Engine, UnsupportedShapes

    try:
        return Engine(_graph_of(shapes), _graph_of(ontology))
    except UnsupportedShapes:
        return None


def validate_graph(plan_id: str, graph: Graph | str, shapes: tuple[Path, ...],
                   ontology: tuple[Path, ...], engine: str = "fast") -> PlanReport:
    """Validate one plan graph (or its N-Triples written by rdflib) with the shapes; the
    vocabularies are mixed in.

    ``engine`` "fast" is publisher/fastshacl.py, which gives pySHACL's results (checked by
    tests/test_fastshacl.py) and hands over to pySHACL for shapes or data it cannot run exactly;
    "pyshacl" is the reference.
    """
    from .fastshacl import UnsupportedData

    if engine not in ENGINES:
        raise ValueError(f"unknown validator {engine!r}: use one of {', '.join(ENGINES)}")
    fast = _fast_engine(shapes, ontology) if engine == "fast" else None
    if fast is not None:
        try:
            out = fast.validate(graph)
        except UnsupportedData:
            pass
        else:
            return PlanReport(plan_id, out.conforms, _results(out.graph, _graph_of(shapes)),
                              out.graph.serialize(format="turtle"))
    return pyshacl_validate_graph(plan_id, graph, shapes, ontology)


def pyshacl_validate_graph(plan_id: str, graph: Graph | str, shapes: tuple[Path, ...],
                           ontology: tuple[Path, ...]) -> PlanReport:
    """:func:`validate_graph` with pySHACL, the reference engine.

    The vocabularies are added to the data itself (pySHACL's ont_graph mixes in only RDFS/OWL
    axioms, not SKOS concepts), so that constraints see level ranks and scheme membership. The
    data graph is built here, so pySHACL may work on it in place instead of copying it.
    """
    import pyshacl

    data = QueryCachingGraph()
    data += _graph_of(ontology)
    if isinstance(graph, str):
        data.parse(data=graph, format="nt")
    else:
        data += graph
    conforms, report, _ = pyshacl.validate(
        data, shacl_graph=_graph_of(shapes), inference="none", advanced=True,
        allow_warnings=True, allow_infos=True, inplace=True)
    return PlanReport(plan_id, bool(conforms), _results(report, _graph_of(shapes)),
                      report.serialize(format="turtle"))


def _validate_one(args: tuple[str, str, tuple[Path, ...], tuple[Path, ...], str]) -> PlanReport:
    return validate_graph(*args)


def _results(report: Graph, shapes: Graph) -> list[Result]:
    """The top-level results (not the sh:detail of nested ones), with the ja and en messages of
    their shape: pySHACL drops the language tag of messages from SPARQL-based constraints."""
    out = []
    for node in report.objects(None, SH.result):
        shape = report.value(node, SH.sourceShape)
        msgs = list(shapes.objects(shape, SH.message)) or list(report.objects(node, SH.resultMessage))
        ja = next((str(m) for m in msgs if isinstance(m, Literal) and m.language == "ja"), "")
        en = next((str(m) for m in msgs if isinstance(m, Literal) and m.language != "ja"), "")
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        out.append(Result(
            severity=SEVERITIES.get(report.value(node, SH.resultSeverity), "Violation"),
            focus=str(report.value(node, SH.focusNode)),
            path=str(path) if isinstance(path, URIRef) else None,
            message_ja=ja or en, message_en=en or ja,
            shape=str(report.value(node, SH.sourceShape)),
            value=str(value) if value is not None else None))
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    return sorted(out, key=lambda r: (order[r.severity], r.focus, r.path or "", r.shape, r.value or ""))


class Validator:
    """Validates plan graphs with a cache; ``workers`` processes validate in parallel."""

    def __init__(self, root: Path = ROOT, cache_dir: Path | None = None, workers: int | None = None,
                 engine: str = "fast"):
        if engine not in ENGINES:
            raise ValueError(f"unknown validator {engine!r}: use one of {', '.join(ENGINES)}")
        self.shapes = tuple(shape_files(root))
        self.ontology = tuple(p for p in ontology_files(root) if p.exists())
        self.cache_dir = cache_dir
        self.workers = workers or min(os.cpu_count() or 1, 8)
        self.engine = engine
        # the engine is part of every cache key: switching engines never serves the other's report
        self.rules_digest = hashlib.sha256(
            (files_digest(self.shapes + self.ontology) + "\0" + engine).encode()).hexdigest()

    def _key(self, data_nt: str) -> str:
        return hashlib.sha256((self.rules_digest + data_nt).encode("utf-8")).hexdigest()

    def validate(self, graphs: dict[str, Graph],
                 progress: Callable[[str], None] | None = None) -> dict[str, PlanReport]:
        """Reports by plan id. Unchanged plans come from the cache (``cached`` is True)."""
        reports: dict[str, PlanReport] = {}
        todo = []
        for plan_id, graph in graphs.items():
            nt = canonical_nt(graph)
            key = self._key(nt)
            hit = self._cache_get(key)
            if hit is not None:
                hit.cached = True
                reports[plan_id] = hit
                if progress:
                    progress(plan_id)
            else:
                todo.append((key, (plan_id, nt, self.shapes, self.ontology, self.engine)))
        if len(todo) > 1 and self.workers > 1:
            with process_pool(min(self.workers, len(todo))) as pool:
                for (key, _args), report in zip(todo, pool.map(_validate_one, [a for _, a in todo]),
                                               strict=True):
                    self._finish(key, report, reports, progress)
        else:  # in this process: pySHACL takes the graph itself, the fast engine N-Triples
            for key, (plan_id, nt, shapes, ontology, engine) in todo:
                data = nt if engine == "fast" else graphs[plan_id]
                report = validate_graph(plan_id, data, shapes, ontology, engine)
                self._finish(key, report, reports, progress)
        return reports

    def _finish(self, key: str, report: PlanReport, reports: dict[str, PlanReport],
                progress: Callable[[str], None] | None) -> None:
        reports[report.plan_id] = report
        self._cache_put(key, report)
        if progress:
            progress(report.plan_id)

    def _cache_get(self, key: str) -> PlanReport | None:
        if not self.cache_dir:
            return None
        f = self.cache_dir / "validation" / f"{key}.json"
        if not f.is_file():
            return None
        try:
            d = json.loads(f.read_text(encoding="utf-8"))
            return PlanReport(d["plan_id"], d["conforms"], [Result(**r) for r in d["results"]],
                              d["report_ttl"])
        except (ValueError, KeyError, TypeError):
            return None

    def _cache_put(self, key: str, report: PlanReport) -> None:
        if not self.cache_dir:
            return
        d = self.cache_dir / "validation"
        d.mkdir(parents=True, exist_ok=True)
        tmp = d / f".{key}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({
            "plan_id": report.plan_id, "conforms": report.conforms,
            "results": [r.__dict__ for r in report.results], "report_ttl": report.report_ttl,
        }, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, d / f"{key}.json")


@dataclass
class CorpusIndex:
    """What the corpus checks need of one plan, small enough to keep for every plan of Japan.

    A plan's own IRIs live under ``<base>plan/<plan id>``, so two plans can only define the
    same IRI, or link to each other, through IRIs outside their own namespace: those are all
    that is kept, with the links into the plan's own namespace that the plan itself does not
    define. The full list of a plan's typed IRIs is looked up only when another plan points
    into its namespace.
    """

    foreign: list[str]  # typed IRIs outside the plan's own namespace
    shared: list[str]  # typed IRIs that plans may share (municipalities, departments)
    links_out: list[str]  # links under <base>plan/ outside the plan's own namespace
    unresolved: list[str]  # links into its own namespace that the plan does not define


def corpus_index(graph: Graph, base: str, plan_id: str) -> tuple[CorpusIndex, list[str]]:
    """The plan's :class:`CorpusIndex`, and every typed IRI it defines (sorted)."""
    own = f"{base}plan/{plan_id}"
    typed = sorted({str(s) for s, o in graph.subject_objects(RDF.type) if isinstance(s, URIRef)})
    defined = set(typed)
    shared = sorted(s for s in typed if "/unit/" in s or (URIRef(s), RDF.type, MPLAN.Municipality) in graph)
    links = sorted({str(o) for o in graph.objects() if isinstance(o, URIRef) and str(o).startswith(base + "plan/")})

    def is_own(iri: str) -> bool:
        return iri == own or iri.startswith(own + "/")

    return CorpusIndex(
        foreign=[s for s in typed if not is_own(s)], shared=shared,
        links_out=[o for o in links if not is_own(o)],
        unresolved=[o for o in links if is_own(o) and o not in defined]), typed


def corpus_problems(indexes: dict[str, CorpusIndex], typed_of: Callable[[str], set[str]],
                    base: str) -> list[CorpusProblem]:
    """Checks across plans over their :class:`CorpusIndex` (plans in the order given; the
    first plan to define an IRI owns it): a resource defined by two plans, links to resources
    nobody defines. ``typed_of(plan_id)`` gives every typed IRI of a plan."""
    prefix = base + "plan/"

    def home(iri: str) -> str | None:
        pid = iri[len(prefix):].split("/", 1)[0] if iri.startswith(prefix) else None
        return pid if pid in indexes else None

    order = {pid: i for i, pid in enumerate(indexes)}
    foreign = {iri for ix in indexes.values() for iri in ix.foreign}
    definers: dict[str, set[str]] = {}
    for pid, ix in indexes.items():
        shared = set(ix.shared)
        for iri in ix.foreign:
            if iri not in shared:  # municipalities and departments are shared by a city's plans
                definers.setdefault(iri, set()).add(pid)
    for iri, pids in definers.items():
        h = home(iri)
        if h is not None and iri not in indexes[h].shared and iri in typed_of(h):
            pids.add(h)
    duplicates = []
    for iri, pids in definers.items():
        first, *later = sorted(pids, key=order.__getitem__)
        duplicates.extend((order[pid], iri, CorpusProblem(
            "duplicate-iri", iri, f"IRI が2つの計画で定義されています: {iri}",
            f"the IRI {iri} is defined by two plans", [first, pid])) for pid in later)
    dangling = []
    for pid, ix in indexes.items():
        for link in sorted({*ix.unresolved, *ix.links_out}):
            h = None if link in foreign else home(link)
            if link in foreign or (h is not None and link in typed_of(h)):
                continue
            dangling.append((order[pid], link, CorpusProblem(
                "dangling-link", link, f"リンク先が存在しません: {link}",
                f"the link target {link} does not exist", [pid])))
    return [p for *_, p in sorted(duplicates)] + [p for *_, p in sorted(dangling)]


def corpus_checks(graphs: dict[str, Graph], base: str) -> list[CorpusProblem]:
    """Checks across plans: a resource defined by two plans, links to resources nobody defines."""
    pairs = {pid: corpus_index(g, base, pid) for pid, g in graphs.items()}
    return corpus_problems({pid: ix for pid, (ix, _) in pairs.items()},
                           lambda pid: set(pairs[pid][1]), base)
