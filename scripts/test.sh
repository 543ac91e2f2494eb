#!/usr/bin/env bash
# The test command of the README: installs what the tests need on a fresh Debian machine (as root),
# then type-checks, lints, checks formatting and runs every test. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

# Debian packages: the reference CA client library (libca, no headers) and pyepics for interop tests,
# a C compiler for the libca load client used by interop tests and benchmarks; iproute2, util-linux and
# tcpdump for the network namespaces of the real-gateway tests, the site test bed (test/site) and the demo;
# the libraries of the prebuilt EPICS peers; xmllint (libxml2-utils) for the schema checks of the generated
# Phoebus files; Debian's chromium for the status page test (driven by playwright-core, which downloads no
# browser).
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends libca4.13.5 libca-dev python3-pyepics gcc libc6-dev procps \
    iproute2 util-linux tcpdump libreadline8 libtinfo6 libstdc++6 libxml2-utils chromium >/dev/null \
    || { echo "apt-get install failed"; echo "0 passed, 1 failed"; exit 1; }
fi

# podman-compose (trixie's, with `config`) and cloud-init (its schema and network parser) for the
# engine tests, unpacked into .tmp by scripts/debian-tool.sh; their Python imports from Debian.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -qq --no-install-recommends python3-yaml python3-dotenv python3-configobj python3-jinja2 \
    python3-jsonpatch python3-jsonschema python3-netifaces python3-oauthlib python3-requests python3-serial >/dev/null \
    || echo "apt-get install of the engine tools' Python modules failed"
  PODMAN_COMPOSE=$(scripts/debian-tool.sh podman-compose) && export PODMAN_COMPOSE || echo "podman-compose fetch failed"
  CLOUD_INIT=$(scripts/debian-tool.sh cloud-init) && export CLOUD_INIT || echo "cloud-init fetch failed"
fi

npm ci --no-audit --no-fund >/dev/null || { echo "npm ci failed"; echo "0 passed, 1 failed"; exit 1; }

checks_failed=0
run_check() {
  local name=$1; shift
  if "$@"; then echo "check ok: $name"; else echo "check FAILED: $name"; checks_failed=$((checks_failed + 1)); fi
}
run_check typecheck npm run -s typecheck
run_check lint npm run -s lint
run_check format npm run -s format:check

mkdir -p .tmp
npx vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json
vitest_status=$?
# The container image (scripts/image-test.sh): whenever podman is there, and always in CI, where the
# script installs podman itself. Each of its checks is one "ok"/"not ok" line in the results file.
image_results=.tmp/image-test.results
rm -f "$image_results"
if [ "${CI:-}" = true ] || command -v podman >/dev/null; then
  IMAGE_TEST_RESULTS=$image_results bash scripts/image-test.sh
  image_status=$?
  if [ "$image_status" != 0 ] && ! grep -q '^not ok ' "$image_results" 2>/dev/null; then
    echo "not ok image-test.sh exited $image_status" >>"$image_results"
  fi
else
  echo "skipped: container image test (no podman here; under CI=true the test installs it)"
fi
node scripts/test-summary.mjs .tmp/vitest.json "$checks_failed" "$vitest_status" "$image_results"
