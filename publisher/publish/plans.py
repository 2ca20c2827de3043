"""Everything the build does for one plan, in one worker, cached by the plan's content hash.

For each plan folder :func:`process_plan` loads, converts and validates the plan, then writes
its five dumps, its rows of the indicators CSV and of the catalogue queries published as
downloads (publish/answers.py) into a cache folder named by the SHA-256 of
its source files (and of the code and rules that turn them into output). A plan whose files
have not changed is neither loaded, nor validated, nor serialised again: the build links its
cached files into the new release. The main process only ever sees small summaries
(:class:`PlanSummary`), never the graphs, so memory does not grow with the corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PlanError, Problem, SourceError
from ..fiscal import parse_fiscal
from ..formats import DUMP_FORMATS
from ..namespaces import Iris
from ..queries import QUERIES
from ..sources import default_root, read_source, source_files
from ..validate import CorpusIndex, PlanReport, Result, Validator, corpus_index, files_digest
from .answers import downloaded, has_plan_rows, write_plan_rows

if TYPE_CHECKING:
    from ..load import PlanSource

PACKAGE = Path(__file__).resolve().parents[1]
ROWS_FILE = "rows.csv"
TABLE_ROWS_FILE = "tables.json"  # the plan's rows of tables.sqlite (publish/tables.py)
VIEW_ROWS_FILE = "views.json"  # the plan's rows of views.sqlite (publish/views.py)
META_FILE = "meta.json"
TYPED_FILE = "typed.json"  # every typed IRI of the plan, read only when another plan points in
ARTIFACT_VERSION = "5"
# the modules whose code decides a plan's files (the cache key includes their text)
CODE_MODULES = ("load", "sources", "yamlsrc", "convert", "fiscal", "namespaces", "formats", "errors",
                "validate", "publish/plans", "publish/dumps", "publish/context", "publish/csvout",
                "publish/tables", "publish/views", "publish/compose", "publish/answers", "queries",
                "registry/__init__")


@cache
def code_digest() -> str:
    """SHA-256 of the code that turns a plan folder into its files: a change re-does every plan."""
    files = [PACKAGE / f"{name}.py" for name in CODE_MODULES]
    files += sorted((PACKAGE / "schemas").glob("*.json"))
    files.append(PACKAGE / "registry" / "local-governments.csv")  # plans are checked against it
    files += [QUERIES / f"{q.name}.rq" for q in downloaded()]  # each plan's rows of their answers
    return files_digest(files)


def _salt(base: str, rules_digest: str, max_file_size: int) -> list[str]:
    return [ARTIFACT_VERSION, code_digest(), rules_digest, base, str(max_file_size)]


def artifact_key(folder: Path, base: str, rules_digest: str, max_file_size: int) -> str:
    """The cache key of a plan folder: its files, the code, the rules and the settings.

    The files are those the loader reads, read as it reads them (:mod:`publisher.sources`);
    a file it refuses (not a regular file, outside the datasets folder, too large) counts
    by name and reason, so a folder holding one never has the key of a folder that built.
    """
    root = default_root(folder)
    entries = []
    for f in source_files(folder):
        try:
            entries.append((f.name, hashlib.sha256(read_source(f, root, max_file_size)).digest()))
        except SourceError as exc:
            entries.append((f.name, b"refused\0" + ",".join(p.code for p in exc.problems).encode()))
    return _key(folder.name, _salt(base, rules_digest, max_file_size), entries)


def _key(name: str, salt: list[str], entries: list[tuple[str, bytes]]) -> str:
    """The key of a plan folder called ``name`` from the digest of each of its files."""
    h = hashlib.sha256()
    for part in (*salt, name):
        h.update(part.encode() + b"\0")
    for file_name, digest in entries:
        h.update(file_name.encode() + b"\0" + digest)
    return h.hexdigest()


def loaded_key(source: PlanSource, base: str, rules_digest: str, max_file_size: int) -> str:
    """The cache key of the bytes the loader read: :func:`artifact_key`, unless a file
    changed between the two readings."""
    entries = [(f.name, source.digests[f.name]) for f in source.files]
    return _key(source.folder.name, _salt(base, rules_digest, max_file_size), entries)


def _file_stats(f: Path) -> list:
    """What tells that a source file changed: where it resolves, its size, times, inode and
    kind (None for one that cannot be reached: the loader reports it)."""
    try:
        st = os.stat(f)
    except OSError:
        return [f.name, None]
    return [f.name, os.path.realpath(f), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_mode]


KEYS_FILE = "keys.json"
SETTLED_NS = 2 * 10**9  # a file changed this close to when a key was remembered is read again


class Keys:
    """Plan folders' cache keys, remembered with the name, size, times, inode, kind and resolved
    path of each file they were computed from, so that a folder whose files did not change is
    not read again (git's index does the same). A remembered key is used only if every file
    had last changed well before it was remembered: a file changed within the same clock tick
    as it was read could otherwise look unchanged."""

    def __init__(self, cache_dir: Path, base: str, rules_digest: str, max_file_size: int):
        self.path = cache_dir / "plans" / KEYS_FILE
        self.args = (base, rules_digest, max_file_size)
        self.salt = _salt(*self.args)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            ok = data["salt"] == self.salt
            self.written, self.entries = (data["written"], data["folders"]) if ok else (0, {})
        except (OSError, ValueError, KeyError, TypeError):
            self.written, self.entries = 0, {}
        self.seen: dict[str, dict] = {}

    def key(self, folder: Path) -> str:
        stats = [_file_stats(f) for f in source_files(folder)]
        entry = self.entries.get(str(folder))
        if (entry is not None and entry["files"] == stats
                and all(st[1] is not None and max(st[3], st[4]) < self.written - SETTLED_NS
                        for st in stats)):
            key = entry["key"]
        else:
            key = artifact_key(folder, *self.args)
        self.seen[str(folder)] = {"files": stats, "key": key}
        return key

    def save(self) -> None:
        """Remember the keys of the folders seen, and of those seen before that still exist
        (`planlod validate` of one folder keeps the others' keys; a removed folder is forgotten)."""
        kept = {f: e for f, e in self.entries.items() if f not in self.seen and os.path.isdir(f)}
        if {**kept, **self.seen} == self.entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{KEYS_FILE}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"salt": self.salt, "written": time.time_ns(), "folders": {**kept, **self.seen}}),
                       encoding="utf-8")
        os.replace(tmp, self.path)


