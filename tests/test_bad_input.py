"""Bad inputs: every case of tests/bad gets a located, bilingual message with a hint.

Each case runs the real CLI (`python -m publisher validate <folder>`) in a subprocess, the
way a user runs it. The selected cases run concurrently, once, in the `outcomes` fixture;
each test then checks one case. See tests/bad/README.md for the case format.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BAD = ROOT / "tests" / "bad"
BASE = BAD / "_base"
SIDECAR = ".expected.yaml"
DEFAULT_FOLDER = "422011-bad"
TIMEOUT = 60  # seconds; a case that hangs fails instead of blocking the run
NOT_CASES = {"README.md", ".gitattributes"}
# (suffix of the case file, name it gets in the plan folder; None = its own name)
KINDS = ((".plan.yaml", "plan.yaml"), (".values.csv", "values.csv"), (".yaml", None))

HEADER = re.compile(
    r"^(?P<file>\S.*?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?(?: \((?P<jpath>.*)\))?"
    r": \[(?P<code>[A-Za-z0-9_-]+)\]$")
JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


def _env() -> dict[str, str]:
    env = dict(os.environ, CI="1", PYTHONIOENCODING="utf-8")
    env.pop("SOURCE_DATE_EPOCH", None)
    return env


def _cli(*args: str | Path, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "publisher", *map(str, args)], cwd=ROOT,
                          env=_env(), capture_output=True, text=True, encoding="utf-8",
                          errors="replace", timeout=timeout)


# -- the corpus ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    source: Path | None  # the case file; None for a generated one
    placed_as: str  # its name in the plan folder
    expected: dict = field(hash=False, compare=False)

    @property
    def folder_name(self) -> str:
        return self.expected.get("folder", DEFAULT_FOLDER)


def _case_files() -> list[Path]:
    return sorted(p for p in BAD.iterdir()
                  if p.is_file() and p.name not in NOT_CASES and not p.name.endswith(SIDECAR))


def _case_id(path: Path) -> tuple[str, str]:
    for suffix, placed in KINDS:
        if path.name.endswith(suffix):
            return path.name[: -len(suffix)], placed or path.name
    raise AssertionError(f"{path.name}: a case file ends with .plan.yaml, .values.csv or .yaml")


def _sidecar(path: Path) -> dict:
    """The expectations of a case; an unreadable sidecar is reported by the tests, not here."""
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return {"invalid": f"{path.name}: {exc}"}
    return data if isinstance(data, dict) else {"invalid": f"{path.name} is not a mapping"}


def _cases() -> list[Case]:
    found: dict[str, Case] = {}
    for path in _case_files():
        try:
            cid, placed = _case_id(path)
        except AssertionError:
            continue  # reported by test_corpus_is_complete
        sidecar = BAD / f"{cid}{SIDECAR}"
        if sidecar.is_file():
            found[cid] = Case(cid, path, placed, _sidecar(sidecar))
    for sidecar in sorted(BAD.glob(f"*{SIDECAR}")):
        cid = sidecar.name[: -len(SIDECAR)]
        expected = _sidecar(sidecar)
        if cid not in found and expected.get("generated"):
            found[cid] = Case(cid, None, expected["generated"]["name"], expected)
    return [found[k] for k in sorted(found)]


CASES = _cases()


def _build_folder(case: Case, tmp: Path) -> Path:
    folder = tmp / case.id / case.folder_name
    folder.mkdir(parents=True)
    shutil.copy(BASE / "plan.yaml", folder / "plan.yaml")
    target = folder / case.placed_as
    if case.source is not None:
        shutil.copyfile(case.source, target)  # bytes as they are
    else:
        _generate(target, case.expected["generated"])
    return folder


def _generate(target: Path, spec: dict) -> None:
    """``parts`` ([text, times] pairs) joined, or a well-formed file of exactly ``bytes``."""
    if "parts" in spec:
        target.write_text("".join(text * int(times) for text, times in spec["parts"]), "utf-8")
        return
    size = int(spec["bytes"])
    if target.suffix == ".csv":
        head, row = b"indicator,kind,value,fiscal_year\n", b"i1,actual,70,R3\xe5\xb9\xb4\xe5\xba\xa6\n"
    else:
        head, row = b"elements:\n", b"  - {id: g1, level: goal, title: t}\n"
    body = head + row * ((size - len(head)) // len(row) + 1)
    target.write_bytes(body[: size - 1] + b"\n")


@dataclass
class Outcome:
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    folder: Path

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _run(case: Case, tmp: Path) -> Outcome:
    folder = _build_folder(case, tmp)
    start = time.monotonic()
    try:
        proc = _cli("--cache-dir", tmp / case.id / "cache", "--workers", "1", "validate", folder)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else exc.stderr or ""
        return Outcome(None, out, err, time.monotonic() - start, folder)
    finally:
        if case.source is None:  # do not keep 50 MiB files around
            (folder / case.placed_as).unlink(missing_ok=True)
    return Outcome(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start, folder)


@pytest.fixture(scope="module")
def outcomes(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Run every selected case at once (the CLI is mostly start-up time)."""
    wanted = [item.callspec.params["case"] for item in request.session.items
              if getattr(item, "originalname", "") == "test_bad_input"
              and hasattr(item, "callspec")]
    tmp = tmp_path_factory.mktemp("bad")
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {case.id: pool.submit(_run, case, tmp) for case in wanted}
        return {cid: f.result() for cid, f in futures.items()}


