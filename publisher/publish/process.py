"""Stages 1–3 for every plan of a build or a ``validate``: each plan folder loaded, converted,
validated and serialised into the cache (:func:`publisher.publish.plans.process_plan`), in
parallel; a plan whose files did not change is taken from the cache without being read."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import SourceError
from ..progress import Progress
from ..settings import Settings
from ..validate import CorpusProblem, Validator, corpus_problems
from ..workers import process_pool
from .plans import Keys, PlanSummary, cached_summary, process_plan, typed_iris


def process_plans(settings: Settings, folders: list[Path]) -> dict[str, PlanSummary]:
    """Every plan folder loaded, converted, validated and serialised into the cache, in parallel
    across ``settings.workers`` processes; plans whose files did not change come from the cache.

    Raises SourceError (with every problem of every plan) when a source file is unusable.
    """
    rules = Validator(settings.root, None, 1, settings.validator).rules_digest
    summaries: dict[str, PlanSummary] = {}
    problems: list = []
    todo = []
    bar = Progress(len(folders), "check", settings.progress)
    keys = Keys(settings.cache_dir, settings.base, rules, settings.max_file_size)
    for folder in folders:
        key = keys.key(folder)
        hit = cached_summary(settings.cache_dir, key)
        if hit is not None:
            summaries[hit.plan_id] = hit
            bar.step(folder.name)
        else:
            todo.append((folder, key, settings.root, settings.cache_dir, settings.base,
                         settings.max_file_size, settings.validator))
    workers = min(settings.workers or os.cpu_count() or 1, len(todo))

    def done(out: PlanSummary | list, folder: Path) -> None:
        if isinstance(out, list):
            problems.extend(out)
        else:
            summaries[out.plan_id] = out
        bar.step(folder.name)

    if workers > 1:
        with process_pool(workers) as pool:
            for job, out in zip(todo, pool.map(process_plan, todo, chunksize=1), strict=True):
                done(out, job[0])
    else:
        for job in todo:
            done(process_plan(job), job[0])
    if problems:
        raise SourceError(problems)
    keys.save()
    return dict(sorted(summaries.items()))


def corpus_checks_of(summaries: dict[str, PlanSummary], cache_dir: Path, base: str) -> list[CorpusProblem]:
    """:func:`validate.corpus_checks` over plan summaries (no graph needed)."""
    return corpus_problems({pid: s.corpus_index() for pid, s in summaries.items()},
                           lambda pid: typed_iris(cache_dir, summaries[pid].key), base)