@dataclass
class PlanSummary:
    """What the build needs of one plan besides its files: no graph, only plain data."""

    plan_id: str
    folder: str
    key: str
    code: str
    title: Any
    municipality_name: Any
    license: str | None
    source_ids: list[str]
    triples: int
    files: dict[str, tuple[int, str]]  # extension -> (size, sha256)
    report: dict[str, Any]
    period: list[int] | None = None  # the fiscal years the plan period starts and ends in
    corpus: dict[str, list[str]] = field(default_factory=dict)  # its validate.CorpusIndex
    revalidated: bool = False

    def corpus_index(self) -> CorpusIndex:
        return CorpusIndex(**self.corpus)

    def plan_report(self) -> PlanReport:
        r = self.report
        return PlanReport(r["plan_id"], r["conforms"], [Result(**x) for x in r["results"]],
                          r["report_ttl"], cached=not self.revalidated, located=r["located"],
                          reviews=r["reviews"])


def _dir(cache_dir: Path, key: str) -> Path:
    return cache_dir / "plans" / key[:2] / key


def plan_dir(cache_dir: Path, key: str) -> Path:
    """The cache folder of a processed plan."""
    return _dir(cache_dir, key)


def cached_summary(cache_dir: Path, key: str) -> PlanSummary | None:
    """The summary of a plan processed before with the same key, if its files are all there."""
    d = _dir(cache_dir, key)
    try:
        meta = json.loads((d / META_FILE).read_text(encoding="utf-8"))
        summary = PlanSummary(**meta)
    except (OSError, ValueError, TypeError):
        return None
    if not (d / TYPED_FILE).is_file() or (not all((d / f"plan.{ext}").is_file() and (d / f"all-part.{ext}.gz").is_file()
                for ext in DUMP_FORMATS) or not (d / ROWS_FILE).is_file() or not (d / TABLE_ROWS_FILE).is_file()
            or not (d / VIEW_ROWS_FILE).is_file() or not has_plan_rows(d)):
        return None
    summary.revalidated = False
    return summary


def plan_file(cache_dir: Path, key: str, ext: str) -> Path:
    return _dir(cache_dir, key) / f"plan.{ext}"


def member_file(cache_dir: Path, key: str, ext: str) -> Path:
    """The plan's piece of ``all.<ext>.gz``: a gzip member (see publish/compose.py)."""
    return _dir(cache_dir, key) / f"all-part.{ext}.gz"


