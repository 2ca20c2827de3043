"""Which folders are plans and which files of a plan are read: no plan vanishes without a
word, and only regular files inside the datasets folder are read, within the size limit,
cold or with a warm cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.errors import SourceError
from publisher.load import load_plan
from publisher.sources import read_source

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "tests" / "bad" / "_base" / "plan.yaml"
TIMEOUT = 60  # seconds: a FIFO that blocks fails the test instead of hanging it


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, CI="1", PYTHONIOENCODING="utf-8")
    return subprocess.run([sys.executable, "-m", "publisher", *map(str, args)], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=TIMEOUT)


def _plan(datasets: Path, plan_id: str, name: str = "plan.yaml") -> Path:
    """A minimal valid plan folder (tests/bad/_base) called ``plan_id``."""
    folder = datasets / plan_id
    folder.mkdir(parents=True)
    (folder / name).write_text(BASE.read_text(encoding="utf-8").replace("422011-bad", plan_id),
                               encoding="utf-8")
    return folder


def _snapshot(out: Path) -> tuple[str, dict[str, bytes]]:
    real = out.resolve()
    return os.readlink(out), {str(p.relative_to(real)): p.read_bytes()
                              for p in sorted(real.rglob("*")) if p.is_file()}


def _published(out: Path) -> set[str]:
    return {p.name.removesuffix(".nt") for p in (out / "downloads" / "plans").glob("*.nt")}


def _header(output: str, code: str) -> str:
    """The `where: [code]` line of the message with ``code``."""
    lines = [ln for ln in output.splitlines() if ln.endswith(f": [{code}]")]
    assert lines, f"no [{code}] message in:\n{output}"
    return lines[0]


# -- row 3: a folder that is no plan, plan.yml, a path that names no plan -----------------------

def test_a_folder_of_sources_without_plan_file_stops_the_build(tmp_path: Path) -> None:
    datasets = tmp_path / "datasets"
    _plan(datasets, "422011-one")
    two = _plan(datasets, "422011-two")
    out = tmp_path / "public"
    build = ("--datasets", datasets, "--out", out, "--cache-dir", tmp_path / "cache", "build")
    first = _cli(*build)
    assert first.returncode == 0, first.stderr
    assert _published(out) == {"422011-one", "422011-two"}
    before = _snapshot(out)

    (two / "plan.yaml").rename(two / "main.yaml")  # the plan: section is there, plan.yaml is not
    for args in (build, ("--datasets", datasets, "validate"), ("validate", two)):
        proc = _cli(*args)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        header = _header(proc.stderr, "no-plan-file")
        assert header.startswith(str(two) + ":"), header  # names the folder
        assert "main.yaml" in proc.stderr and "plan.yaml がありません" in proc.stderr
        assert "no plan.yaml" in proc.stderr and "move it out of the datasets folder" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert _snapshot(out) == before, "the publication changed"


def test_plan_yml_is_a_plan_file_and_both_plan_files_are_refused(tmp_path: Path) -> None:
    datasets = tmp_path / "datasets"
    _plan(datasets, "422011-one")
    yml = _plan(datasets, "422011-yml", name="plan.yml")
    out = tmp_path / "public"
    proc = _cli("--datasets", datasets, "--out", out, "--cache-dir", tmp_path / "cache", "build")
    assert proc.returncode == 0, proc.stderr
    assert _published(out) == {"422011-one", "422011-yml"}

    shutil.copyfile(yml / "plan.yml", yml / "plan.yaml")
    proc = _cli("--datasets", datasets, "--cache-dir", tmp_path / "cache", "validate")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _header(proc.stderr, "two-plan-files").startswith(str(yml / "plan.yml")), proc.stderr


def test_validate_a_path_without_plan_fails(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    (empty / "notes").mkdir(parents=True)
    proc = _cli("--cache-dir", tmp_path / "cache", "validate", empty)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _header(proc.stderr, "no-plan").startswith(str(empty) + ":")
    assert "計画が見つかりません" in proc.stderr and "no plan found" in proc.stderr


# -- row 6: only regular files inside the datasets folder are read -----------------------------

def _fifo(path: Path, outside: Path) -> None:
    os.mkfifo(path)


def _folder(path: Path, outside: Path) -> None:
    path.mkdir()


def _dev_zero(path: Path, outside: Path) -> None:
    path.symlink_to("/dev/zero")


def _outside(path: Path, outside: Path) -> None:
    outside.write_text("elements:\n  - {id: x1, level: goal, title: 外のファイル}\n", encoding="utf-8")
    path.symlink_to(outside)


# (what extra.yaml is, the [code] of its message)
ENTRIES = {"fifo": (_fifo, "not-a-file"), "folder": (_folder, "not-a-file"),
           "dev-zero": (_dev_zero, "outside-datasets"), "outside": (_outside, "outside-datasets")}


@pytest.mark.parametrize("kind", sorted(ENTRIES))
def test_a_source_that_is_no_regular_file_inside_datasets_is_refused(tmp_path: Path, kind: str) -> None:
    folder = _plan(tmp_path / "datasets", "422011-bad")
    make, code = ENTRIES[kind]
    make(folder / "extra.yaml", tmp_path / "outside.yaml")
    proc = _cli("--cache-dir", tmp_path / "cache", "validate", folder)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert _header(proc.stderr, code).startswith(str(folder / "extra.yaml")), proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_a_warm_cache_does_not_skip_a_refused_source(tmp_path: Path) -> None:
    """The cache key lists and reads the files the way the loader does: each entry that the
    loader refuses also fails the build that finds the plan's key remembered and its files
    cached."""
    datasets = tmp_path / "datasets"
    folder = _plan(datasets, "422011-bad")
    out = tmp_path / "public"
    build = ("--datasets", datasets, "--out", out, "--cache-dir", tmp_path / "cache", "build")
    assert _cli(*build).returncode == 0
    assert "no change" in _cli(*build).stdout  # the cache is warm
    before = _snapshot(out)
    for kind, (make, code) in sorted(ENTRIES.items()):
        make(folder / "extra.yaml", tmp_path / "outside.yaml")
        proc = _cli(*build)
        assert proc.returncode == 1, f"{kind}: {proc.stdout}{proc.stderr}"
        assert _header(proc.stderr, code).startswith(str(folder / "extra.yaml")), proc.stderr
        assert _snapshot(out) == before, f"{kind}: the publication changed"
        if (folder / "extra.yaml").is_dir() and not (folder / "extra.yaml").is_symlink():
            (folder / "extra.yaml").rmdir()
        else:
            (folder / "extra.yaml").unlink()


def test_a_link_to_another_plans_file_inside_datasets_is_read(tmp_path: Path) -> None:
    datasets = tmp_path / "datasets"
    one = _plan(datasets, "422011-one")
    two = _plan(datasets, "422011-two")
    (one / "more.yaml").write_text("elements:\n  - {id: g9, level: goal, title: 共有の目標}\n", encoding="utf-8")
    (two / "more.yaml").symlink_to(one / "more.yaml")
    assert "g9" in {item.data["id"] for item in load_plan(two).items("elements")}


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="needs Linux /proc")
def test_the_size_limit_is_counted_while_reading() -> None:
    """/proc files are regular files whose size says 0: the limit holds all the same."""
    status = Path("/proc/self/status")
    assert os.stat(status).st_size == 0
    with pytest.raises(SourceError) as caught:
        read_source(status, Path("/proc"), 10)
    assert [p.code for p in caught.value.problems] == ["too-large"]
    assert "more than 10 bytes" in str(caught.value)
