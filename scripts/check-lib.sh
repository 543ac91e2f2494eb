# Result lines, polling and helper processes for the shell test scripts (image-test.sh, compose-test.sh),
# sourced by both.
# Each check appends one "ok NAME" / "not ok NAME" line to $RESULTS (scripts/test-summary.mjs counts
# them) and counts failures in $failed. The sourcing script sets CHECK_TAG (its name, for the console)
# and, optionally, CHECK_PREFIX (put before every result name, e.g. "compose: ").
# shellcheck shell=bash

say() { echo "$CHECK_TAG: $*"; }
ok() { echo "ok ${CHECK_PREFIX:-}$1" >>"$RESULTS"; say "ok: $1"; }
not_ok() {
  echo "not ok ${CHECK_PREFIX:-}$1" >>"$RESULTS"
  say "FAILED: $1${2:+: $2}"
  failed=$((failed + 1))
}
check() { # NAME COMMAND...: one result line from the command's exit status
  local name=$1
  shift
  if "$@"; then ok "$name"; else not_ok "$name"; fi
}
wait_until() { # SECONDS COMMAND...: polls every 0.2 s until the command succeeds
  local end=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$end" ] || return 1
    sleep 0.2
  done
}
now() { echo "${EPOCHREALTIME/,/.}"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The background processes a script started and listed in its PIDS array. SIGKILL: softIoc -S ends its
# main thread, and its other threads block SIGTERM, so SIGTERM would leave it running. Reaped here: this
# machine's init may not, and bash would otherwise report each killed job ("Killed ...") in the output.
stop_pids() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  PIDS=()
}
