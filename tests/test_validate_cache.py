"""`planlod validate` with nothing changed takes every plan from the cache: it reports what the
first run reported and opens no source file (seen by a Python audit hook on ``open``, which
every way of reading a file goes through; no patching)."""

from __future__ import annotations

import sys
from pathlib import Path

from publisher.cli import main as planlod

ROOT = Path(__file__).resolve().parents[1]
OPENED: list[str] = []  # source files opened while a test listens (an audit hook stays for good)
LISTENING: list[bool] = []


def _hook(event: str, args: tuple) -> None:
    if LISTENING and event == "open" and str(args[0]).endswith((".yaml", ".yml")):
        OPENED.append(str(args[0]))


sys.addaudithook(_hook)


def _validate(cache: Path, capsys) -> tuple[int, str, list[str]]:  # noqa: ANN001
    OPENED.clear()
    LISTENING.append(True)
    try:
        code = planlod(["--datasets", str(ROOT / "datasets"), "--cache-dir", str(cache),
                        "--workers", "1", "--no-progress", "validate"])
    finally:
        LISTENING.clear()
    return code, capsys.readouterr().out, list(OPENED)


def test_warm_validate_reads_no_source_file_and_says_the_same(tmp_path, capsys):
    code, first, opened = _validate(tmp_path / "cache", capsys)
    assert opened, "the hook sees the first run read the plans"
    code_again, again, opened_again = _validate(tmp_path / "cache", capsys)
    assert opened_again == []
    assert code_again == code
    assert again.count(" (cached)") == len(list((ROOT / "datasets").iterdir()))
    assert again.replace(" (cached)", "") == first
    assert "場所 / at:" in again  # the results are still located in the source files
