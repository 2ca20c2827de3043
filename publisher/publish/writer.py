"""Stage 4, publish: the one door, :func:`write_release`. From the plans' cached files (their
summaries, :mod:`publisher.publish.plans`), write a new release: the per-plan and all-plans
dumps, the indicators CSV, the tables and query downloads, the catalog and VoID, the embedded
store and the views of /search and /compare, reusing what the previous release already holds;
then switch ``--out`` to it atomically (:mod:`publisher.publish.release`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef

from .. import __version__
from ..formats import DUMP_FORMATS
from ..namespaces import DEFAULT_LICENSE, ONTOLOGY_IRI, Iris
from ..progress import Progress
from ..registry import ISSUED as REGISTRY_ISSUED
from ..registry.rdf import source_codes, source_points
from ..settings import Settings
from ..validate import files_digest, ontology_files
from . import catalog
from .answers import write_downloads
from .catalog import CATALOG_FILES, STORE_PIECE, DatasetInfo, FileInfo, catalog_parts, head_pieces
from .compose import all_parts
from .csvout import BOM, CSV_FILE, EXCEL_CSV_FILE, csv_header_bytes, csvw_metadata
from .dumps import CONTEXT_FILE, jsonld_context, prefix_header, serialize
from .plans import (
    ARTIFACT_VERSION,
    PlanSummary,
    code_digest,
    member_file,
    plan_dir,
    plan_file,
    rows_file,
    table_rows,
    view_rows,
)
from .registry import RegistryFiles, registry_files
from .release import Releases
from .revisions import revisions
from .splice import Index, Part, data_part, file_part, write_parts
from .store import load_store, update_store
from .tables import TABLES_FILE, write_tables
from .views import VIEWS_FILE, write_views

BUILD_INFO = "build-info.json"
CATALOG_LINES = "catalog.nt"  # the store's catalog graph as N-Triples lines (not published)
PARTS_INDEX = "parts.json"  # the parts of each all-plans file, for the next build to copy from


def write_release(settings: Settings, summaries: dict[str, PlanSummary], releases: Releases) -> tuple[Path, bool]:
    """Publish the plans of ``summaries`` (every one conforms) as a new release of ``releases``,
    unless it would equal the current one: returns the release now current, and whether it is new.

    Each plan's files come from the cache; the all-plans files are composed from them by
    streaming, copying from the previous release what did not change; the store and
    views.sqlite are updated from the previous release's when few plans changed.
    """
    current = releases.current()
    previous = _previous_info(current)
    iris = Iris(settings.base)
    dates = _plan_dates(settings, summaries, previous)
    inputs = _inputs_digest(settings, summaries, iris, dates)
    if current is not None and previous.get("inputs") == inputs:
        return current, False
    tmp = releases.begin()
    try:
        info, catalog_change = _write_files(settings, summaries, iris, tmp, dates, current)
        info["inputs"] = inputs
        digest = info["digest"]
        if current is not None and previous.get("digest") == digest:
            releases.abort(tmp)
            return current, False
        info["vocab"] = _write_store(settings, summaries, iris, tmp, current, previous, catalog_change)
        info["views"] = _write_views(settings, summaries, iris, tmp, current, previous)
        (tmp / BUILD_INFO).write_text(json.dumps(info, ensure_ascii=False, indent=1, sort_keys=True)
                                      + "\n", encoding="utf-8")
        return releases.commit(tmp, digest[:12]), True
    except BaseException:
        releases.abort(tmp)
        raise


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_views(settings: Settings, summaries: dict[str, PlanSummary], iris: Iris, out: Path,
                 current: Path | None, previous: dict) -> str:
    """The release's views.sqlite: the previous release's with the changed plans' rows replaced
    when the same code wrote it and at most a quarter of the plans changed (as for the store),
    else written from nothing. Returns the digest of the code, which the next build compares."""
    code = f"{ARTIFACT_VERSION}:{code_digest()}"
    changed, removed = _changed_plans(summaries, iris, previous)
    few = (previous.get("views") == code and bool(previous.get("plans"))
           and len(changed) + len(removed) <= max(1, len(summaries) // 4))
    write_views(out / VIEWS_FILE, {pid: partial(view_rows, settings.cache_dir, s.key) for pid, s in summaries.items()},
                (_vocab_file(settings, "vocab.nq"), registry_files(settings.cache_dir, iris).nquads.read_bytes(),
                 (out / CATALOG_LINES).read_bytes()),
                previous=current / VIEWS_FILE if current is not None and few else None, changed=changed)
    return code


def _changed_plans(summaries: dict[str, PlanSummary], iris: Iris, previous: dict) -> tuple[list[str], list[str]]:
    """The plans whose data differ from the previous release's, and those it had that are gone."""
    old = previous.get("plans", {}) if previous.get("base") == iris.base else {}
    new = {pid: s.files["nq"][1] for pid, s in summaries.items()}
    return sorted(pid for pid in new if old.get(pid) != new[pid]), sorted(set(old) - set(new))


