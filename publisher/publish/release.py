"""Atomic publication: build a release in a temporary folder, then swap a symlink.

``public`` is a symlink to ``public.releases/<name>``. A build writes a new release beside the
others under a temporary name, renames it when complete, and replaces the symlink with
``os.replace`` (atomic on POSIX). A build that fails or is killed at any point leaves the
symlink, and so the previous publication, exactly as it was; its temporary folder is removed
by the next build.

One build at a time writes into a publication: a build holds an exclusive ``flock`` on
``.<out>.lock`` beside the releases from start to end, and a second build into the same
``out`` stops at once with a clear error. The lock dies with its process (even on SIGKILL),
so while a build holds it, every temporary folder it did not make is a dead build's.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import Location, Problem, UsageError, usage_error

TMP_PREFIX = ".tmp-"


class Releases:
    """The releases of the publication at ``out`` (a symlink)."""

    def __init__(self, out: Path, keep: int = 2):
        self.out = out
        self.dir = out.parent / f"{out.name}.releases"
        self.lock_path = out.parent / f".{out.name}.lock"
        self.keep = keep
        self._locked = False

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the publication's lock, or raise UsageError at once if another build holds it."""
        self.out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise UsageError(Problem(
                Location(self.out), f"別のビルドが {self.out} に書き込み中です。終わるのを待つか、別の --out を指定してください。",
                f"another build is running into {self.out}; wait for it or use another --out.",
                f"ロック {self.lock_path} は、そのビルドが終わると（強制終了でも）解放されます。",
                f"The lock {self.lock_path} ends with that build, even if it is killed.",
                code="build-running")) from None
        self._locked = True
        try:
            yield
        finally:
            self._locked = False
            os.close(fd)  # releases the lock

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
        """A fresh temporary folder for a new release. Only under :meth:`lock`: then every other
        temporary folder is a dead build's, and is removed first."""
        if not self._locked:
            raise RuntimeError("Releases.begin() is called under Releases.lock() only")
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
