#!/usr/bin/env bash
# Prints a podman-compose command with `config` for the compose tests. Debian bookworm's podman-compose
# (1.0.3) has no `config` and ignores network options, so this fetches Debian trixie's package
# (pure Python) with apt into .tmp/podman-compose, unpacks it there and installs nothing system-wide.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$PWD/.tmp/podman-compose
if [ ! -x "$dir/x/usr/bin/podman-compose" ]; then
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  echo "deb http://deb.debian.org/debian trixie main" > "$dir/sources.list"
  apt_opts=(-o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache")
  apt-get "${apt_opts[@]}" update -qq >/dev/null 2>&1
  (cd "$dir" && apt-get "${apt_opts[@]}" download podman-compose >/dev/null 2>&1)
  dpkg-deb -x "$dir"/podman-compose_*.deb "$dir/x"
fi
echo "env PYTHONPATH=$dir/x/usr/lib/python3/dist-packages python3 $dir/x/usr/bin/podman-compose"
