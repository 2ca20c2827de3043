#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: system packages, a virtual environment installed
# from the lock (scripts/install.sh), pytest. Arguments go to pytest.
# Exits non-zero when a test fails or when no test was collected.
# scripts/test-latest.sh runs the same suite on the newest releases instead of the lock.
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

if [ "${PLANLOD_LATEST:-}" = 1 ]; then  # scripts/test-latest.sh: the lock ignored
  venv=.venv-latest
  python3 -m venv --clear "$venv" && "$venv/bin/pip" install -q --upgrade -e '.[test]' \
    || { echo "pip install failed"; exit 2; }
  "$venv/bin/pip" freeze --exclude-editable | tr '\n' ' ' && echo
else
  venv=.venv
  bash scripts/install.sh test || { echo "installing from the lock failed"; exit 2; }
fi
# CKAN's DCAT harvester, in an environment of its own (tests/test_catalog.py)
bash scripts/install.sh ckan || { echo "installing CKAN's harvester from requirements/ckan.txt failed"; exit 2; }

# axe-core, the accessibility checker tests/web/test_a11y.py injects into each page kind in
# Chromium: fetched once with npm (from the npm registry) into .cache/, pinned to one version.
AXE_VERSION=4.14.1
axe=".cache/axe-core-$AXE_VERSION"
if [ ! -f "$axe/axe.min.js" ]; then
  if ! command -v npm >/dev/null; then
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq && $sudo apt-get install -y -qq npm >/dev/null \
      || { echo "could not install npm with apt-get"; exit 2; }
  fi
  mkdir -p "$axe" && (cd "$axe" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null \
    && tar -xzf "axe-core-$AXE_VERSION.tgz" --strip-components=1 package/axe.min.js package/LICENSE) \
    || { echo "could not fetch axe-core $AXE_VERSION with npm"; exit 2; }
fi
export PLANLOD_AXE="$PWD/$axe/axe.min.js"

"$venv/bin/python" -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure"
  exit 1
fi
exit "$rc"
