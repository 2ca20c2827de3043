"""The third-party files the tests read from ``../shared`` beside the checkout (the DCAT-AP
shapes, the UN SDG scheme, the W3C protocol tests, the seed texts). They are not in the
repository, so a plain clone has no such folder: the tests that need it are then skipped, all
with one reason. CI (``CI=true``) and ``PLANLOD_REQUIRE_SHARED=1`` turn that skip into a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
REQUIRE = "PLANLOD_REQUIRE_SHARED"


def required() -> bool:
    """Whether a missing ../shared fails the tests instead of skipping them."""
    return os.environ.get(REQUIRE) == "1" or os.environ.get("CI") == "true"


def shared_path(*parts: str) -> Path:
    """``../shared/<parts>``; skips the calling test (fails it under CI) when ../shared is missing."""
    if not SHARED.is_dir():
        reason = (f"{SHARED} is missing: these tests read third-party files from there "
                  "(see the README)")
        if required():
            pytest.fail(f"{reason}; CI=true or {REQUIRE}=1 requires them", pytrace=False)
        pytest.skip(reason)
    return SHARED.joinpath(*parts)
