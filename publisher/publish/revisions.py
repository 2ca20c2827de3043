"""When each plan's sources were first and last revised: from the history of their files.

A dataset's ``dct:issued`` and ``dct:modified`` are its sources' dates, not the day of a build,
so that every fresh clone built on any day says the same and a harvester re-imports only the
plans whose sources changed. The dates are the commit dates of ``git log`` over each plan
folder. A plan whose folder is not in a git work tree, or has changes not yet committed, has
no dates here: the build falls back to the day it saw the plan's data change.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

GIT_TIMEOUT = 60.0  # seconds; git log over national-scale history takes a few


@dataclass(frozen=True)
class Revision:
    """The first and last commit days (``YYYY-MM-DD``) of a plan folder's files."""

    issued: str
    modified: str


def revisions(folders: list[Path]) -> dict[Path, Revision]:
    """The revision days of each folder in ``folders`` that git knows and that has no
    uncommitted change; one ``git log`` per work tree, however many folders."""
    by_root: dict[Path, list[Path]] = {}
    tops: dict[Path, str | None] = {}
    for folder in folders:
        real = folder.resolve()
        # git looks for a work tree from the folder upwards: a folder without its own .git
        # is in its parent's, so git is asked once per folder of plans, not once per plan
        where = real if (real / ".git").exists() else real.parent
        if where not in tops:
            tops[where] = _git(where, "rev-parse", "--show-toplevel")
        top = tops[where]
        if top:
            by_root.setdefault(Path(top.strip()), []).append(real)
    out: dict[Path, Revision] = {}
    for root, members in by_root.items():
        out.update(_revisions_in(root, members))
    return out


def _revisions_in(root: Path, folders: list[Path]) -> dict[Path, Revision]:
    relative = {f: f.relative_to(root).as_posix() for f in folders}
    dirty = _git(root, "status", "--porcelain", "--untracked-files=all", "--", *relative.values())
    if dirty is None:
        return {}
    changed = {line[3:].strip('"') for line in dirty.splitlines() if line}
    log = _git(root, "log", "--format=%x00%cs", "--name-only", "--", *relative.values())
    if log is None:
        return {}
    days: dict[str, list[str]] = {}
    for entry in log.split("\0")[1:]:
        day, *files = entry.strip().splitlines()
        for name in files:
            days.setdefault(name, []).append(day)
    out = {}
    for folder, rel in relative.items():
        inside = "" if rel == "." else rel + "/"  # "." when the plan folder is the work tree
        if any(c == rel or c.startswith(inside) for c in changed):
            continue
        seen = [d for name, ds in days.items() if name.startswith(inside) for d in ds]
        if seen:
            out[folder] = Revision(min(seen), max(seen))
    return out


def _git(where: Path, *args: str) -> str | None:
    """git's output, or None when there is no git or ``where`` is not in a work tree."""
    try:
        done = subprocess.run(["git", "-C", str(where), *args], capture_output=True, text=True,
                              timeout=GIT_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None