def _inputs_digest(settings: Settings, summaries: dict[str, PlanSummary], iris: Iris,
                   dates: PlanDates) -> str:
    """A digest of everything the release is made from: equal digests, equal releases."""
    h = hashlib.sha256()
    for part in (__version__, iris.base, code_digest(), files_digest(ontology_files(settings.root)),
                 files_digest([Path(catalog.__file__)]), json.dumps(dates, sort_keys=True)):
        h.update(part.encode() + b"\0")
    for pid, s in summaries.items():
        h.update(pid.encode() + b"\0" + json.dumps(sorted(s.files.items())).encode() + b"\0")
    return h.hexdigest()


def _previous_info(current: Path | None) -> dict:
    if current is None or not (current / BUILD_INFO).is_file():
        return {}
    try:
        return json.loads((current / BUILD_INFO).read_text(encoding="utf-8"))
    except ValueError:
        return {}


PlanDates = tuple[dict[str, str], dict[str, str]]  # dct:issued and dct:modified by plan id


def _plan_dates(settings: Settings, summaries: dict[str, PlanSummary], previous: dict) -> PlanDates:
    """Each plan's first and last revision day (``dct:issued``, ``dct:modified``): its source
    files' history (:mod:`publisher.publish.revisions`); for a plan outside git, or with
    uncommitted changes, the previous build's days while its data did not change, else today."""
    known = revisions([Path(s.folder) for s in summaries.values()])
    old_issued, old_modified = previous.get("issued", {}), previous.get("modified", {})
    old_hashes, today = previous.get("plans", {}), _today(settings)
    issued, modified = {}, {}
    for pid, s in summaries.items():
        rev = known.get(Path(s.folder).resolve())
        same = old_hashes.get(pid) == s.files["nq"][1]
        modified[pid] = rev.modified if rev else old_modified[pid] if same and pid in old_modified else today
        issued[pid] = rev.issued if rev else old_issued.get(pid, modified[pid])
    return issued, modified


def _today(settings: Settings) -> str:
    if settings.source_date_epoch is not None:
        return dt.datetime.fromtimestamp(settings.source_date_epoch, dt.UTC).date().isoformat()
    return dt.datetime.now(dt.UTC).date().isoformat()


