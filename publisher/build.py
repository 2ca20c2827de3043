"""The whole path: load → convert → validate → publish, used by `planlod validate` and `build`.

Each stage has its folder and one door: :mod:`publisher.load` reads a plan folder,
:mod:`publisher.convert` turns it into RDF, :mod:`publisher.validate` checks it, and
:mod:`publisher.publish` writes the release (:func:`~publisher.publish.writer.write_release`).
A build runs the first three per plan, in worker processes, with their outcome cached by the
plan's files (:func:`~publisher.publish.process.process_plans`); ``check`` runs them in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph

from .convert import to_graph
from .errors import PlanError, SourceError
from .load import PlanSource, load_plan, plan_folders
from .locate import findings
from .namespaces import Iris
from .progress import Progress
from .publish.plans import PlanSummary
from .publish.process import corpus_checks_of, process_plans
from .publish.release import Releases
from .publish.writer import write_release
from .settings import Settings
from .validate import CorpusProblem, PlanReport, Validator, corpus_checks


@dataclass
class Checked:
    """The outcome of load + convert + validate over a set of plan folders."""

    sources: dict[str, PlanSource]
    graphs: dict[str, Graph]
    reports: dict[str, PlanReport]
    corpus: list[CorpusProblem] = field(default_factory=list)
    folders: dict[str, Path] = field(default_factory=dict)  # plan id -> its folder

    def __post_init__(self) -> None:
        for pid, src in self.sources.items():
            self.folders.setdefault(pid, src.folder)

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
    validator = Validator(settings.root, settings.cache_dir, settings.workers or None,
                          settings.validator)
    bar = Progress(len(graphs), "validate", settings.progress)
    reports = validator.validate(graphs, progress=bar.step)
    for pid, report in reports.items():
        report.located, report.reviews = findings(sources[pid], iris, report.results)
    return Checked(sources, graphs, reports, corpus_checks(graphs, iris.base))


def validate(settings: Settings, paths: list[Path] | None = None) -> Checked:
    """`planlod validate`: the plans under ``paths`` (default: the datasets folder) checked as
    the build checks them (:func:`process_plans`), so that a plan whose files did not change
    is taken from the cache without reading its files again, and a build after a validate
    re-does nothing. The outcome holds reports, not graphs.

    Raises SourceError (with every problem of every plan) when a source file is unusable.
    """
    return _checked(settings, process_plans(settings, plan_folders(paths or [settings.datasets])))


def _checked(settings: Settings, summaries: dict[str, PlanSummary]) -> Checked:
    reports = {pid: s.plan_report() for pid, s in summaries.items()}
    return Checked({}, {}, reports, corpus_checks_of(summaries, settings.cache_dir, Iris(settings.base).base),
                   folders={pid: Path(s.folder) for pid, s in summaries.items()})


@dataclass
class BuildResult:
    checked: Checked
    release: Path | None  # None when nothing changed
    changed: bool
    revalidated: list[str]
    plans: int = 0
    triples: int = 0


def build(settings: Settings) -> BuildResult:
    """Validate everything, then publish atomically; a non-conforming corpus publishes nothing.

    Each plan is processed once per content (see publish/plans.py), then published
    (publish/writer.py). One build at a time writes into ``settings.out`` (see
    publish/release.py); another one stops with UsageError.
    """
    releases = Releases(settings.out, settings.keep_releases)
    with releases.lock():
        summaries = process_plans(settings, plan_folders([settings.datasets]))
        checked = _checked(settings, summaries)
        revalidated = sorted(pid for pid, s in summaries.items() if s.revalidated)
        plans, triples = len(summaries), sum(s.triples for s in summaries.values())
        if not checked.conforms:
            return BuildResult(checked, None, False, revalidated, plans, triples)
        release, changed = write_release(settings, summaries, releases)
        return BuildResult(checked, release, changed, revalidated, plans, triples)
