#!/usr/bin/env bash
# Install planlod into .venv from the lock, exactly the versions that were tested:
#   bash scripts/install.sh        to run it (requirements/run.txt)
#   bash scripts/install.sh test   to run the tests too (requirements/test.txt)
#   bash scripts/install.sh ckan   CKAN's DCAT harvester into .venv-ckan (requirements/ckan.txt),
#                                  which tests/test_ckan_harvest.py runs against a local instance
# Every file's hash is checked; the project itself is installed editable, without dependencies
# of its own choosing. scripts/lock.sh updates the lock.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-run}" in
  run) lock=requirements/run.txt ;;
  test) lock=requirements/test.txt ;;
  ckan)
    python3 -m venv .venv-ckan
    exec .venv-ckan/bin/pip install -q --require-hashes -r requirements/ckan.txt ;;
  *) echo "usage: bash scripts/install.sh [run|test|ckan]" >&2; exit 2 ;;
esac
python3 -m venv .venv
.venv/bin/pip install -q --require-hashes -r "$lock"
.venv/bin/pip install -q --no-deps --no-build-isolation -e .
