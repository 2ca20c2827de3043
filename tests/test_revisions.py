"""A plan's dct:issued and dct:modified come from its folder's git history
(publisher/publish/revisions.py): git is asked once per folder of plans, and a plan folder that
is a work tree of its own, or has uncommitted changes, or is outside git, is told apart."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from publisher.publish.revisions import Revision, revisions


def _git(where: Path, *args: str, day: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    if day:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00+00:00"
    subprocess.run(["git", "-C", str(where), *args], check=True, capture_output=True, env=env)


def _commit(repo: Path, folder: str, text: str, day: str) -> None:
    (repo / folder).mkdir(parents=True, exist_ok=True)
    (repo / folder / "plan.yaml").write_text(text, encoding="utf-8")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", text, day=day)


def test_revision_days_per_plan_folder(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _commit(repo, "datasets/a", "a1", "2024-04-01")
    _commit(repo, "datasets/b", "b1", "2024-05-01")
    _commit(repo, "datasets/a", "a2", "2025-01-15")
    _commit(repo, "datasets/c", "c1", "2024-06-01")
    (repo / "datasets" / "c" / "plan.yaml").write_text("c2, not committed", encoding="utf-8")
    nested = repo / "datasets" / "d"  # a plan folder that is a work tree of its own
    nested.mkdir()
    _git(nested, "init", "-q")
    _commit(nested, ".", "d1", "2023-03-03")
    outside = tmp_path / "elsewhere" / "e"
    outside.mkdir(parents=True)
    folders = [repo / "datasets" / n for n in "abcd"] + [outside]
    got = revisions(folders)
    assert got == {(repo / "datasets" / "a").resolve(): Revision("2024-04-01", "2025-01-15"),
                   (repo / "datasets" / "b").resolve(): Revision("2024-05-01", "2024-05-01"),
                   nested.resolve(): Revision("2023-03-03", "2023-03-03")}