# -- reading the messages ----------------------------------------------------------------------

@dataclass
class Message:
    header: re.Match[str]
    lines: list[str]

    @property
    def text(self) -> str:
        return "\n".join([self.header.group(0), *self.lines])


def _messages(output: str) -> list[Message]:
    """The `file:line:col (path): [code]` blocks of the output with their indented lines."""
    messages: list[Message] = []
    for line in output.splitlines():
        match = HEADER.match(line)
        if match:
            messages.append(Message(match, []))
        elif messages and line.startswith("  "):
            messages[-1].lines.append(line)
    return messages


def _names_file(header: re.Match[str], name: str, folder: Path) -> bool:
    shown = Path(header["file"])
    return shown.name == name and shown.parent.name == folder.name


def _is_english(text: str) -> bool:
    """Two English words or more (Japanese names and values may appear in between)."""
    return len(re.findall(r"\b[A-Za-z]{2,}\b", text)) >= 2


def _where(exp: dict) -> str:
    col = "" if exp["column"] is None else f":{exp['column']}"
    return f"{exp['file']}:{exp['line']}{col} [{exp['code']}]"


# -- the tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, outcomes: dict[str, Outcome]) -> None:
    exp = case.expected
    assert "invalid" not in exp, exp.get("invalid")
    got = outcomes[case.id]
    shown = f"\n--- output of validate ({got.returncode}) ---\n{got.output}"
    assert got.returncode is not None, f"the CLI did not answer within {TIMEOUT} s{shown}"
    assert got.returncode >= 0, f"the CLI crashed: killed by signal {-got.returncode}{shown}"
    assert "Traceback" not in got.output, f"a Python traceback{shown}"
    assert "internal error" not in got.output, f"an internal error instead of a message{shown}"
    assert got.returncode in (1, 2), f"exit code {got.returncode}, expected 1 or 2{shown}"
    assert got.returncode == exp["exit"], f"exit code {got.returncode}, expected {exp['exit']}{shown}"
    for forbidden in exp.get("forbid", []):
        assert forbidden not in got.output.splitlines(), f"{forbidden!r} was printed{shown}"
    if "max_seconds" in exp:
        assert got.seconds < exp["max_seconds"], \
            f"took {got.seconds:.1f} s, expected under {exp['max_seconds']} s"

    messages = _messages(got.output)
    assert messages, f"no `file:line:col (path): [code]` message at all{shown}"
    same_code = [m for m in messages if m.header["code"] == exp["code"]]
    assert same_code, f"no [{exp['code']}] message{shown}"
    in_file = [m for m in same_code if _names_file(m.header, exp["file"], got.folder)]
    assert in_file, f"no [{exp['code']}] message names {exp['file']}{shown}"
    located = [m for m in in_file if m.header["line"] is not None]
    assert located, f"the [{exp['code']}] message has no line number (want {_where(exp)}){shown}"
    on_line = [m for m in located if int(m.header["line"]) == exp["line"]]
    assert on_line, f"the [{exp['code']}] message is on the wrong line (want {_where(exp)}){shown}"
    if exp["column"] is not None:
        with_col = [m for m in on_line if m.header["col"] is not None]
        assert with_col, f"the [{exp['code']}] message has no column (want {_where(exp)}){shown}"
        on_line = [m for m in with_col if int(m.header["col"]) == exp["column"]]
        assert on_line, f"the [{exp['code']}] message is in the wrong column (want {_where(exp)}){shown}"

    msg = on_line[0]
    body = msg.text
    assert exp["ja"] in body, f"Japanese text {exp['ja']!r} missing{shown}"
    assert exp["en"] in body, f"English text {exp['en']!r} missing{shown}"
    for extra in exp.get("also", []):
        assert extra in body, f"{extra!r} missing{shown}"
    _check_layout(msg, shown)


def _check_layout(msg: Message, shown: str) -> None:
    """Japanese message, `  → ` Japanese hint, English message, `  → ` English hint."""
    kinds = ["hint" if ln.startswith("  → ") else "text" for ln in msg.lines]
    hints = [i for i, k in enumerate(kinds) if k == "hint"]
    assert len(hints) >= 2, f"want a hint line (`  → …`) after each language's message{shown}"
    ja_text = " ".join(msg.lines[: hints[0]])
    en_text = " ".join(msg.lines[hints[0] + 1: hints[1]])
    ja_hint, en_hint = msg.lines[hints[0]], msg.lines[hints[1]]
    assert JAPANESE.search(ja_text), f"the message does not start in Japanese{shown}"
    assert JAPANESE.search(ja_hint), f"the first hint is not in Japanese{shown}"
    assert _is_english(en_text), f"no English message between the two hints{shown}"
    assert _is_english(en_hint), f"the second hint is not in English{shown}"