def _link(src: Path, dst: Path) -> None:
    """Put a cached file into the release: a hard link (cache files are never changed in place)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def _ja(text: Any) -> str:
    return text if isinstance(text, str) else text["ja"]


def _parts_index(release: Path | None) -> dict[str, Index]:
    if release is None or not (release / PARTS_INDEX).is_file():
        return {}
    try:
        return {k: [(key, n) for key, n in v]
                for k, v in json.loads((release / PARTS_INDEX).read_text(encoding="utf-8")).items()}
    except (ValueError, TypeError):
        return {}


CatalogChange = tuple[set[bytes], set[bytes]]  # catalog lines no longer written, lines written anew


def _write_files(settings: Settings, summaries: dict[str, PlanSummary], iris: Iris, out: Path,
                 dates: PlanDates, current: Path | None) -> tuple[dict, CatalogChange | None]:
    """The files of the release in ``out``; returns its build information and, when the
    previous release's catalog lines were reused, what changed in them."""
    downloads = out / "downloads"
    (downloads / "plans").mkdir(parents=True)
    cache = settings.cache_dir
    infos: dict[str, tuple[int, str]] = {}
    plan_hashes = {}
    bar = Progress(len(summaries) + 2, "write", settings.progress)
    for pid, s in summaries.items():
        for ext in DUMP_FORMATS:
            _link(plan_file(cache, s.key, ext), downloads / "plans" / f"{pid}.{ext}")
            infos[f"plans/{pid}.{ext}"] = tuple(s.files[ext])  # type: ignore[assignment]
        plan_hashes[pid] = s.files["nq"][1]
        bar.step(pid)
    registry = registry_files(cache, iris)
    for name, path in registry.files.items():
        _link(path, downloads / name)
        infos[name] = (path.stat().st_size, _sha256(path.read_bytes()))
    old_index, index = _parts_index(current), {}

    def write(path: str, parts: list[Part], track: bool = False) -> Any:
        """Write a file of parts, copying from the previous release's file what it can."""
        written = write_parts(out / path, parts, current / path if current is not None else None,
                              old_index.get(path), track=track)
        index[path] = written.index
        if path.startswith("downloads/"):
            infos[path.removeprefix("downloads/")] = (written.size, written.sha256)
        return written

    header = prefix_header("ttl")
    for ext in DUMP_FORMATS:
        members = [(s.key, member_file(cache, s.key, ext)) for s in summaries.values()]
        write(f"downloads/all.{ext}.gz", all_parts(ext, members, header))
    csv_rows = [file_part(s.key, rows_file(cache, s.key)) for s in summaries.values()]
    write(f"downloads/{CSV_FILE}", [data_part(csv_header_bytes()), *csv_rows])
    write(f"downloads/{EXCEL_CSV_FILE}", [data_part(BOM + csv_header_bytes()), *csv_rows])
    answers = write_downloads(write, downloads, ((_ja(s.municipality_name), str(iris.plan(pid)), s.key, plan_dir(cache, s.key))
                                      for pid, s in summaries.items()))
    write_tables(downloads / TABLES_FILE, (table_rows(cache, s.key) for s in summaries.values()))
    infos[TABLES_FILE] = ((downloads / TABLES_FILE).stat().st_size, _sha256((downloads / TABLES_FILE).read_bytes()))
    small: dict[str, bytes] = {}
    small[CONTEXT_FILE] = (json.dumps(jsonld_context(), ensure_ascii=False, indent=1) + "\n").encode()
    small["ontology.ttl"] = _vocab_file(settings, "ontology.ttl")
    bar.step("all")
    issued, modified = dates
    all_modified = max(modified.values(), default=_today(settings))
    for path, data in small.items():
        infos[path] = (len(data), _sha256(data))

    def info_of(path: str) -> FileInfo:
        return FileInfo(path, *infos[path])

    datasets = []
    for pid, s in summaries.items():
        title = _ja(s.title)
        title_en = s.title.get("en", pid) if isinstance(s.title, dict) else pid
        name_ja = _ja(s.municipality_name)
        datasets.append(DatasetInfo(
            key=pid, title_ja=f"{name_ja} {title}", title_en=title_en,
            description_ja=f"{name_ja}の「{title}」を共通オントロジー mplan で記述したデータ（原文の書き起こし）。",
            description_en=f"The plan '{title_en}' of {name_ja} described with the mplan ontology "
                           "(transcribed from the source document).",
            license=s.license or DEFAULT_LICENSE, modified=modified[pid], issued=issued[pid],
            period=(f"{s.period[0]}-04-01", f"{s.period[1] + 1}-03-31") if s.period else None,
            files={ext: info_of(f"plans/{pid}.{ext}") for ext in DUMP_FORMATS},
            municipality=iris.municipality(s.code), municipality_name=name_ja,
            area=URIRef(f"http://data.e-stat.go.jp/lod/sac/C{s.code[:5]}"),
            plan=iris.plan(pid), triples=s.triples,
            sources=tuple(iris.in_plan(pid, "source", sid) for sid in s.source_ids)))
    everything = DatasetInfo(
        key="all", title_ja="全自治体の総合計画", title_en="All municipalities' comprehensive plans",
        description_ja="公開中のすべての計画（1計画1名前付きグラフ）、指標値のCSV（Excel用も）と、"
                       "計画・要素・指標・値・対応付けの表（SQLite）。",
        description_en="Every published plan (one named graph per plan), the indicator values as CSV "
                       "(also for Excel), and the tables of plans, elements, indicators, values and "
                       "links (SQLite).",
        license=DEFAULT_LICENSE, modified=all_modified, issued=min(issued.values(), default=all_modified),
        files={**{ext: info_of(f"all.{ext}.gz") for ext in DUMP_FORMATS},
               "csv": replace(info_of(CSV_FILE), title=("全自治体の総合計画の指標値", "Indicator values of all plans"),
                              schema=f"{CSV_FILE}-metadata.json"),
               "csv-excel": replace(info_of(EXCEL_CSV_FILE), title=("全自治体の総合計画の指標値（Excel用、BOM付き）",
                                                                   "Indicator values of all plans, for Excel (with BOM)")),
               "sqlite": replace(info_of(TABLES_FILE), title=("全自治体の総合計画の表", "Tables of all plans")),
               **answers},
        triples=sum(s.triples for s in summaries.values()))
    register = _registry_info(iris, registry, {ext: info_of(f"registry.{ext}") for ext in (*DUMP_FORMATS, "csv")})
    small[f"{CSV_FILE}-metadata.json"] = (json.dumps(
        csvw_metadata(CSV_FILE, DEFAULT_LICENSE), ensure_ascii=False, indent=1) + "\n").encode()
    head = head_pieces(iris, [*datasets, everything, register], all_modified)
    whole = catalog.dataset_pieces(iris, everything)
    local_governments = catalog.dataset_pieces(iris, register)
    salt = _catalog_salt(iris)
    sources: list[catalog.Source] = [(None, lambda: head), *(_dataset_source(settings, iris, d, salt)
                                                             for d in datasets), (None, lambda: whole),
                                    (None, lambda: local_governments)]
    for name in CATALOG_FILES:
        write(f"downloads/{name}", catalog_parts(name, sources))
    lines = write(CATALOG_LINES, catalog_parts(STORE_PIECE, sources), track=True)
    change = None
    if lines.copied:
        gone = {ln for piece in lines.removed for ln in piece.splitlines(keepends=True)}
        new = {ln for piece in lines.added for ln in piece.splitlines(keepends=True)}
        # a line an old piece had may still be another piece's (a licence, a city's name)
        now = (out / CATALOG_LINES).read_bytes()
        change = ({ln for ln in gone - new if not now.startswith(ln) and b"\n" + ln not in now}, new - gone)
    for path, data in small.items():
        (downloads / path).write_bytes(data)
        infos[path] = (len(data), _sha256(data))
    sums = "".join(f"{infos[p][1]}  {p}\n" for p in sorted(infos))
    (downloads / "SHA256SUMS").write_text(sums, encoding="utf-8")
    (out / PARTS_INDEX).write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")) + "\n",
                                   encoding="utf-8")
    bar.step("catalog")
    return {"version": __version__, "base": iris.base, "plans": plan_hashes, "modified": modified,
            "issued": issued,
            "registry": registry.key, "digest": _sha256(sums.encode())}, change


