#!/usr/bin/env bash
# Starts a two-container site with podman-compose from the image, as `gwagent site render --target
# compose --internal-bridges` writes it (test/compose/two-containers.json), and checks it with real
# EPICS tools: both health IOCs answer, a PV of one subnet reaches the other through both containers'
# gateways over the GIN, `gwagent fleet status` lists both, and `podman-compose down` leaves nothing.
# Run by scripts/image-test.sh after the build; each check is one "ok"/"not ok" line in
# $IMAGE_TEST_RESULTS (scripts/test-summary.mjs counts them); exits 1 if any failed.
#
# Networks: three internal podman bridges on free 198.19.N.0/24 subnets (benchmark range, no route
# out); every container is attached to them only. Three helper containers of the same image stand for
# the hosts of subnet A, subnet B and an operator's station on the GIN; the peers' softIoc, caget and
# caRepeater run on this machine inside their network namespaces (nsenter), killed by PID on exit.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RESULTS=${IMAGE_TEST_RESULTS:-/dev/null}
PEERS=${EPICS_PEERS:-$REPO/../shared/peers/epics}
EPICS_BIN=$PEERS/bin/linux-x86_64
VERSION=$(node -p "require('./package.json').version")
IMAGE=localhost/gwagent:$VERSION # the image site render names by default
ID=${COMPOSE_TEST_PREFIX:-gwc}$$  # compose project; prefixes its containers, networks and volumes
WORK=$(mktemp -d)
PIDS=()
failed=0

CHECK_TAG=compose-test
CHECK_PREFIX="compose: "
# shellcheck source=scripts/check-lib.sh
source "$REPO/scripts/check-lib.sh"