def test_corpus_is_complete() -> None:
    """Every case file has a sidecar, every sidecar a case (or `generated:`), ids are unique."""
    problems = []
    ids: dict[str, Path] = {}
    for path in _case_files():
        try:
            cid, _ = _case_id(path)
        except AssertionError as exc:
            problems.append(str(exc))
            continue
        if cid in ids:
            problems.append(f"{path.name} and {ids[cid].name} are both case {cid!r}")
        ids[cid] = path
        if not (BAD / f"{cid}{SIDECAR}").is_file():
            problems.append(f"{path.name} has no sidecar {cid}{SIDECAR}")
    required = {"exit", "file", "line", "column", "code", "ja", "en"}
    for sidecar in sorted(BAD.glob(f"*{SIDECAR}")):
        cid = sidecar.name[: -len(SIDECAR)]
        exp = _sidecar(sidecar)
        if "invalid" in exp:
            problems.append(exp["invalid"])
            continue
        if missing := required - set(exp):
            problems.append(f"{sidecar.name} lacks {sorted(missing)}")
        if exp.get("exit") not in (1, 2):
            problems.append(f"{sidecar.name}: exit must be 1 or 2")
        generated = exp.get("generated")
        if generated:
            if cid in ids:
                problems.append(f"{sidecar.name} is generated but {ids[cid].name} exists too")
            if "name" not in generated or not {"bytes", "parts"} & set(generated):
                problems.append(f"{sidecar.name}: generated needs name, and bytes or parts")
        elif cid not in ids:
            problems.append(f"{sidecar.name} has no case file (and is not generated:)")
    assert not problems, "\n".join(problems)
    assert {c.id for c in CASES} == set(ids) | {
        s.name[: -len(SIDECAR)] for s in BAD.glob(f"*{SIDECAR}")
        if _sidecar(s).get("generated")}
    big = [p.name for p in BAD.rglob("*") if p.is_file() and p.stat().st_size > 1_000_000]
    assert not big, f"large files are generated at test time, not committed: {big}"


def test_base_is_valid(tmp_path: Path) -> None:
    """The base the cases are placed beside is valid on its own, so each failure is the case's."""
    folder = tmp_path / DEFAULT_FOLDER
    folder.mkdir()
    shutil.copy(BASE / "plan.yaml", folder / "plan.yaml")
    proc = _cli("--cache-dir", tmp_path / "cache", "--workers", "1", "validate", folder)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


# -- a bad input never changes the publication ------------------------------------------------

def _snapshot(out: Path) -> tuple[str, dict[str, bytes], list[str]]:
    real = out.resolve()
    files = {str(p.relative_to(real)): p.read_bytes() for p in sorted(real.rglob("*"))
             if p.is_file()}
    releases = sorted(p.name for p in (out.parent / f"{out.name}.releases").iterdir())
    return os.readlink(out), files, releases


def test_bad_input_leaves_publication_unchanged(tmp_path: Path) -> None:
    import pyoxigraph

    datasets = tmp_path / "datasets"
    plan = datasets / "422011-nagasaki-2025"
    shutil.copytree(ROOT / "datasets" / "422011-nagasaki-2025", plan)
    out = tmp_path / "public"
    build = ("--datasets", datasets, "--out", out, "--cache-dir", tmp_path / "cache", "build")

    first = _cli(*build, timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert out.is_symlink()
    store = pyoxigraph.Store.read_only(str(out / "store"))
    quads = len(store)
    del store
    assert quads > 0
    before = _snapshot(out)

    # the same element id (h, the goal of elements.yaml) again in another file
    (plan / "zz-duplicate.yaml").write_text(
        "elements:\n  - id: h\n    level: goal\n    title: 重複\n", encoding="utf-8")
    second = _cli(*build, timeout=300)
    output = second.stdout + second.stderr
    assert second.returncode == 1, output
    assert "Traceback" not in output
    assert "[duplicate-id]" in output and "zz-duplicate.yaml:2:9" in output, output

    after = _snapshot(out)
    assert after[0] == before[0], "the symlink now points elsewhere"
    assert after[2] == before[2], f"releases changed: {before[2]} → {after[2]}"
    assert after[1].keys() == before[1].keys(), "files were added or removed"
    changed = [name for name in before[1] if after[1][name] != before[1][name]]
    assert not changed, f"files changed: {changed}"
    assert len(pyoxigraph.Store.read_only(str(out / "store"))) == quads
