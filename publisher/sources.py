"""The files of a plan folder, and reading one of them safely.

The loader (``load.py``) and the build's cache key (``publish/plans.py``) both list a plan
folder with :func:`source_files` and read each file with :func:`read_source`, so they see the
same files and the same bytes: a file the loader refuses also changes the key, and a warm
cache never skips it.

A source file is read only if it resolves inside the datasets folder (a symbolic link out of
it is refused), is a regular file (not a folder, a FIFO, a device or a socket: a FIFO would
block, ``/dev/zero`` never ends), and holds at most the size limit, counted as it is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import Location, Problem, SourceError

PLAN_FILES = ("plan.yaml", "plan.yml")  # the file that makes a folder a plan folder
YAML_SUFFIXES = (".yaml", ".yml")
VALUES_CSV = "values.csv"
_CHUNK = 1 << 16


def source_files(folder: Path) -> list[Path]:
    """The files of a plan folder the loader reads, in the order it reads them: every
    ``*.yaml``, then every ``*.yml``, then ``values.csv``, whatever kind of file each is
    (:func:`read_source` refuses those that are not regular files)."""
    names = _names(folder)
    ordered = [n for suffix in YAML_SUFFIXES for n in names if n.endswith(suffix)]
    return [folder / n for n in ordered] + ([folder / VALUES_CSV] if VALUES_CSV in names else [])


def subfolders(folder: Path) -> list[Path]:
    """The folders in ``folder``, in name order: links to folders included (their files are
    read only if they stay inside the datasets folder), hidden ones (``.git``, ``.github``)
    left out."""
    return [folder / n for n in _names(folder) if not n.startswith(".") and (folder / n).is_dir()]


def _names(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError as exc:
        raise SourceError(Problem(Location(folder), f"フォルダを読めません: {exc.strerror}",
                                  f"cannot read the folder: {exc.strerror}",
                                  "フォルダの読み取りが許可されているか確認してください。",
                                  "Check that the folder may be read.", code="unreadable")) from None


def plan_file(folder: Path) -> Path | None:
    """The plan file of a folder (``plan.yaml`` or ``plan.yml``), if it has one."""
    return next((folder / n for n in PLAN_FILES if os.path.lexists(folder / n)), None)


def default_root(folder: Path) -> Path:
    """The datasets folder of a plan folder: the folder holding it."""
    return Path(os.path.abspath(folder)).parent


def read_source(file: Path, root: Path, max_bytes: int) -> bytes:
    """The bytes of one source file; raise SourceError if it resolves outside ``root``, is
    not a regular file, or holds more than ``max_bytes`` bytes (at most ``max_bytes + 1`` are
    read, whatever its size says). A FIFO is opened without blocking and never read."""
    real = Path(os.path.realpath(file))
    home = Path(os.path.realpath(root))
    if not real.is_relative_to(home):
        raise SourceError(_outside(file, real, home))
    try:
        mode = os.stat(real).st_mode  # a device is not even opened
        if not stat.S_ISREG(mode):
            raise SourceError(_not_regular(file, mode))
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        raise SourceError(_unreadable(file, exc)) from None
    try:
        st = os.fstat(fd)  # what was opened, should it have changed since
        if not stat.S_ISREG(st.st_mode):
            raise SourceError(_not_regular(file, st.st_mode))
        if st.st_size > max_bytes:
            raise SourceError(too_large(file, st.st_size, max_bytes))
        data = _read_at_most(fd, max_bytes + 1)
    except OSError as exc:
        raise SourceError(_unreadable(file, exc)) from None
    finally:
        os.close(fd)
    if len(data) > max_bytes:
        raise SourceError(too_large(file, None, max_bytes))
    return data


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        chunk = os.read(fd, min(_CHUNK, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def too_large(file: Path, size: int | None, max_bytes: int) -> Problem:
    """The file is larger than the limit (``size`` None: found while reading it)."""
    ja_size = f"{size:,} バイト" if size is not None else f"{max_bytes:,} バイト超"
    en_size = f"{size:,} bytes" if size is not None else f"more than {max_bytes:,} bytes"
    if file.suffix == ".csv":
        what_ja, what_en = "CSV ファイル", "the CSV file"
        hint_ja, hint_en = "値の表を分けるか、上限を --max-file-size で変更してください。", \
            "Split the table, or raise the limit with --max-file-size."
    else:
        what_ja, what_en = "ファイル", "the file"
        hint_ja = "計画を複数のYAMLファイルに分けてください（上限は --max-file-size で変更できます）。"
        hint_en = "Split the plan into several YAML files (the limit is set by --max-file-size)."
    return Problem(Location(file, 1, None), f"{what_ja}が大きすぎます（{ja_size}、上限 {max_bytes:,} バイト）。",
                   f"{what_en} is too large ({en_size}; the limit is {max_bytes:,} bytes).",
                   hint_ja, hint_en, code="too-large")


def _outside(file: Path, real: Path, home: Path) -> Problem:
    """``file`` resolves outside the datasets folder, through a link to it or to a folder
    on its path."""
    return Problem(Location(file), f"このファイルはシンボリックリンクを通じてデータセットのフォルダ（{home}）の外（{real}）にあります。",
                   f"this file is, through a symbolic link (to it or to a folder on its path), "
                   f"{real}, outside the datasets folder {home}.",
                   "リンクではなく、ファイルやフォルダそのものをデータセットのフォルダに置いてください。",
                   "Put the file or folder itself into the datasets folder, not a link to it.",
                   code="outside-datasets")


_KINDS = ((stat.S_ISDIR, "フォルダ", "a folder"), (stat.S_ISFIFO, "FIFO（名前付きパイプ）", "a FIFO"),
          (stat.S_ISCHR, "デバイス", "a device"), (stat.S_ISBLK, "デバイス", "a device"),
          (stat.S_ISSOCK, "ソケット", "a socket"))


def _not_regular(file: Path, mode: int) -> Problem:
    ja, en = next(((ja, en) for test, ja, en in _KINDS if test(mode)), ("特殊なファイル", "a special file"))
    return Problem(Location(file), f"通常のファイルではありません（{ja}）。",
                   f"this is not a regular file but {en}.",
                   "計画フォルダの *.yaml・*.yml・values.csv は通常のファイルにしてください。削除するか名前を変えてください。",
                   "The *.yaml, *.yml and values.csv of a plan folder must be regular files: "
                   "delete or rename this one.", code="not-a-file")


def _unreadable(file: Path, exc: OSError) -> Problem:
    return Problem(Location(file), f"ファイルを読めません: {exc.strerror}", f"cannot read the file: {exc.strerror}",
                   "ファイルがあり、読み取りを許可されているか確認してください（壊れたシンボリックリンクではないか）。",
                   "Check that the file exists and may be read (is it a broken symbolic link?).",
                   code="unreadable")
