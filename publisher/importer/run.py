"""What `planlod import` does: check the arguments, draft, write the folder or the diff."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import Location, Problem, UsageError
from ..registry import registry
from ..scaffold import check_code
from . import draft_plan, parse_lines, read_document, render_files, render_report

DIFF_SUFFIX = ".import.diff"


@dataclass
class Imported:
    report: str
    written: Path  # the new folder, or the diff file for --update


def import_plan(source: Path, code: str, out: Path | None = None, update: Path | None = None) -> Imported:
    """Draft a plan folder ``out`` from ``source``, or with ``update`` a diff against a folder."""
    folder = out or update
    assert folder is not None
    _check_arguments(source, code, folder, update is not None)
    lines = _read(source)
    parsed = parse_lines(lines)
    draft = draft_plan(parsed)
    files = render_files(draft, folder.name, code, source.name)
    report = render_report(parsed, draft, str(source))
    if update is None:
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return Imported(report, folder)
    diff_file = folder.parent / f"{folder.name}{DIFF_SUFFIX}"
    diff_file.write_text(_diff(folder, files), encoding="utf-8")
    return Imported(report, diff_file)


def _diff(folder: Path, files: dict[str, str]) -> str:
    """A unified diff from the folder as it is to the new draft, one section per file."""
    out = []
    for name, new in files.items():
        path = folder / name
        old = path.read_text(encoding="utf-8") if path.is_file() else ""
        out += difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                    f"a/{folder.name}/{name}", f"b/{folder.name}/{name}")
    return "".join(out)


def _check_arguments(source: Path, code: str, folder: Path, updating: bool) -> None:
    if not source.is_file():
        raise _error(source, f"入力ファイル {source} がありません。", f"the source file {source} does not exist.",
                     "PDF かテキストファイルのパスを指定してください。", "Give the path of a PDF or a text file.",
                     "no-source")
    check_code(code)
    if registry().get(code) is None:
        raise _error(None, f"団体コード {code} は全国地方公共団体コードの一覧にありません。",
                     f"local government code {code} is not in the national code list.",
                     "総務省の一覧で6桁のコードを確認してください。", "Check the 6-digit code in the list.", "registry")
    if not re.fullmatch(rf"{code}-[a-z0-9][a-z0-9-]{{0,40}}", folder.name):
        raise _error(folder, f"フォルダ名は「{code}-英小文字の名前」にしてください（例 {code}-plan-2030）。",
                     f"the folder's name must be the code, a hyphen and a lower-case slug "
                     f"(e.g. {code}-plan-2030): it becomes the plan id.",
                     "フォルダ名を変えて再実行してください。", "Choose such a name and run again.", "folder-name")
    if updating:
        if not (folder / "plan.yaml").is_file():
            raise _error(folder, "更新する計画フォルダ（plan.yaml のあるフォルダ）がありません。",
                         "--update needs an existing plan folder (one that holds plan.yaml).",
                         "新しく作るときは --out を使ってください。", "Use --out to create a new folder.", "no-plan")
        diff_file = folder.parent / f"{folder.name}{DIFF_SUFFIX}"
        if diff_file.exists():
            raise _error(diff_file, "差分ファイルがすでにあります。上書きしません。",
                         "the diff file already exists; it is never overwritten.",
                         "確認済みなら消してから再実行してください。", "Remove it once reviewed, then run again.",
                         "exists")
    elif folder.exists():
        raise _error(folder, "このフォルダはすでにあります。取り込みは上書きしません。",
                     "this folder already exists; import never overwrites.",
                     "改訂版の差分は --update で作れます。", "Use --update DIR for a reviewable diff.", "exists")


def _read(source: Path) -> list:
    try:
        return read_document(source)
    except UnicodeDecodeError as exc:
        raise _error(source, f"UTF-8 のテキストとして読めません（{exc.start} バイト目）。",
                     f"cannot read it as UTF-8 text (byte {exc.start}).",
                     "PDF か UTF-8 のテキストを指定してください。", "Give a PDF or UTF-8 text.", "encoding") from None


def _error(where: Path | None, ja: str, en: str, hint_ja: str, hint_en: str, code: str) -> UsageError:
    return UsageError(Problem(Location(where), ja, en, hint_ja, hint_en, code=code))