def _registry_info(iris: Iris, registry: RegistryFiles, files: dict[str, FileInfo]) -> DatasetInfo:
    """What the catalog says about the registry of local governments."""
    return DatasetInfo(
        key="registry", title_ja="全国の地方公共団体（都道府県・市区町村）",
        title_en="Japan's local governments (prefectures and municipalities)",
        description_ja="総務省「全国地方公共団体コード」による47都道府県と1,741市区町村（特別区を含む）。"
                       "団体コード・名称・よみがな・種類・都道府県・e-Stat 標準地域コードとの対応、市区町村の代表点"
                       "（概略の位置）。英語名はよみがなから機械的に生成したローマ字表記。",
        description_en="The 47 prefectures and 1,741 municipalities (the special wards included) of "
                       "総務省's national local government code list: codes, names, kana readings, kinds, "
                       "prefectures, links to e-Stat's standard area codes, and a representative point "
                       "(approximate) for each municipality. The English names are romanisations "
                       "generated from the kana.",
        license=DEFAULT_LICENSE, modified=registry.modified, issued=REGISTRY_ISSUED, files=files,
        triples=registry.triples,
        sources=(source_codes(iris), source_points(iris)))


def _catalog_salt(iris: Iris) -> str:
    """What every dataset's catalog pieces are made of besides the dataset: the code, the base."""
    return "\0".join((__version__, iris.base, files_digest([Path(catalog.__file__)]), code_digest()))


def _dataset_source(settings: Settings, iris: Iris, info: DatasetInfo, salt: str) -> catalog.Source:
    """A plan's pieces of the catalog files: their cache key (what they are made of), and a
    function that reads them from the cache, or serialises and caches them."""
    key = _sha256(f"{salt}\0{info!r}".encode())
    memo: list[dict[str, bytes]] = []

    def pieces() -> dict[str, bytes]:
        if not memo:
            memo.append(_dataset_pieces(settings, iris, info, key))
        return memo[0]

    return key, pieces


def _dataset_pieces(settings: Settings, iris: Iris, info: DatasetInfo, key: str) -> dict[str, bytes]:
    cached = settings.cache_dir / "catalog" / key[:2] / f"{key}.json"
    try:
        hit = {k: v.encode("utf-8") for k, v in json.loads(cached.read_text(encoding="utf-8")).items()}
        if set(hit) == {*CATALOG_FILES, STORE_PIECE}:
            return hit
    except (OSError, ValueError, AttributeError):
        pass
    pieces = catalog.dataset_pieces(iris, info)
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{key}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({k: v.decode("utf-8") for k, v in pieces.items()}, ensure_ascii=False),
                   encoding="utf-8")
    os.replace(tmp, cached)
    return pieces