compose() { timeout "${COMPOSE_TIMEOUT:-180}" $PODMAN_COMPOSE -p "$ID" -f "$WORK/compose/compose.yaml" -f "$WORK/ci.yaml" "$@"; }
project() { echo "label=io.podman.compose.project=$ID"; }
cleanup() {
  stop_pids
  if [ -f "$WORK/ci.yaml" ] && [ -n "$(podman ps -a -q --filter "$(project)" 2>/dev/null)" ]; then
    COMPOSE_TIMEOUT=60 compose down -v >/dev/null 2>&1
  fi
  # whatever a failed podman-compose left: only this project's objects, by its label
  for c in $(podman ps -a -q --filter "$(project)" 2>/dev/null); do podman rm -f -v -t 0 "$c" >/dev/null 2>&1; done
  for n in $(podman network ls -q --filter "$(project)" 2>/dev/null); do podman network rm -f "$n" >/dev/null 2>&1; done
  for v in $(podman volume ls -q --filter "$(project)" 2>/dev/null); do podman volume rm -f "$v" >/dev/null 2>&1; done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap "exit 143" INT TERM

# --- what the test needs (image-test.sh has installed podman and built the image) --------------------
skip_or_fail() {
  if [ "${CI:-}" = true ]; then
    not_ok "compose test prerequisites" "$1"
    exit 1
  fi
  say "skipped: $1"
  exit 0
}
[ -x "$EPICS_BIN/caget" ] || skip_or_fail "no EPICS peers at $PEERS (set EPICS_PEERS)"
[ "$(id -u)" = 0 ] || skip_or_fail "not root (rootful podman, nsenter)"
command -v podman >/dev/null || skip_or_fail "no podman"
podman image exists "$IMAGE" || skip_or_fail "no image $IMAGE (scripts/image-test.sh builds it)"
[ -f dist/cli/main.js ] || skip_or_fail "gwagent not built (npm ci builds dist/)"
if [ -z "${PODMAN_COMPOSE:-}" ]; then
  PODMAN_COMPOSE=$(scripts/debian-tool.sh podman-compose) || skip_or_fail "podman-compose fetch failed"
fi
pc_version=$($PODMAN_COMPOSE --version 2>/dev/null | awk '/^podman-compose version/ { print $3 }')
[ -n "$pc_version" ] || skip_or_fail "podman-compose does not run: $PODMAN_COMPOSE"
say "podman-compose $pc_version, podman $(podman version --format '{{.Client.Version}}')"
# Called alone: the same engine settings as image-test.sh (runc; ulimits within this process's).
if [ -z "${CONTAINERS_CONF:-}" ]; then
  nofile=$(ulimit -Hn) nproc=$(ulimit -Hu)
  [ "$nofile" = unlimited ] && nofile=1048576
  { [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
  printf '[containers]\ndefault_ulimits = ["nofile=%s:%s", "nproc=%s:%s"]\n\n[engine]\nruntime = "runc"\n' \
    "$nofile" "$nofile" "$nproc" "$nproc" >"$WORK/containers.conf"
  export CONTAINERS_CONF=$WORK/containers.conf
fi

# --- three free /24s in 198.19.200-253 (no podman network, no route of this machine uses them) -------
used=$( (podman network inspect --format '{{range .Subnets}}{{.Subnet}} {{end}}' $(podman network ls -q) 2>/dev/null; ip -4 route show table all) | tr ' ' '\n')
N=
for ((k = 0; k < 18; k++)); do
  n=$((200 + 3 * (($$ + k) % 18)))
  grep -qE "^198\.19\.($n|$((n + 1))|$((n + 2)))\." <<<"$used" || { N=$n; break; }
done
[ -n "$N" ] || { not_ok "three free /24 subnets in 198.19.200.0-198.19.253.255"; exit 1; }
GIN=198.19.$N ACC=198.19.$((N + 1)) AWF=198.19.$((N + 2))
say "project $ID: GIN $GIN.0/24, subnet A (acc) $ACC.0/24, subnet B (awf) $AWF.0/24"

# --- the site, rendered for compose; the test's own additions in an override file ------------------
sed -e "s/\$GIN/$GIN/g" -e "s/\$ACC/$ACC/g" -e "s/\$AWF/$AWF/g" test/compose/two-containers.json >"$WORK/site.json"
if node bin/gwagent.js site render "$WORK/site.json" --target compose --internal-bridges --out "$WORK/compose" \
  >"$WORK/render.log" 2>&1; then
  ok "site render --target compose --internal-bridges writes compose.yaml and the INIs"
else
  cat "$WORK/render.log"
  not_ok "site render --target compose --internal-bridges"
  exit 1
fi
# Helpers: the same image, doing nothing but hold a network namespace (tini passes SIGTERM to sleep).
helper() { # SERVICE NETWORK ADDRESS
  cat <<EOF
  $1:
    image: $IMAGE
    container_name: $ID-$1
    entrypoint: [/usr/bin/tini, "--", sleep]
    command: [infinity]
    healthcheck: { disable: true }
    restart: "no"
    networks: { $2: { ipv4_address: $3 } }
EOF
}
{
  echo "services:"
  # the site's services keep everything but a name of this project's own
  for s in cr01gw01 cr01gw02; do printf '  %s:\n    container_name: %s-%s\n' "$s" "$ID" "$s"; done
  helper gin-host gin "$GIN.10"
  echo "    volumes: [\"$WORK/site.json:/etc/gwagent-site/site.json:ro\"]"
  helper acc-host acc "$ACC.10"
  helper awf-host awf "$AWF.10"
} >"$WORK/ci.yaml"

# --- up ----------------------------------------------------------------------------------------------
t_up=$(now)
if compose up -d >"$WORK/up.log" 2>&1; then
  up_s=$(since "$t_up")
  ok "podman-compose up -d starts the site's two containers and three helpers"
else
  tail -20 "$WORK/up.log"
  not_ok "podman-compose up -d" "exit status $?"
  exit 1
fi

nets_of() { podman inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAddress}} {{end}}' "$ID-$1"; }
declare -A EXPECT=(
  [cr01gw01]="${ID}_acc=$ACC.91 ${ID}_gin=$GIN.91 " [cr01gw02]="${ID}_awf=$AWF.92 ${ID}_gin=$GIN.92 "
  [gin-host]="${ID}_gin=$GIN.10 " [acc-host]="${ID}_acc=$ACC.10 " [awf-host]="${ID}_awf=$AWF.10 "
)
attached_as_rendered() {
  local c
  for c in "${!EXPECT[@]}"; do
    [ "$(nets_of "$c")" = "${EXPECT[$c]}" ] || { say "$c: $(nets_of "$c") (expected ${EXPECT[$c]})"; return 1; }
  done
}
check "every container is on its project networks only, at the site's addresses (no default network)" attached_as_rendered
internal_bridges() {
  local n got
  for n in gin:$GIN acc:$ACC awf:$AWF; do
    got=$(podman network inspect --format '{{.Driver}} {{.Internal}} {{range .Subnets}}{{.Subnet}}{{end}}' "${ID}_${n%%:*}")
    [ "$got" = "bridge true ${n#*:}.0/24" ] || { say "network ${ID}_${n%%:*}: $got"; return 1; }
  done
}
check "the three networks are internal bridges on the site's subnets" internal_bridges
declare -A NETNS
for c in "${!EXPECT[@]}"; do NETNS[$c]=/proc/$(podman inspect --format '{{.State.Pid}}' "$ID-$c")/ns/net; done
in_ns() { # CONTAINER COMMAND...
  local ns=${NETNS[$1]}
  shift
  nsenter --net="$ns" "$@"
}
no_route_out() {
  local c
  for c in "${!EXPECT[@]}"; do [ -z "$(in_ns "$c" ip -4 route show default)" ] || return 1; done
}
check "no container has a default route: nothing leaves the machine" no_route_out

# --- the hosts of the subnets and the GIN: caRepeater, softIoc, caget ---------------------------------
for c in gin-host acc-host awf-host; do
  nsenter --net="${NETNS[$c]}" "$EPICS_BIN/caRepeater" >/dev/null 2>&1 &
  PIDS+=($!) # nsenter execs the program: $! is caRepeater
done
repeaters_bound() { for c in gin-host acc-host awf-host; do in_ns "$c" ss -Hlun 'sport = :5065' | grep -q . || return 1; done; }
wait_until 10 repeaters_bound || not_ok "caRepeater in the helpers' namespaces"
soft_ioc() { # HELPER ADDRESS RECORD VALUE
  printf 'record(ai, "%s") {\n  field(VAL, "%s")\n  field(PINI, "YES")\n}\n' "$3" "$4" >"$WORK/$3.db"
  nsenter --net="${NETNS[$1]}" env EPICS_CAS_INTF_ADDR_LIST="$2" EPICS_CAS_AUTO_BEACON_ADDR_LIST=NO \
    EPICS_CAS_BEACON_ADDR_LIST="${2%.*}.255" "$EPICS_BIN/softIoc" -D "$PEERS/dbd/softIoc.dbd" -S -d "$WORK/$3.db" \
    >"$WORK/$3.log" 2>&1 &
  PIDS+=($!)
}
soft_ioc acc-host "$ACC.10" CI:A:VAL 42
soft_ioc awf-host "$AWF.10" CI:B:VAL 7
caget_from() { # HELPER SERVER caget-args...: a real client searching that one server
  local c=$1 addr=$2
  shift 2
  in_ns "$c" env EPICS_CA_AUTO_ADDR_LIST=NO EPICS_CA_ADDR_LIST="$addr" timeout 10 "$EPICS_BIN/caget" -w 2 "$@" 2>&1
}
pv_is() { [ "$(caget_from "$1" "$2" -t "$3")" = "$4" ]; } # HELPER SERVER PV VALUE

# --- health IOCs and gateways ------------------------------------------------------------------------
health_answers() { caget_from gin-host "$GIN.91:5070" CR01GW01:STATUS && caget_from gin-host "$GIN.92:5070" CR01GW02:STATUS; }
if wait_until 60 health_answers; then
  health_s=$(since "$t_up")
  ok "both health IOCs answer the peers' caget on the GIN (CR01GW01:STATUS, CR01GW02:STATUS)"
  caget_from gin-host "$GIN.91:5070" CR01GW01:STATUS | sed 's/^/compose-test:   /'
  caget_from gin-host "$GIN.92:5070" CR01GW02:STATUS | sed 's/^/compose-test:   /'
else
  not_ok "both health IOCs answer on the GIN" "$(caget_from gin-host "$GIN.91:5070" CR01GW01:STATUS)"
  podman logs "$ID-cr01gw01" 2>&1 | tail -20
fi
all_running() {
  pv_is gin-host "$GIN.91:5070" CR01GW01:GWF01:STATE RUNNING && pv_is gin-host "$GIN.91:5070" CR01GW01:GWR01:STATE RUNNING &&
    pv_is gin-host "$GIN.92:5070" CR01GW02:GWF02:STATE RUNNING && pv_is gin-host "$GIN.92:5070" CR01GW02:GWR02:STATE RUNNING
}
if wait_until 60 all_running; then
  running_s=$(since "$t_up")
  ok "the four gateways are RUNNING (CR01GW01:GWF01/GWR01, CR01GW02:GWF02/GWR02 :STATE)"
else
  not_ok "the four gateways are RUNNING" "$(caget_from gin-host "$GIN.91:5070" -t CR01GW01:GWF01:STATE CR01GW01:GWR01:STATE)"
  podman logs "$ID-cr01gw01" 2>&1 | tail -20
fi

# --- gateway hops ------------------------------------------------------------------------------------
check "the GIN reads subnet A's PV from CR01GW01's forward gateway (CI:A:VAL = 42 at $GIN.91)" \
  wait_until 20 pv_is gin-host "$GIN.91" CI:A:VAL 42
t0=$(now)
if wait_until 30 pv_is awf-host "$AWF.92" CI:A:VAL 42; then
  ok "subnet B reads subnet A's PV through CR01GW02's reverse and CR01GW01's forward gateway over the GIN (CI:A:VAL = 42)"
  hop_s=$(since "$t0")
else
  not_ok "subnet B reads subnet A's PV over the GIN" "$(caget_from awf-host "$AWF.92" CI:A:VAL)"
fi
check "subnet A reads subnet B's PV through CR01GW01's reverse and CR01GW02's forward gateway over the GIN (CI:B:VAL = 7)" \
  wait_until 30 pv_is acc-host "$ACC.91" CI:B:VAL 7

# podman runs HEALTHCHECK from systemd timers; where there is no systemd, run it as they would.
healthy() {
  local c
  for c in cr01gw01 cr01gw02; do
    podman healthcheck run "$ID-$c" >/dev/null 2>&1
    [ "$(podman inspect --format '{{.State.Health.Status}}' "$ID-$c")" = healthy ] || return 1
  done
}
check "both containers turn healthy (the compose healthcheck: gwagent status --health)" wait_until 60 healthy

# --- gwagent fleet status from the operator's station on the GIN --------------------------------------
fleet() { timeout 30 podman exec "$ID-gin-host" gwagent fleet status /etc/gwagent-site/site.json "$@"; }
fleet >"$WORK/fleet.txt" 2>&1
fleet_status=$?
sed 's/^/compose-test:   /' "$WORK/fleet.txt"
fleet --json >"$WORK/fleet.json" 2>"$WORK/fleet.err"
fleet_rows=$(node -e '
  const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(rows.map((c) => `${c.container}@${c.server} ${c.isReachable ? c.pvs.STATUS?.text : "UNREACHABLE"} ` +
    c.gateways.map((g) => `${g.name}=${g.pvs.STATE?.text}`).join(",")).join("; "));' "$WORK/fleet.json" 2>&1)
fleet_ok() {
  [ "$fleet_status" = 0 ] &&
    grep -Eq "^CR01GW01@$GIN\.91:5070 (Ok|Degraded) GWF01=RUNNING,GWR01=RUNNING; CR01GW02@$GIN\.92:5070 (Ok|Degraded) GWF02=RUNNING,GWR02=RUNNING$" <<<"$fleet_rows"
}
if fleet_ok; then
  ok "gwagent fleet status (in a container on the GIN) lists both containers with their gateways RUNNING"
else
  not_ok "gwagent fleet status lists both containers" "exit $fleet_status: $fleet_rows"
fi

# --- down: nothing of the project left ----------------------------------------------------------------
stop_pids # our EPICS programs in the helpers' namespaces
host_pids=$(for c in "${!EXPECT[@]}"; do podman top "$ID-$c" hpid | tail -n +2; done)
bridges=$(for n in gin acc awf; do podman network inspect --format '{{.NetworkInterface}}' "${ID}_$n"; done)
# the agents' logs up to their end: down removes the containers, and their logs with them
for c in cr01gw01 cr01gw02; do
  timeout 60 podman logs -f "$ID-$c" >"$WORK/$c.log" 2>&1 &
  PIDS+=($!)
done
t0=$(now)
if compose down >"$WORK/down.log" 2>&1; then down_s=$(since "$t0"); else tail -20 "$WORK/down.log"; fi
# an agent that ignored SIGTERM would be killed after the grace period: down would take longer
check "podman-compose down returns within the agents' 15 s stop grace period (${down_s:-?} s)" \
  awk -v s="${down_s:-99}" 'BEGIN { exit !(s < 15) }'
wait "${PIDS[@]}"
PIDS=()
clean_stop() { # CONTAINER GATEWAY...
  local log=$WORK/$1.log g
  shift
  grep -q 'SIGTERM: stopping every gateway' "$log" || return 1
  for g in "$@"; do grep -q "$g: stopping -> stopped" "$log" || return 1; done
}
both_clean() { clean_stop cr01gw01 GWF01 GWR01 && clean_stop cr01gw02 GWF02 GWR02; }
check "both agents stopped on SIGTERM, each stopping its two gateways (their logs up to down)" both_clean
check "after down: no container of the project" test -z "$(podman ps -a -q --filter "$(project)")"
check "after down: no network of the project, and its bridges are gone from the host" sh -c "
  test -z \"\$(podman network ls -q --filter '$(project)')\" && ! for b in $(echo $bridges); do ip link show dev \$b; done 2>/dev/null | grep -q ."
left=$(for p in $host_pids; do [ -d "/proc/$p" ] && echo "$p"; done)
check "after down: no process of the containers is left" test -z "$left"
volumes=$(podman volume ls -q --filter "$(project)" | sort | tr '\n' ' ')
check "down keeps the agents' state and log volumes, as Compose does" \
  test "$volumes" = "${ID}_cr01gw01-logs ${ID}_cr01gw01-state ${ID}_cr01gw02-logs ${ID}_cr01gw02-state "
compose down -v >"$WORK/down-v.log" 2>&1
check "podman-compose down -v removes them: nothing of the project left" \
  test -z "$(podman volume ls -q --filter "$(project)")$(podman ps -a -q --filter "$(project)")$(podman network ls -q --filter "$(project)")"

say "timings: up ${up_s:-?} s, health IOCs answered ${health_s:-?} s and gateways RUNNING ${running_s:-?} s after up began, two-hop PV ${hop_s:-?} s, down ${down_s:-?} s"
[ "$failed" = 0 ]
