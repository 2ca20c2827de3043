"""Docs that cannot drift: generated references, documented settings, runnable examples."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

from publisher.docgen import cli_reference
from publisher.namespaces import MPLAN
from publisher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _blocks(text: str, info: str) -> list[tuple[str, str]]:
    """(info string, body) of each fenced block whose info string starts with ``info``."""
    return [(m.group(1), m.group(2)) for m in
            re.finditer(r"^```(" + re.escape(info) + r"[^\n]*)\n(.*?)^```", text, re.S | re.M)]


def test_cli_reference_is_generated_from_help():
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_reference(), \
        "docs/cli.md is stale: run python -m publisher.docgen"


def test_every_setting_is_documented():
    table = (DOCS / "settings.md").read_text(encoding="utf-8")
    for f in dataclasses.fields(Settings):
        assert f"| `{f.name}` |" in table, f"setting {f.name} is not in docs/settings.md"


def test_readme_quick_start_is_what_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = [body.strip() for _, body in _blocks(quick, "sh")]
    assert len(commands) == 2, "the quick start is exactly two commands"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci.splitlines(), ".ci/run must run the README's test command verbatim"
    assert "planlod build" in commands[0] and "planlod serve" in commands[0]
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "-m pytest" in script and '"$rc" -eq 5' in script
    assert "scripts/install.sh test" in script, "the tests install from the lock"
    assert commands[0].startswith("bash scripts/install.sh &&"), "the quick start installs from the lock"


def _example_folder(tmp_path: Path) -> Path:
    text = (DOCS / "source-format.md").read_text(encoding="utf-8")
    folder = tmp_path / "datasets" / "422011-example"
    folder.mkdir(parents=True)
    for info, body in _blocks(text, "yaml ") + _blocks(text, "csv "):
        (folder / info.split()[1]).write_text(body, encoding="utf-8")
    assert {p.name for p in folder.iterdir()} == {"plan.yaml", "elements.yaml", "indicators.yaml",
                                                   "values.csv"}
    return folder


def _validate(folder: Path, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "publisher", "--cache-dir", str(cwd / "cache"),
                           "validate", str(folder.relative_to(cwd))], cwd=cwd,
                          env={**os.environ, "CI": "1", "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)


def test_source_format_example_validates(tmp_path):
    folder = _example_folder(tmp_path)
    result = _validate(folder, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK 422011-example" in result.stdout


def test_source_format_error_example_is_what_planlod_says(tmp_path):
    folder = _example_folder(tmp_path)
    ind = folder / "indicators.yaml"
    ind.write_text(ind.read_text(encoding="utf-8").replace("value: 68.9,", "value: 約70%,"),
                   encoding="utf-8")
    result = _validate(folder, tmp_path)
    assert result.returncode == 1
    text = (DOCS / "source-format.md").read_text(encoding="utf-8")
    shown = next(body for info, body in _blocks(text, "text") if "wrong-type" in body)
    assert shown.strip() in result.stderr, result.stderr


def test_levels_table_matches_the_data(seed_checked):
    """Every (shared level, local term) pair in the data is in docs/levels.md's row of that level."""
    rows = {}
    for line in (DOCS / "levels.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| (vision|goal|policy|measure|action) \(\d\) \|(.*)", line)
        if m:
            rows[m.group(1)] = m.group(2)
    assert set(rows) == {"vision", "goal", "policy", "measure", "action"}
    for g in seed_checked.graphs.values():
        for element, term in g.subject_objects(MPLAN.localLevelTerm):
            level = g.value(element, MPLAN.level)
            if level is None:
                continue
            name = str(level).rsplit("/", 1)[-1]
            assert str(term) in rows[name], f"{term} ({name}) is not in docs/levels.md"
