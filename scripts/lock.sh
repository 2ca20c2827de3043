#!/usr/bin/env bash
# Update the lock: requirements/run.txt (what planlod needs to run) and requirements/test.txt
# (that and what the tests need), requirements/ckan.txt (CKAN's DCAT harvester for one test), every dependency, direct and transitive, pinned with the
# hashes of its files, for every platform and every Python the project supports (≥ 3.11).
#
#   bash scripts/lock.sh                           after a change to pyproject.toml: other pins stay
#   bash scripts/lock.sh --upgrade-package rdflib  move one package to its newest release
#   bash scripts/lock.sh --upgrade                 move everything to the newest releases
#
# Then run `bash scripts/test.sh`, and commit the lock with the change that needed it.
# Needs uv (`pip install uv`); what it writes is installed by plain pip (scripts/install.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v uv >/dev/null || { echo "scripts/lock.sh needs uv: pip install uv" >&2; exit 2; }
common=(--universal --python-version 3.11 --generate-hashes --quiet "$@")
uv pip compile pyproject.toml requirements/build.in "${common[@]}" -o requirements/run.txt
uv pip compile pyproject.toml requirements/build.in --extra test "${common[@]}" -o requirements/test.txt
uv pip compile requirements/ckan.in "${common[@]}" -o requirements/ckan.txt