def typed_iris(cache_dir: Path, key: str) -> set[str]:
    """Every typed IRI a processed plan defines."""
    return set(json.loads((_dir(cache_dir, key) / TYPED_FILE).read_text(encoding="utf-8")))


def rows_file(cache_dir: Path, key: str) -> Path:
    return _dir(cache_dir, key) / ROWS_FILE


def _fiscal_years(period: dict[str, Any] | None) -> list[int] | None:
    """The first and last fiscal year of a plan period that gives both, else None."""
    if not period or "start" not in period or "end" not in period:
        return None
    return [parse_fiscal(period["start"]).fiscal_year, parse_fiscal(period["end"]).fiscal_year]


def view_rows(cache_dir: Path, key: str) -> dict[str, list]:
    """The plan's rows of views.sqlite."""
    return json.loads((_dir(cache_dir, key) / VIEW_ROWS_FILE).read_text(encoding="utf-8"))


def table_rows(cache_dir: Path, key: str) -> dict[str, list[list]]:
    """The plan's rows of every table of tables.sqlite."""
    return json.loads((_dir(cache_dir, key) / TABLE_ROWS_FILE).read_text(encoding="utf-8"))


@cache
def _validator(root: Path, cache_dir: Path, engine: str) -> Validator:
    return Validator(root, cache_dir, workers=1, engine=engine)


def process_plan(job: tuple[Path, str, Path, Path, str, int, str]) -> PlanSummary | list[Problem]:
    """Load, convert, validate and serialise one plan into the cache; return its summary.

    A plan whose source files cannot be used returns its problems instead. Runs in a worker
    process: everything it needs comes in ``job``, everything it makes goes to the cache.
    """
    from ..convert import to_graph
    from ..load import load_plan
    from ..locate import findings
    from .compose import plan_members
    from .csvout import csv_rows_bytes
    from .dumps import prefix_header, serialize_all
    from .tables import plan_rows_bytes
    from .views import plan_view_rows_bytes

    folder, key, root, cache_dir, base, max_file_size, engine = job
    try:
        source = load_plan(folder, max_file_size)
    except PlanError as exc:
        return list(exc.problems)
    validator = _validator(root, cache_dir, engine)
    # the files are cached under the key of the bytes loaded (``key`` unless a file changed since)
    key = loaded_key(source, base, validator.rules_digest, max_file_size)
    iris = Iris(base)
    graph = to_graph(source, iris)
    report = validator.validate({source.id: graph})[source.id]
    located, reviews = findings(source, iris, report.results)
    d = _dir(cache_dir, key)
    tmp = d.with_name(f".{key}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    named = {iris.dataset(source.id): graph}
    files = {}
    dumps = serialize_all(named, DUMP_FORMATS)
    for ext, data in dumps.items():
        (tmp / f"plan.{ext}").write_bytes(data)
        files[ext] = (len(data), hashlib.sha256(data).hexdigest())
    for ext, data in plan_members(iris.dataset(source.id), dumps, prefix_header("ttl")).items():
        (tmp / f"all-part.{ext}.gz").write_bytes(data)
    (tmp / ROWS_FILE).write_bytes(csv_rows_bytes(source.id, graph))
    (tmp / TABLE_ROWS_FILE).write_bytes(plan_rows_bytes(source.id, graph))
    (tmp / VIEW_ROWS_FILE).write_bytes(plan_view_rows_bytes(graph))
    write_plan_rows(tmp, dumps["nq"], source.code, iris)
    index, typed = corpus_index(graph, iris.base, source.id)
    (tmp / TYPED_FILE).write_text(json.dumps(typed), encoding="utf-8")
    p = source.plan.data
    summary = PlanSummary(
        plan_id=source.id, folder=str(folder), key=key, code=source.code, title=p["title"],
        municipality_name=p["municipality"]["name"], license=p.get("license"),
        source_ids=[s["id"] for s in p["sources"]], triples=len(graph), files=files,
        period=_fiscal_years(p.get("period")),
        report={"plan_id": report.plan_id, "conforms": report.conforms,
                "results": [r.__dict__ for r in report.results], "report_ttl": report.report_ttl,
                "located": located, "reviews": reviews},
        corpus=asdict(index))
    meta = asdict(summary)
    meta.pop("revalidated")
    (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    if d.exists():
        shutil.rmtree(d, ignore_errors=True)
    d.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(tmp, d)
    except OSError:  # another build wrote the same key meanwhile: same content, keep theirs
        shutil.rmtree(tmp, ignore_errors=True)
    summary.revalidated = not report.cached
    return summary
