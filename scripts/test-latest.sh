#!/usr/bin/env bash
# The test suite against the newest release of every dependency, the lock ignored, in
# .venv-latest: upstream changes are found here before users find them. When it passes and
# the lock lags, `bash scripts/lock.sh --upgrade` moves the lock. Arguments go to pytest.
set -uo pipefail
cd "$(dirname "$0")/.."
PLANLOD_LATEST=1 exec bash scripts/test.sh "$@"
