"""Shared fixtures: paths, and one real build of the seed corpus per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from publisher.build import Checked, build, check
from publisher.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the checkout; a missing folder fails the tests that need it."""
    assert SHARED.is_dir(), f"{SHARED} is missing: tests read the shared files from there"
    return SHARED


@pytest.fixture(scope="session")
def seed_checked(tmp_path_factory: pytest.TempPathFactory) -> Checked:
    """The five seed plans loaded, converted and validated."""
    tmp = tmp_path_factory.mktemp("checked")
    return check(Settings(datasets=ROOT / "datasets", cache_dir=tmp / "cache", progress=False))


@pytest.fixture(scope="session")
def seed_publication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real build of the seed corpus; returns the publication (the `public` symlink)."""
    tmp = tmp_path_factory.mktemp("publication")
    settings = Settings(datasets=ROOT / "datasets", out=tmp / "public", cache_dir=tmp / "cache",
                        progress=False, source_date_epoch=1767225600)
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


# Native objects (pyoxigraph stores and results) still held by daemon threads of the test
# servers can crash the interpreter during its own teardown, after every test has run and been
# reported (seen as a segfault at exit on a loaded machine). Leave without that teardown, with
# pytest's own exit status, so a crash at exit can never turn a real result into another one.
_EXIT_STATUS = pytest.StashKey[int]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_EXIT_STATUS] = int(exitstatus)
    # scripts/test.sh reads pytest's own verdict from here if the interpreter crashes later
    import os

    status_file = os.environ.get("PLANLOD_PYTEST_STATUS")
    if status_file and not hasattr(session.config, "workerinput"):
        Path(status_file).write_text(f"{int(exitstatus)}\n", encoding="utf-8")


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    if _EXIT_STATUS in config.stash and not hasattr(config, "workerinput"):
        import os
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(config.stash[_EXIT_STATUS])
