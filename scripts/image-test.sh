#!/usr/bin/env bash
# Builds the container image (image/Containerfile) with Podman and checks it as a site would run it:
# a real forward/reverse ca-gateway pair (the peers' gateway) in the container, clients from the site's
# networks. Installs Podman and friends (as root, Debian), makes the CI base and gateway images (cached,
# image/ci-images.sh). Prints image size, build, start and stop times. Each check is one "ok"/"not ok"
# line in $IMAGE_TEST_RESULTS (scripts/test.sh counts them); exits 1 if any failed. Then runs
# scripts/compose-test.sh: a two-container site from the image on podman-compose.
#
# Networks: two network namespaces made here and removed on exit, joined by veth pairs: the container's
# (acc0 192.0.2.2/24 on the accelerator subnet, gin0 198.51.100.2/24 on the GIN) and the site's (an IOC
# on 192.0.2.1, another container's gateway on 198.51.100.1, and the CA clients). Nothing else is reached.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
RESULTS=${IMAGE_TEST_RESULTS:-/dev/null}
PEERS=${EPICS_PEERS:-$REPO/../shared/peers/epics}
VERSION=$(node -p "require('./package.json').version")
IMAGE=localhost/gwagent:$VERSION
ID=gwi$$
WORK=$(mktemp -d)
NS_C=$ID-c # the container's network namespace
NS_S=$ID-s # the site's
PIDS=()
failed=0

CHECK_TAG=image-test
# shellcheck source=scripts/check-lib.sh
source "$REPO/scripts/check-lib.sh"

