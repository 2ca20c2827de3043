"""The baselines, and our side measured the same way; each runs in its own process.

``python -m bench.naive validate-naive DATASETS OUT.json``: one ``pyshacl.validate`` over the
merged rdflib graph of every plan plus the vocabularies (what one would write first).
``python -m bench.naive validate-ours DATASETS OUT.json WORKERS``: our Validator (per plan, in
parallel, fresh cache). Both load and convert first (not timed), then time the validation
alone, and write the set of results (focus, path, source shape, severity).
``python -m bench.naive queries rdflib|oxigraph DATA MIX.json OUT.jsonl [START]``: the query
mix on rdflib (DATA: N-Quads) or on an embedded store (DATA: its folder), once.
``python -m bench.naive build-naive DATASETS OUTDIR``: the naive rdflib build: every plan in
one rdflib Dataset, the all-plans dumps written by rdflib's serializers, then a store.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import SH

from publisher.convert import to_graph
from publisher.load import load_plan, plan_folders
from publisher.namespaces import Iris
from publisher.validate import ROOT, Validator, ontology_files, shape_files


def _graphs(datasets: Path) -> dict[str, Graph]:
    out = {}
    for folder in plan_folders([datasets]):
        src = load_plan(folder)
        out[src.id] = to_graph(src)
    return out


def validate_naive(datasets: Path, out: Path) -> None:
    import pyshacl

    merged = Graph()
    for g in _graphs(datasets).values():
        merged += g
    for f in ontology_files(ROOT):
        merged.parse(f, format="turtle")
    shapes = Graph()
    for f in shape_files(ROOT):
        shapes.parse(f, format="turtle")
    start = time.perf_counter()
    conforms, report, _ = pyshacl.validate(merged, shacl_graph=shapes, inference="none",
                                           advanced=True, allow_warnings=True, allow_infos=True)
    seconds = time.perf_counter() - start
    results = set()
    for r in report.objects(None, SH.result):
        path = report.value(r, SH.resultPath)
        results.add((str(report.value(r, SH.focusNode)), str(path) if isinstance(path, URIRef) else "",
                     str(report.value(r, SH.sourceShape)),
                     str(report.value(r, SH.resultSeverity)).removeprefix(str(SH))))
    _write(out, seconds, len(merged), results)


def validate_ours(datasets: Path, out: Path, workers: int) -> None:
    graphs = _graphs(datasets)
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        reports = Validator(ROOT, Path(cache), workers).validate(graphs)
        seconds = time.perf_counter() - start
    results = {(r.focus, r.path or "", r.shape, r.severity)
               for report in reports.values() for r in report.results}
    _write(out, seconds, sum(len(g) for g in graphs.values()), results)


def _write(out: Path, seconds: float, triples: int, results: set) -> None:
    out.write_text(json.dumps({"seconds": seconds, "triples": triples,
                               "results": sorted(results)}, ensure_ascii=False), encoding="utf-8")


def build_naive(datasets: Path, outdir: Path) -> None:
    """All plans in one rdflib Dataset, dumps by rdflib, store from the N-Quads bytes."""
    import pyoxigraph

    iris = Iris()
    ds = Dataset()
    for pid, g in _graphs(datasets).items():
        target = ds.graph(iris.dataset(pid))
        for t in g:
            target.add(t)
    outdir.mkdir(parents=True, exist_ok=True)
    nq = ds.serialize(format="nquads", encoding="utf-8")
    (outdir / "all.nq").write_bytes(nq)
    (outdir / "all.trig").write_bytes(ds.serialize(format="trig", encoding="utf-8"))
    union = Graph()
    for q in ds.quads((None, None, None, None)):
        union.add(q[:3])
    (outdir / "all.nt").write_bytes(union.serialize(format="nt", encoding="utf-8"))
    (outdir / "all.ttl").write_bytes(union.serialize(format="turtle", encoding="utf-8"))
    (outdir / "all.jsonld").write_bytes(ds.serialize(format="json-ld", encoding="utf-8"))
    store = pyoxigraph.Store(str(outdir / "store"))
    store.bulk_load(nq, pyoxigraph.RdfFormat.N_QUADS)
    print(json.dumps({"quads": len(store)}))


def mix_queries(engine: str, data: Path, mix: Path, out: Path, start: int = 0) -> None:
    """Each query of ``mix`` (JSON list of [name, query]) from position ``start`` on, once, on
    ``engine``: ``rdflib`` (``data``: N-Quads, loaded into a Dataset) or ``oxigraph`` (``data``:
    an embedded store, opened read-only). The first line appended to ``out`` is ``["loaded",
    SECONDS]``, then one ``[name, seconds, rows]`` per query as soon as it is known, so that the
    caller can stop a query that runs too long and start again after it."""
    t = time.perf_counter()
    if engine == "rdflib":
        ds = Dataset(default_union=True)
        ds.parse(data, format="nquads")

        def rows(q: str) -> int:
            result = ds.query(q)
            return 1 if result.type == "ASK" else sum(1 for _ in result)
    else:
        import pyoxigraph

        from .suite import _rows

        store = pyoxigraph.Store.read_only(str(data))

        def rows(q: str) -> int:
            return _rows(store.query(q, use_default_graph_as_union=True))
    with out.open("a", encoding="utf-8") as f:
        f.write(json.dumps(["loaded", time.perf_counter() - t]) + "\n")
        f.flush()
        for name, q in json.loads(mix.read_text(encoding="utf-8"))[start:]:
            t = time.perf_counter()
            n = rows(q)
            f.write(json.dumps([name, time.perf_counter() - t, n]) + "\n")
            f.flush()


def main(argv: list[str]) -> int:
    cmd, *rest = argv
    if cmd == "validate-naive":
        validate_naive(Path(rest[0]), Path(rest[1]))
    elif cmd == "validate-ours":
        validate_ours(Path(rest[0]), Path(rest[1]), int(rest[2]))
    elif cmd == "queries":
        mix_queries(rest[0], Path(rest[1]), Path(rest[2]), Path(rest[3]), int(rest[4]) if rest[4:] else 0)
    elif cmd == "build-naive":
        build_naive(Path(rest[0]), Path(rest[1]))
    else:
        print(f"unknown command {cmd}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