def _vocab_key(settings: Settings) -> str:
    """The digest of what the vocabulary files are made from: their sources and our code."""
    return _sha256((files_digest(ontology_files(settings.root)) + code_digest()).encode())


def _vocab_file(settings: Settings, name: str) -> bytes:
    """``ontology.ttl`` (the published file) or ``vocab.nq`` (one graph per scheme, for the
    store), cached by the digest of the vocabulary files and of our code."""
    files = ontology_files(settings.root)
    cached = settings.cache_dir / "vocab" / _vocab_key(settings) / name
    if cached.is_file():
        return cached.read_bytes()
    if name == "ontology.ttl":
        vocab = Graph()
        for f in files:
            vocab.parse(f, format="turtle")
        data = serialize({ONTOLOGY_IRI: vocab}, "ttl")
    else:
        graphs = {ONTOLOGY_IRI if f.name == "mplan.ttl" else URIRef(f"{ONTOLOGY_IRI}/{f.stem}"):
                  Graph().parse(f, format="turtle") for f in files}
        data = serialize(graphs, "nq")
    cached.parent.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_name(f".{name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, cached)
    return data


def _catalog_lines(release: Path) -> set[bytes]:
    """The store's catalog graph of a release, as N-Triples lines: from the file the build
    wrote beside the store, or, for a release made before there was one, from its catalog."""
    if (release / CATALOG_LINES).is_file():
        return set((release / CATALOG_LINES).read_bytes().splitlines(keepends=True))
    import pyoxigraph

    return {f"{t} .\n".encode() for f in ("catalog.ttl", "void.ttl")
            for t in pyoxigraph.parse(path=str(release / "downloads" / f), format=pyoxigraph.RdfFormat.TURTLE)}


def _catalog_quads(iris: Iris, lines: set[bytes]) -> list:
    """Quads in the catalog graph from N-Triples lines."""
    import pyoxigraph

    catalog = pyoxigraph.NamedNode(str(iris.catalog()))
    return [pyoxigraph.Quad(t.subject, t.predicate, t.object, catalog)
            for t in pyoxigraph.parse(b"".join(sorted(lines)), format=pyoxigraph.RdfFormat.N_TRIPLES)]


def _write_store(settings: Settings, summaries: dict[str, PlanSummary], iris: Iris, out: Path,
                 current: Path | None, previous: dict, catalog_change: CatalogChange | None = None) -> str:
    """The store of the new release: a hard-linked copy of the previous store with what changed
    replaced (plan graphs, the vocabularies if they changed, the catalog by difference) when
    at most a quarter of the plans changed, else a fresh bulk load. Returns the digest of what
    the vocabularies are made from, which the next build compares. ``catalog_change`` is the
    difference between the previous release's catalog lines and this one's, when the build
    knows it without reading either whole."""
    import pyoxigraph

    downloads = out / "downloads"
    registry = registry_files(settings.cache_dir, iris)
    vocab = _vocab_file(settings, "vocab.nq") + registry.nquads.read_bytes()
    vocab_digest = _sha256(f"{_vocab_key(settings)}\0{registry.key}".encode())
    old = previous.get("plans", {}) if previous.get("base") == iris.base else {}
    changed, removed = _changed_plans(summaries, iris, previous)
    prev_store = current / "store" if current is not None else None
    if (prev_store is not None and prev_store.is_dir() and old
            and len(changed) + len(removed) <= max(1, len(summaries) // 4)):
        plan_graphs = [iris.dataset(pid) for pid in changed + removed]
        plan_files = [downloads / "plans" / f"{pid}.nq" for pid in changed]
        # the previous release's catalog is what its store holds: patch only the difference
        if catalog_change is None:
            old_catalog, catalog = _catalog_lines(current) if current is not None else set(), _catalog_lines(out)
            catalog_change = (old_catalog - catalog, catalog - old_catalog)
        update_store(prev_store, out / "store", plan_graphs, plan_files,
                     b"" if previous.get("vocab") == vocab_digest else vocab,
                     (_catalog_quads(iris, catalog_change[0]), _catalog_quads(iris, catalog_change[1])))
        return vocab_digest
    catalog = _catalog_lines(out)
    load_store(out / "store", [downloads / "plans" / f"{pid}.nq" for pid in summaries],
               vocab + pyoxigraph.serialize(_catalog_quads(iris, catalog), format=pyoxigraph.RdfFormat.N_QUADS))
    return vocab_digest