cleanup() {
  for c in $(podman ps -a --filter "name=^$ID" --format '{{.Names}}' 2>/dev/null); do podman rm -f -v -t 0 "$c" >/dev/null 2>&1; done
  for v in $(podman volume ls --filter "name=^$ID" --format '{{.Name}}' 2>/dev/null); do podman volume rm -f "$v" >/dev/null 2>&1; done
  stop_pids
  ip netns del "$NS_C" 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

# --- what the test needs -----------------------------------------------------------------------------
# Skipped loudly outside CI, failed in CI, when something the test cannot provide itself is missing.
skip_or_fail() {
  if [ "${CI:-}" = true ]; then
    not_ok "image test prerequisites" "$1"
    exit 1
  fi
  say "skipped: $1"
  exit 0
}
[ -x "$PEERS/bin/linux-x86_64/gateway" ] || skip_or_fail "no EPICS peers at $PEERS (set EPICS_PEERS)"
# root: network namespaces, rootful podman (and apt-get below)
[ "$(id -u)" = 0 ] || skip_or_fail "not root"
NEED="podman buildah runc uidmap debootstrap iproute2"
missing=$(for p in $NEED; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
  command -v apt-get >/dev/null || skip_or_fail "missing packages and no apt-get: $(echo $missing)"
  say "installing" $missing
  # another apt on the machine may hold the lock for a while: wait for it
  if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq >"$WORK/apt.log" 2>&1 \
    && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends $missing >>"$WORK/apt.log" 2>&1; }; then
    tail -5 "$WORK/apt.log"
    not_ok "image test prerequisites" "apt-get install failed"
    exit 1
  fi
fi

# Podman here needs runc (crun refuses this cgroup v1 hybrid host) and default ulimits within this
# process's hard limits (no CAP_SYS_RESOURCE; podman asks for 1048576 files and lowers nproc to 32768).
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
[ "$nofile" = unlimited ] && nofile=1048576
{ [ "$nproc" = unlimited ] || [ "$nproc" -gt 32768 ]; } && nproc=32768
cat >"$WORK/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]

[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF=$WORK/containers.conf

# --- base images and the build -----------------------------------------------------------------------
. image/ci-images.sh
t0=$(now)
if ! peer=$(ci_peer_gateway "$PEERS") || ! runtime_base=$(ci_runtime_base) || ! build_base=$(ci_build_base); then
  not_ok "CI base images (debootstrap, Node, peer gateway)"
  exit 1
fi
say "base images ready in $(since "$t0") s: $runtime_base $build_base $peer"

BUILD_ARGS=(
  --build-arg "BASE_IMAGE=$runtime_base"
  --build-arg "BUILD_IMAGE=$build_base"
  --build-arg "GATEWAY_IMAGE=$peer"
  --build-arg "GATEWAY_BINARY=/opt/epics/bin/linux-x86_64/gateway"
  --build-arg "GATEWAY_LIB_DIRS=/opt/epics/lib/linux-x86_64"
  --build-arg "GATEWAY_REPEATER=/opt/epics/bin/linux-x86_64/caRepeater"
  --build-arg "RUNTIME_PACKAGES=$CI_RUNTIME_PACKAGES"
  --build-arg "GWAGENT_VERSION=$VERSION"
)
# --network host: npm ci reaches the npm registry; --pull=never: every base is local.
build() { podman build --format docker --pull=never --network host -f image/Containerfile "${BUILD_ARGS[@]}" "$@" .; }

t0=$(now)
if build ${IMAGE_TEST_NO_CACHE:+--no-cache} -t "$IMAGE" >"$WORK/build.log" 2>&1; then
  build_s=$(since "$t0")
  ok "image builds ($IMAGE)"
else
  tail -30 "$WORK/build.log"
  not_ok "image builds ($IMAGE)"
  exit 1
fi
t0=$(now)
build -t "$IMAGE" >"$WORK/rebuild.log" 2>&1
rebuild_s=$(since "$t0")
grep -h "^gateway installed from\|^image size:" "$WORK/build.log" | sed 's/^/image-test: build: /'
size_mb=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f", $1 / 1000000 }')
say "image $IMAGE: ${size_mb} MB; build ${build_s} s${IMAGE_TEST_NO_CACHE:+ (no cache)}, rebuild with cache ${rebuild_s} s"
check "image size ${size_mb} MB is within the 250 MB budget" test "$size_mb" -le 250
check "image label org.opencontainers.image.version is package.json's $VERSION" \
  test "$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' "$IMAGE")" = "$VERSION"
check "image runs as a non-root user by default" \
  test "$(podman image inspect --format '{{.Config.User}}' "$IMAGE")" = "10064:10064"

# A broken gateway image fails the build with a message naming the path.
bad_build() { # NAME EXPECTED-TEXT BUILD-ARG...
  local name=$1 expect=$2
  shift 2
  if build "$@" >"$WORK/bad.log" 2>&1; then
    not_ok "$name" "the build succeeded"
  elif grep -qF -- "$expect" "$WORK/bad.log"; then
    ok "$name"
  else
    tail -5 "$WORK/bad.log"
    not_ok "$name" "no \"$expect\" in the build output"
  fi
}
bad_build "build fails naming a missing gateway binary" \
  "gateway binary (GATEWAY_BINARY) /opt/epics/bin/linux-x86_64/no-gateway not found in GATEWAY_IMAGE" \
  --build-arg GATEWAY_BINARY=/opt/epics/bin/linux-x86_64/no-gateway
bad_build "build fails naming a non-executable gateway binary" \
  "gateway binary (GATEWAY_BINARY) /opt/epics/LICENSE.ca-gateway in GATEWAY_IMAGE is not executable" \
  --build-arg GATEWAY_BINARY=/opt/epics/LICENSE.ca-gateway
bad_build "build fails naming the gateway's unresolved libraries" \
  "/opt/epics/bin/gateway (from GATEWAY_IMAGE): libraries not found: libcas.so.3.15.9 libgdd.so.3.15.9 libca.so.3.15.9 libCom.so.3.15.9" \
  --build-arg GATEWAY_LIB_DIRS=/opt/epics/bin/linux-x86_64

# --- the site: two namespaces, an IOC on the subnet, "another container's gateway" on the GIN ---------
ip netns add "$NS_C" && ip netns add "$NS_S" || { not_ok "network namespaces"; exit 1; }
ip -n "$NS_C" link set lo up
ip -n "$NS_S" link set lo up
ip link add acc0 netns "$NS_C" type veth peer name acc1 netns "$NS_S"
ip link add gin0 netns "$NS_C" type veth peer name gin1 netns "$NS_S"
# pcas binds an address only on a broadcast-capable interface with its broadcast set ("brd +")
ip -n "$NS_C" addr add 192.0.2.2/24 brd + dev acc0
ip -n "$NS_C" addr add 198.51.100.2/24 brd + dev gin0
ip -n "$NS_S" addr add 192.0.2.1/24 brd + dev acc1
ip -n "$NS_S" addr add 198.51.100.1/24 brd + dev gin1
for dev in acc0 gin0; do ip -n "$NS_C" link set "$dev" up; done
for dev in acc1 gin1; do ip -n "$NS_S" link set "$dev" up; done

EPICS_BIN=$PEERS/bin/linux-x86_64
in_site() { ip netns exec "$NS_S" "$@"; }
# A real CA client on the site side; ADDR is the server to search (no broadcast, no auto list).
site_caget() { # ADDR caget-args...
  local addr=$1
  shift
  in_site env EPICS_CA_AUTO_ADDR_LIST=NO EPICS_CA_ADDR_LIST="$addr" timeout 10 "$EPICS_BIN/caget" -w 2 "$@" 2>&1
}
# Our own caRepeater in the site namespace, bound before any caget runs (or caget would start one that
# outlives this script).
# (ip netns exec execs the program, so $! is the program's PID: no shell function in between.)
ip netns exec "$NS_S" "$EPICS_BIN/caRepeater" >/dev/null 2>&1 &
PIDS+=($!)
repeater_bound() { in_site ss -Hlun 'sport = :5065' | grep -q .; }
wait_until 10 repeater_bound || { not_ok "caRepeater in the site namespace"; exit 1; }
soft_ioc() { # ADDRESS RECORD VALUE
  printf 'record(ai, "%s") {\n  field(VAL, "%s")\n  field(PINI, "YES")\n}\n' "$2" "$3" >"$WORK/$2.db"
  ip netns exec "$NS_S" env EPICS_CAS_INTF_ADDR_LIST="$1" EPICS_CAS_AUTO_BEACON_ADDR_LIST=NO \
    EPICS_CAS_BEACON_ADDR_LIST="$1" "$EPICS_BIN/softIoc" -D "$PEERS/dbd/softIoc.dbd" -S -d "$WORK/$2.db" >"$WORK/$2.log" 2>&1 &
  PIDS+=($!)
}
soft_ioc 192.0.2.1 GWI:ACC:VAL 42
soft_ioc 198.51.100.1 GWI:GIN:VAL 7

# The agent INI of this container, as site render would write it; ACC_ADDRESS varies for one check.
agent_ini() { # ACC_ADDRESS
  cat <<EOF
[agent]
name = GWITEST
label = image test: forward/reverse pair
stream = ci

[ioc]
address = 198.51.100.2
port = 5070

[network.acc]
interface = acc0
address = $1/24
search = 192.0.2.1

[network.gin]
interface = gin0
address = 198.51.100.2/24
gin = yes
search = 198.51.100.1

[gateway.GWF]
direction = forward
label = ACC to GIN
allow = GWI:.*
start_secs = 2

[gateway.GWR]
direction = reverse
label = GIN to ACC
allow = GWI:.*
read_only = yes
start_secs = 2

[health]
; this shared test machine's load and memory are not the container's fault
SYS_CPU_LOAD.HHSV = NO_ALARM
SYS_CPU_LOAD.HSV = NO_ALARM
IOC_CPU_LOAD.HHSV = NO_ALARM
IOC_CPU_LOAD.HSV = NO_ALARM
CG_CPU_LOAD.HHSV = NO_ALARM
CG_CPU_LOAD.HSV = NO_ALARM
IOWAIT.HHSV = NO_ALARM
IOWAIT.HSV = NO_ALARM
MEM_USED_PCT.HHSV = NO_ALARM
MEM_USED_PCT.HSV = NO_ALARM
SWAP_USED_PCT.HHSV = NO_ALARM
SWAP_USED_PCT.HSV = NO_ALARM
CG_MEM_USED_PCT.HHSV = NO_ALARM
CG_MEM_USED_PCT.HSV = NO_ALARM
DISK:ROOT:USED_PCT.HHSV = NO_ALARM
DISK:ROOT:USED_PCT.HSV = NO_ALARM
EOF
}

# As on a site: the config directory read-only, state and logs on volumes, read-only root, no
# capabilities. The INI comes on stdin and goes to $WORK/NAME/agent.ini.
volumes() { podman volume create "$1-state" >/dev/null && podman volume create "$1-logs" >/dev/null; }
run_container() { # NAME [podman run options] < INI
  local name=$1
  shift
  mkdir -p "$WORK/$name" && cat >"$WORK/$name/agent.ini"
  podman run "$@" --name "$name" --network "ns:/run/netns/$NS_C" --read-only --cap-drop all \
    --security-opt no-new-privileges -v "$WORK/$name:/etc/gwagent:ro" \
    -v "$name-state:/var/lib/gwagent" -v "$name-logs:/var/log/gwagent" "$IMAGE"
}
HEALTH=198.51.100.2:5070
pv_is() { [ "$(site_caget "$1" -t "$2")" = "$3" ]; } # ADDR PV VALUE

# --- the pair: start, serve, health ------------------------------------------------------------------
CTR=$ID-pair
volumes "$CTR"
t0=$(now)
agent_ini 192.0.2.2 | run_container "$CTR" -d >/dev/null || { not_ok "container starts"; exit 1; }
run_s=$(since "$t0")
if wait_until 30 site_caget "$HEALTH" GWITEST:STATUS; then
  start_ioc_s=$(since "$t0")
  ok "health PVs answer a real client (peers' caget) from the GIN"
else
  not_ok "health PVs answer a real client (peers' caget) from the GIN" "$(site_caget "$HEALTH" GWITEST:STATUS)"
fi
if wait_until 30 pv_is "$HEALTH" GWITEST:GWF:STATE RUNNING && wait_until 30 pv_is "$HEALTH" GWITEST:GWR:STATE RUNNING; then
  start_gw_s=$(since "$t0")
  ok "both gateways RUNNING (GWITEST:GWF:STATE, GWITEST:GWR:STATE)"
else
  not_ok "both gateways RUNNING" "GWF $(site_caget "$HEALTH" -t GWITEST:GWF:STATE), GWR $(site_caget "$HEALTH" -t GWITEST:GWR:STATE)"
  podman logs "$CTR" 2>&1 | tail -20
fi
say "start: podman run returned after $run_s s, health PVs answered after ${start_ioc_s:-?} s, both gateways RUNNING after ${start_gw_s:-?} s"

check "the forward gateway serves the subnet IOC's PV on the GIN (GWI:ACC:VAL = 42)" \
  wait_until 20 pv_is 198.51.100.2 GWI:ACC:VAL 42
check "the reverse gateway serves the GIN's PV on the subnet (GWI:GIN:VAL = 7)" \
  wait_until 20 pv_is 192.0.2.2 GWI:GIN:VAL 7
both_alive() { pv_is $HEALTH GWITEST:GWF:ALIVE Yes && pv_is $HEALTH GWITEST:GWR:ALIVE Yes; }
check "the agent mirrors both gateways' statistics (GWF:ALIVE, GWR:ALIVE Yes)" wait_until 30 both_alive

podman top "$CTR" user pid args >"$WORK/top.txt" 2>&1
gateway_users=$(awk '$3 ~ /gateway$/ { print $1 }' "$WORK/top.txt" | sort | uniq -c | awk '{ print $1 " " $2 }')
check "both gateways run as the non-root user gwagent" test "$gateway_users" = "2 gwagent"
check "no process in the container runs as root" sh -c "! awk 'NR > 1 { print \$1 }' '$WORK/top.txt' | grep -qx root"
[ "$gateway_users" = "2 gwagent" ] || cat "$WORK/top.txt"

status_table() {
  podman exec "$CTR" gwagent status >"$WORK/status.txt" 2>&1 &&
    grep -Eq '^GWF +RUNNING ' "$WORK/status.txt" && grep -Eq '^GWR +RUNNING ' "$WORK/status.txt"
}
check "podman exec gwagent status reaches the agent (GWAGENT_SOCKET preset)" status_table

# podman runs HEALTHCHECK from systemd timers; where there is no systemd, run it as they would.
healthy() {
  podman healthcheck run "$CTR" >/dev/null 2>&1
  [ "$(podman inspect --format '{{.State.Health.Status}}' "$CTR")" = healthy ]
}
t0=$(now)
if wait_until 60 healthy; then
  ok "container turns healthy (HEALTHCHECK gwagent status --health) after $(since "$t0") s"
else
  not_ok "container turns healthy" "$(podman exec "$CTR" gwagent status --health 2>&1)"
fi

# --- podman stop: quick, clean, nothing left ---------------------------------------------------------
host_pids=$(podman top "$CTR" hpid | tail -n +2)
t0=$(now)
podman stop -t 10 "$CTR" >/dev/null
stop_s=$(since "$t0")
say "stop: podman stop took ${stop_s} s"
check "podman stop ends the container in under 10 s (${stop_s} s)" awk -v s="$stop_s" 'BEGIN { exit !(s < 10) }'
podman logs "$CTR" >"$WORK/pair.log" 2>&1
check "clean stop in the log: SIGTERM, both gateways stopped, exit status 0" sh -c "
  grep -q 'SIGTERM: stopping every gateway' '$WORK/pair.log' &&
  grep -q 'GWF: stopping -> stopped' '$WORK/pair.log' && grep -q 'GWR: stopping -> stopped' '$WORK/pair.log' &&
  test \"\$(podman inspect --format '{{.State.ExitCode}}' '$CTR')\" = 0"
left=$(for p in $host_pids; do [ -d "/proc/$p" ] && echo "$p"; done)
check "no process of the container is left after the stop" test -z "$left"

# --- a broken config: exit 78, every problem with file:line ------------------------------------------
volumes "$ID-bad"
agent_ini 192.0.2.2 | sed -e 's/^search = 192.0.2.1$/search = 192.0.2.1\nspeed = fast/' \
  -e 's/^direction = reverse$/direction = sideways/' | run_container "$ID-bad" >/dev/null 2>&1
code=$(podman inspect --format '{{.State.ExitCode}}' "$ID-bad")
podman logs "$ID-bad" >"$WORK/bad.log" 2>&1
line_speed=$(grep -n '^speed = fast$' "$WORK/$ID-bad/agent.ini" | cut -d: -f1)
line_dir=$(grep -n '^direction = sideways$' "$WORK/$ID-bad/agent.ini" | cut -d: -f1)
check "a broken config exits 78 with every problem as file:line in podman logs" sh -c "
  test '$code' = 78 && grep -q '/etc/gwagent/agent.ini:$line_speed: error: unknown key' '$WORK/bad.log' &&
  grep -q '/etc/gwagent/agent.ini:$line_dir: error: .direction. must be' '$WORK/bad.log'"
[ "$code" = 78 ] || { say "exit status $code; log:"; cat "$WORK/bad.log"; }

# --- a gateway that exits at once: its reason on LAST_EXIT/LOG_MSG, the agent serves on --------------
# The subnet address is not on acc0: the reverse gateway's server cannot bind it and ca-gateway exits 0.
volumes "$ID-quit"
agent_ini 192.0.2.9 | run_container "$ID-quit" -d >/dev/null
quit_reason_shown() {
  # "exit 0: server isnt attached to a network" passes LAST_EXIT's 39 characters: the reason stands alone
  pv_is $HEALTH GWITEST:GWR:LAST_EXIT 'server isnt attached to a network' &&
    site_caget $HEALTH -t GWITEST:GWR:LOG_MSG | grep -q 'server isnt attached to a netw'
}
check "a gateway that exits at once shows its reason in LAST_EXIT and LOG_MSG" wait_until 30 quit_reason_shown
say "GWR: LAST_EXIT '$(site_caget "$HEALTH" -t GWITEST:GWR:LAST_EXIT)', LOG_MSG '$(site_caget "$HEALTH" -t GWITEST:GWR:LOG_MSG)'"
forward_serves() { pv_is $HEALTH GWITEST:GWF:STATE RUNNING && pv_is 198.51.100.2 GWI:ACC:VAL 42; }
check "meanwhile the agent serves its PVs and the forward gateway runs" wait_until 20 forward_serves
podman stop -t 10 "$ID-quit" >/dev/null

say "summary: image ${size_mb} MB, build ${build_s} s, cached rebuild ${rebuild_s} s, start ${start_ioc_s:-?} s (health PVs) / ${start_gw_s:-?} s (gateways RUNNING), stop ${stop_s} s"

# A two-container site from this image on podman-compose (internal bridges; its own "ok" lines).
IMAGE_TEST_RESULTS=$RESULTS EPICS_PEERS=$PEERS bash scripts/compose-test.sh || failed=$((failed + 1))
[ "$failed" = 0 ]
