"""The whole path: load → convert → validate → publish, used by `planlod validate` and `build`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef

from . import __version__
from .convert import to_graph
from .errors import PlanError, SourceError
from .formats import DUMP_FORMATS
from .load import PlanSource, load_plan, plan_folders
from .namespaces import DEFAULT_LICENSE, ONTOLOGY_IRI, Iris
from .progress import Progress
from .publish.catalog import DatasetInfo, FileInfo, catalog_graph, void_graph
from .publish.csvout import CSV_FILE, csv_bytes, csvw_metadata
from .publish.dumps import CONTEXT_FILE, jsonld_context, serialize
from .publish.release import Releases
from .publish.store import load_store
from .settings import Settings
from .validate import CorpusProblem, PlanReport, Validator, corpus_checks, ontology_files

BUILD_INFO = "build-info.json"


@dataclass
class Checked:
    """The outcome of load + convert + validate over a set of plan folders."""

    sources: dict[str, PlanSource]
    graphs: dict[str, Graph]
    reports: dict[str, PlanReport]
    corpus: list[CorpusProblem] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return all(r.conforms for r in self.reports.values()) and not self.corpus


def check(settings: Settings, paths: list[Path] | None = None) -> Checked:
    """Load, convert and validate the plans under ``paths`` (default: the datasets folder).

    Raises SourceError (with every problem of every plan) when a source file is unusable.
    """
    folders = plan_folders(paths or [settings.datasets])
    iris = Iris(settings.base)
    sources: dict[str, PlanSource] = {}
    problems = []
    bar = Progress(len(folders), "load", settings.progress)
    for folder in folders:
        try:
            src = load_plan(folder, settings.max_file_size)
            sources[src.id] = src
        except PlanError as exc:
            problems.extend(exc.problems)
        bar.step(folder.name)
    if problems:
        raise SourceError(problems)
    graphs = {pid: to_graph(src, iris) for pid, src in sorted(sources.items())}
    validator = Validator(settings.root, settings.cache_dir, settings.workers or None)
    bar = Progress(len(graphs), "validate", settings.progress)
    reports = validator.validate(graphs, progress=bar.step)
    return Checked(sources, graphs, reports, corpus_checks(graphs, iris.base))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class BuildResult:
    checked: Checked
    release: Path | None  # None when nothing changed
    changed: bool
    revalidated: list[str]


def build(settings: Settings) -> BuildResult:
    """Validate everything, then publish atomically; a non-conforming corpus publishes nothing."""
    checked = check(settings)
    revalidated = sorted(pid for pid, r in checked.reports.items() if not r.cached)
    if not checked.conforms:
        return BuildResult(checked, None, False, revalidated)
    releases = Releases(settings.out, settings.keep_releases)
    current = releases.current()
    previous = _previous_info(current)
    iris = Iris(settings.base)
    tmp = releases.begin()
    try:
        info = _write_files(settings, checked, iris, tmp, previous)
        digest = info["digest"]
        if previous.get("digest") == digest:
            releases.abort(tmp)
            return BuildResult(checked, current, False, revalidated)
        _write_store(settings, checked, iris, tmp)
        (tmp / BUILD_INFO).write_text(json.dumps(info, ensure_ascii=False, indent=1, sort_keys=True)
                                      + "\n", encoding="utf-8")
        final = releases.commit(tmp, digest[:12])
    except BaseException:
        releases.abort(tmp)
        raise
    return BuildResult(checked, final, True, revalidated)


def _previous_info(current: Path | None) -> dict:
    if current is None or not (current / BUILD_INFO).is_file():
        return {}
    try:
        return json.loads((current / BUILD_INFO).read_text(encoding="utf-8"))
    except ValueError:
        return {}


def _today(settings: Settings) -> str:
    if settings.source_date_epoch is not None:
        return dt.datetime.fromtimestamp(settings.source_date_epoch, dt.UTC).date().isoformat()
    return dt.datetime.now(dt.UTC).date().isoformat()


def _named(iris: Iris, graphs: dict[str, Graph]) -> dict[URIRef, Graph]:
    return {iris.dataset(pid): g for pid, g in graphs.items()}


def _write_files(settings: Settings, checked: Checked, iris: Iris, out: Path,
                 previous: dict) -> dict:
    downloads = out / "downloads"
    (downloads / "plans").mkdir(parents=True)
    files: dict[str, bytes] = {}
    plan_hashes = {}
    bar = Progress(len(checked.graphs) + 2, "write", settings.progress)
    for pid, g in checked.graphs.items():
        named = {iris.dataset(pid): g}
        for ext in DUMP_FORMATS:
            files[f"plans/{pid}.{ext}"] = serialize(named, ext)
        plan_hashes[pid] = _sha256(files[f"plans/{pid}.nq"])
        bar.step(pid)
    all_named = _named(iris, checked.graphs)
    for ext in DUMP_FORMATS:
        files[f"all.{ext}"] = serialize(all_named, ext)
    files[CSV_FILE] = csv_bytes(checked.graphs)
    files[CONTEXT_FILE] = (json.dumps(jsonld_context(), ensure_ascii=False, indent=1) + "\n").encode()
    vocab = Graph()
    for f in ontology_files(settings.root):
        vocab.parse(f, format="turtle")
    files["ontology.ttl"] = serialize({ONTOLOGY_IRI: vocab}, "ttl")
    bar.step("all")
    old_modified = previous.get("modified", {})
    old_hashes = previous.get("plans", {})
    today = _today(settings)
    modified = {pid: old_modified[pid] if old_hashes.get(pid) == h and pid in old_modified else today
                for pid, h in plan_hashes.items()}
    all_modified = max(modified.values(), default=today)

    def info_of(path: str) -> FileInfo:
        return FileInfo(path, len(files[path]), _sha256(files[path]))

    datasets = []
    for pid, src in sorted(checked.sources.items()):
        p = src.plan.data
        title = p["title"] if isinstance(p["title"], str) else p["title"]["ja"]
        title_en = p["title"].get("en", pid) if isinstance(p["title"], dict) else pid
        name = p["municipality"]["name"]
        name_ja = name if isinstance(name, str) else name["ja"]
        datasets.append(DatasetInfo(
            key=pid, title_ja=f"{name_ja} {title}", title_en=title_en,
            description_ja=f"{name_ja}の「{title}」を共通オントロジー mplan で記述したデータ（原文の書き起こし）。",
            description_en=f"The plan '{title_en}' of {name_ja} described with the mplan ontology "
                           "(transcribed from the source document).",
            license=p.get("license", DEFAULT_LICENSE), modified=modified[pid],
            files={ext: info_of(f"plans/{pid}.{ext}") for ext in DUMP_FORMATS},
            municipality=iris.municipality(src.code), municipality_name=name_ja,
            area=URIRef(f"http://data.e-stat.go.jp/lod/sac/C{src.code[:5]}"),
            plan=iris.plan(pid), triples=len(checked.graphs[pid]),
            sources=tuple(iris.in_plan(pid, "source", s["id"]) for s in p["sources"])))
    datasets.append(DatasetInfo(
        key="all", title_ja="全自治体の総合計画", title_en="All municipalities' comprehensive plans",
        description_ja="公開中のすべての計画（1計画1名前付きグラフ）と指標値のCSV。",
        description_en="Every published plan (one named graph per plan) and the indicator values as CSV.",
        license=DEFAULT_LICENSE, modified=all_modified,
        files={**{ext: info_of(f"all.{ext}") for ext in DUMP_FORMATS}, "csv": info_of(CSV_FILE)},
        triples=sum(len(g) for g in checked.graphs.values())))
    files[f"{CSV_FILE}-metadata.json"] = (json.dumps(
        csvw_metadata(CSV_FILE, DEFAULT_LICENSE), ensure_ascii=False, indent=1) + "\n").encode()
    cat = catalog_graph(iris, datasets, all_modified)
    files["catalog.ttl"] = serialize({iris.catalog(): cat}, "ttl")
    files["catalog.jsonld"] = serialize({iris.catalog(): cat}, "jsonld")
    files["void.ttl"] = serialize({iris.catalog(): void_graph(iris, datasets)}, "ttl")
    for path, data in files.items():
        (downloads / path).write_bytes(data)
    sums = "".join(f"{_sha256(files[p])}  {p}\n" for p in sorted(files))
    (downloads / "SHA256SUMS").write_text(sums, encoding="utf-8")
    bar.step("catalog")
    return {"version": __version__, "base": iris.base, "plans": plan_hashes, "modified": modified,
            "digest": _sha256(sums.encode())}


def _write_store(settings: Settings, checked: Checked, iris: Iris, out: Path) -> None:
    downloads = out / "downloads"
    parts = [(downloads / "all.nq").read_bytes()]
    vocab_graphs: dict[URIRef, Graph] = {}
    for f in ontology_files(settings.root):
        g = Graph().parse(f, format="turtle")
        name = ONTOLOGY_IRI if f.name == "mplan.ttl" else URIRef(f"{ONTOLOGY_IRI}/{f.stem}")
        vocab_graphs[name] = g
    parts.append(serialize(vocab_graphs, "nq"))
    cat = Graph().parse(downloads / "catalog.ttl", format="turtle")
    cat += Graph().parse(downloads / "void.ttl", format="turtle")
    parts.append(serialize({iris.catalog(): cat}, "nq"))
    load_store(out / "store", b"".join(parts))
