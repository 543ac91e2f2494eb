#!/usr/bin/env bash
# Prints the command line of a Debian-packaged Python tool that the engine tests run, unpacked (not
# installed) into .tmp/debian-tools/NAME from Debian's archive with apt-get download:
#   podman-compose  from trixie: bookworm's 1.0.3 has no `config` and ignores network options;
#   cloud-init      from bookworm: its `schema` command and network-config parser.
# Their Python imports are Debian packages that scripts/test.sh installs. Each tool is fetched once.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/debian-tool.sh podman-compose|cloud-init}
case $name in
  podman-compose) suite=trixie ;;
  cloud-init) suite=bookworm ;;
  *) echo "unknown tool $name" >&2; exit 64 ;;
esac
dir=$PWD/.tmp/debian-tools/$name
if [ ! -x "$dir/x/usr/bin/$name" ]; then
  rm -rf "$dir" && mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  echo "deb http://deb.debian.org/debian $suite main" > "$dir/sources.list"
  apt_opts=(-o Dir::Etc::SourceList="$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache")
  apt-get "${apt_opts[@]}" update -qq >/dev/null 2>&1
  (cd "$dir" && apt-get "${apt_opts[@]}" download "$name" >/dev/null 2>&1)
  dpkg-deb -x "$dir/${name}"_*.deb "$dir/x"
fi
echo "env PYTHONPATH=$dir/x/usr/lib/python3/dist-packages /usr/bin/python3 $dir/x/usr/bin/$name"
