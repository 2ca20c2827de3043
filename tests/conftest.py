"""Shared fixtures: paths, and one real build of the seed corpus per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from golden import seed_settings
from shared_files import shared_path

from publisher.build import Checked, build, check
from publisher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def shared() -> Path:
    """../shared beside the checkout (skipped, or failed under CI, when it is missing)."""
    return shared_path()


@pytest.fixture(scope="session")
def seed_checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """The five seed plans loaded, converted and validated."""
    tmp = tmp_path_factory.mktemp("checked")
    return check(Settings(datasets=ROOT / "datasets", cache_dir=tmp / "cache", progress=False))


@pytest.fixture(scope="session")
def seed_publication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real build of the seed corpus; returns the publication (the `public` symlink)."""
    settings = seed_settings(tmp_path_factory.mktemp("publication"))
    result = build(settings)
    assert result.checked.conforms, "the seed corpus must conform"
    return settings.out


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> pytest.TestReport:
    """A failed test's report also says how each real store server is doing (is it running,
    the end of its log), so a failure on a CI machine can be told from a store that fell over."""
    import sys

    report = yield
    servers = sys.modules.get("servers")
    if report.failed and servers is not None:
        for server in list(servers.RUNNING):
            report.sections.append((f"{server.name} store", server.health()))
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Close every store before the interpreter exits.

    A pyoxigraph store is a RocksDB database, closed only when its Python object is freed. The
    web apps of the tests hold stores in reference cycles (a Starlette app refers to itself
    through its middleware and state), so, once the fixtures are torn down, those stores are
    garbage that only the cycle collector frees. Left to the interpreter's own teardown, they
    were freed while modules were half gone, or not at all before the C++ static destructors
    ran under RocksDB's background threads: the rare segfault at exit, after the summary. Here
    the cycles are collected while everything is still whole, and a store still reachable
    fails the run, naming what holds it.
    """
    import gc

    import pyoxigraph

    gc.collect()
    left = [o for o in gc.get_objects() if isinstance(o, pyoxigraph.Store)]
    if left:
        holders = sorted({type(r).__qualname__ for o in left for r in gc.get_referrers(o)} - {"list"})
        session.config.get_terminal_writer().line(
            f"{len(left)} pyoxigraph store(s) still open after every fixture was torn down, held "
            f"by {holders}: release them in the fixture that opened them.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
