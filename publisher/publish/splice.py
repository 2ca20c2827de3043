"""Files made of parts, written again by copying from their previous version what is the same.

The all-plans files (``all.<ext>.gz``, ``indicators.csv``, the catalog files) are each a
sequence of parts: a head, then one part per plan, sometimes a tail. Each part has a *key*,
and equal keys mean equal bytes (a key is the digest of what the part is made of). Every file
is written with an index of its parts' keys and lengths; the next build, after one plan changed,
copies each run of parts that the previous version holds in the same order straight from that
file (``os.copy_file_range``: the kernel copies, the bytes never pass through Python), and
writes only the parts that are new. The output is byte for byte what writing every part would
give; only the work differs.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> first = write_parts(folder / "a", [Part("h", b"head;"), Part("x", b"x1;"), Part("y", b"y1;")])
>>> (folder / "a").read_bytes(), first.copied
(b'head;x1;y1;', 0)
>>> second = write_parts(folder / "b", [Part("h", b"head;"), Part("x", b"x1;"), Part("y2", b"y2;")],
...                      folder / "a", first.index, track=True)
>>> (folder / "b").read_bytes(), second.copied, second.removed, second.added
(b'head;x1;y2;', 8, [b'y1;'], [b'y2;'])
"""

from __future__ import annotations

import hashlib
import mmap
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

Index = list[tuple[str, int]]  # (key, length) of each part, in order


@dataclass(frozen=True)
class Part:
    """A part of a file: its key, and its bytes, given or read on demand (``load``)."""

    key: str
    data: bytes | None = None
    load: Callable[[], bytes] | None = field(default=None, compare=False)

    def bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.load is not None, f"part {self.key} has no bytes"
        return self.load()


def data_part(data: bytes) -> Part:
    """A part given by its bytes, keyed by their digest."""
    return Part("sha256:" + hashlib.sha256(data).hexdigest(), data)


def file_part(key: str, path: Path) -> Part:
    """A part whose bytes are the file ``path`` (read only if it is not copied)."""
    return Part(key, load=path.read_bytes)


@dataclass
class Written:
    """A file written by :func:`write_parts`."""

    size: int
    sha256: str
    index: Index
    copied: int = 0  # bytes copied from the previous version
    removed: list[bytes] = field(default_factory=list)  # the previous version's parts not reused
    added: list[bytes] = field(default_factory=list)  # the parts written anew


def _copy_range(src: int, dst: int, offset: int, length: int) -> None:
    """``length`` bytes of ``src`` from ``offset`` appended to ``dst``, in the kernel if it can."""
    while length:
        try:
            n = os.copy_file_range(src, dst, length, offset)
        except OSError:  # another file system, or a kernel without it: copy through memory
            n = os.write(dst, os.pread(src, min(length, 1 << 24), offset))
        if n <= 0:
            raise OSError(f"could not copy {length} more bytes")
        offset, length = offset + n, length - n


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        if os.fstat(f.fileno()).st_size:
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                h.update(m)
    return h.hexdigest()


def write_parts(path: Path, parts: Sequence[Part], previous: Path | None = None,
                previous_index: Index | None = None, *, track: bool = False) -> Written:
    """Write ``parts`` one after the other to ``path`` (a new file).

    With the previous version of the file and its index, runs of parts it holds in the same
    order are copied from it. The index is trusted only if its lengths add up to the previous
    file's size; otherwise every part is written. Returns the size, SHA-256 and index of the
    new file, and with ``track`` the bytes of the previous parts not reused and of the parts
    written anew (so that a caller can tell what changed)."""
    offsets: dict[str, list[int]] = {}  # key → positions in the previous index
    starts: list[int] = []
    old: Index = []
    if previous is not None and previous_index and previous.is_file():
        total = 0
        for i, (key, length) in enumerate(previous_index):
            offsets.setdefault(key, []).append(i)
            starts.append(total)
            total += length
        if total == previous.stat().st_size:
            old = previous_index
        else:
            offsets.clear()
    used = [False] * len(old)
    written = Written(0, "", [])
    src = os.open(previous, os.O_RDONLY) if old and previous is not None else -1
    try:
        with path.open("wb", buffering=0) as f:
            dst = f.fileno()
            run: list[int] = []  # previous positions of the run being gathered: [first, last]

            def flush_run() -> None:
                if run:
                    start, end = starts[run[0]], starts[run[1]] + old[run[1]][1]
                    _copy_range(src, dst, start, end - start)
                    written.copied += end - start
                    run.clear()

            for part in parts:
                if run and run[1] + 1 < len(old) and old[run[1] + 1][0] == part.key:
                    run[1] += 1
                    used[run[1]] = True
                    written.index.append(old[run[1]])
                    continue
                flush_run()
                if part.key in offsets:  # a run starts: at an old place of that key not yet used
                    j = next((j for j in offsets[part.key] if not used[j]), offsets[part.key][0])
                    run[:] = [j, j]
                    used[j] = True
                    written.index.append(old[j])
                    continue
                data = part.bytes()
                _write(dst, data)
                if track:
                    written.added.append(data)
                written.index.append((part.key, len(data)))
            flush_run()
        if old and track:
            written.removed = [os.pread(src, old[j][1], starts[j]) for j in range(len(old)) if not used[j]]
    finally:
        if src >= 0:
            os.close(src)
    written.size = path.stat().st_size
    written.sha256 = _sha256(path)
    return written
