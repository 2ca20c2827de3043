"""The lock: requirements/run.txt and requirements/test.txt pin every dependency that
pyproject.toml names, direct and transitive, at a version its bounds allow, each with hashes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^ ;\\]+)(?: ?;[^\\]*)?(?: \\)?$")


def pins(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """name → (version, hashes) of every pin in a lock file."""
    out: dict[str, tuple[str, list[str]]] = {}
    name = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        if m := PIN.match(line):
            name = canonicalize_name(m[1])
            out[name] = (m[2], [])
        elif name and (h := re.match(r"^\s+--hash=sha256:([0-9a-f]{64})", line)):
            out[name][1].append(h[1])
        elif not line.startswith(" "):
            name = None
    return out


def direct(extra: str | None) -> list[Requirement]:
    names = list(PYPROJECT["project"]["dependencies"]) + list(PYPROJECT["build-system"]["requires"])
    if extra:
        names += PYPROJECT["project"]["optional-dependencies"][extra]
    return [Requirement(r) for r in names]


@pytest.mark.parametrize(("lock", "extra"), [("run.txt", None), ("test.txt", "test")])
def test_the_lock_pins_every_dependency_within_its_bounds(lock: str, extra: str | None) -> None:
    pinned = pins(ROOT / "requirements" / lock)
    assert len(pinned) > len(direct(extra)), "transitive dependencies are pinned too"
    for req in direct(extra):
        name = canonicalize_name(req.name)
        assert name in pinned, f"{req.name} is not in requirements/{lock}: run scripts/lock.sh"
        version, hashes = pinned[name]
        assert req.specifier.contains(version, prereleases=True), (
            f"requirements/{lock} pins {req.name}=={version}, outside {req.specifier}: run scripts/lock.sh")
    for name, (version, hashes) in pinned.items():
        assert hashes, f"{name}=={version} has no hash in requirements/{lock}"


def test_the_test_lock_agrees_with_the_run_lock() -> None:
    """A version tested is the version run: the two files pin the shared packages alike."""
    run, test = pins(ROOT / "requirements" / "run.txt"), pins(ROOT / "requirements" / "test.txt")
    assert run.keys() <= test.keys()
    assert {n: run[n][0] for n in run} == {n: test[n][0] for n in run}
