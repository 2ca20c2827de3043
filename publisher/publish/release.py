"""Atomic publication: build a release in a temporary folder, then swap a symlink.

``public`` is a symlink to ``public.releases/<name>``. A build writes a new release beside the
others under a temporary name, renames it when complete, and replaces the symlink with
``os.replace`` (atomic on POSIX). A build that fails or is killed at any point leaves the
symlink, and so the previous publication, exactly as it was; its temporary folder is removed
by the next build.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from ..errors import usage_error

TMP_PREFIX = ".tmp-"


class Releases:
    """The releases of the publication at ``out`` (a symlink)."""

    def __init__(self, out: Path, keep: int = 2):
        self.out = out
        self.dir = out.parent / f"{out.name}.releases"
        self.keep = keep

    def current(self) -> Path | None:
        """The folder the publication points at now, if any."""
        if self.out.is_symlink():
            target = self.out.resolve()
            return target if target.is_dir() else None
        if self.out.exists():
            raise usage_error(
                f"{self.out} exists and is not a symlink made by planlod build; move it away first",
                f"{self.out} は planlod build が作ったシンボリックリンクではありません。先に移動してください")
        return None

    def begin(self) -> Path:
        """A fresh temporary folder for a new release (stale ones are removed first)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        for stale in self.dir.glob(TMP_PREFIX + "*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=self.dir))
        tmp.chmod(0o755)
        return tmp

    def commit(self, tmp: Path, name: str) -> Path:
        """Make ``tmp`` the published release called ``name``; return its folder."""
        final = self.dir / name
        n = 1
        while final.exists():
            n += 1
            final = self.dir / f"{name}-{n}"
        os.replace(tmp, final)
        link = self.out.parent / f".{self.out.name}.link-{os.getpid()}"
        if link.is_symlink() or link.exists():
            link.unlink()
        os.symlink(os.path.relpath(final, self.out.parent), link)
        os.replace(link, self.out)
        self._prune(final)
        return final

    def abort(self, tmp: Path) -> None:
        shutil.rmtree(tmp, ignore_errors=True)

    def _prune(self, current: Path) -> None:
        releases = sorted((p for p in self.dir.iterdir()
                           if p.is_dir() and not p.name.startswith(TMP_PREFIX) and p != current),
                          key=lambda p: p.stat().st_mtime, reverse=True)
        for old in releases[self.keep:]:
            shutil.rmtree(old, ignore_errors=True)
