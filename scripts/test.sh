#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: system packages, a virtual environment, pytest.
# Exits non-zero when a test fails or when no test was collected.
set -uo pipefail
cd "$(dirname "$0")/.."

# System packages the tests use for real: Chromium (browser tests of the site) and Virtuoso
# (an external SPARQL store). Installed with apt-get as root, or through sudo.
packages=(chromium virtuoso-opensource)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "could not install ${missing[*]} with apt-get"; exit 2; }
fi

python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' || { echo "pip install failed"; exit 2; }
# pytest writes its exit status to this file when the session has finished (tests/conftest.py).
# Native objects still held by daemon threads of the test servers have, rarely, crashed the
# interpreter after that (a segfault at exit, after the summary): then pytest's own status,
# which counts every test, is the result. A crash before the session finished stays a failure.
status_file="$(mktemp)"
PLANLOD_PYTEST_STATUS="$status_file" .venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -ge 128 ] && [ -s "$status_file" ]; then
  echo "the interpreter crashed (signal $((rc - 128))) after pytest had finished; pytest's status: $(cat "$status_file")"
  rc="$(cat "$status_file")"
fi
rm -f "$status_file"
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure"
  exit 1
fi
exit "$rc"
