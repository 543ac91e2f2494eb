#!/bin/sh
# Build step of image/Containerfile: copies ca-gateway (and caRepeater) out of the gateway image mounted
# at ROOT, with exactly the libraries they load from its library directories, then proves they run in
# this image: every library resolves and `gateway -help` exits 0. Any failure names the path.
# Usage: install-gateway.sh ROOT GATEWAY_BINARY LIB_DIRS(colon-separated) [REPEATER]
set -eu
root=$1 binary=$2 lib_dirs=$3 repeater=${4:-}
dest=/opt/epics

fail() {
  echo "install-gateway: $*" >&2
  exit 1
}

check_executable() { # PATH-IN-IMAGE WHAT
  [ -e "$root$1" ] || fail "$2 $1 not found in GATEWAY_IMAGE"
  [ -f "$root$1" ] || fail "$2 $1 in GATEWAY_IMAGE is not a regular file"
  [ -x "$root$1" ] || fail "$2 $1 in GATEWAY_IMAGE is not executable"
}

check_executable "$binary" "gateway binary (GATEWAY_BINARY)"
[ -z "$repeater" ] || check_executable "$repeater" "caRepeater (GATEWAY_REPEATER)"

search=""
old_ifs=$IFS
IFS=:
for dir in $lib_dirs; do
  [ -d "$root$dir" ] || fail "library directory $dir (GATEWAY_LIB_DIRS) not found in GATEWAY_IMAGE"
  search="$search${search:+:}$root$dir"
done
IFS=$old_ifs

mkdir -p "$dest/bin" "$dest/lib"
cp -L "$root$binary" "$dest/bin/gateway"
[ -z "$repeater" ] || cp -L "$root$repeater" "$dest/bin/caRepeater"

# ldd lists every library a program loads, each as "soname => path"; those found in the gateway
# image's directories are copied under their soname, the rest must come from this image.
for program in "$dest"/bin/*; do
  LD_LIBRARY_PATH=$search ldd "$program" 2>&1 | while read -r soname arrow path _; do
    [ "$arrow" = "=>" ] || continue
    case $path in
      "$root"/*) cp -L "$path" "$dest/lib/$soname" ;;
    esac
  done
done
echo "$dest/lib" >/etc/ld.so.conf.d/epics-gateway.conf
ldconfig
for program in "$dest"/bin/*; do
  ln -sf "$program" "/usr/local/bin/$(basename "$program")"
done

# the gateway first: its libraries are the ones a wrong GATEWAY_LIB_DIRS is about
for program in "$dest/bin/gateway" "$dest"/bin/caRepeater; do
  [ -e "$program" ] || continue
  missing=$(ldd "$program" 2>&1 | sed -n 's/^[[:space:]]*\([^[:space:]]*\) => not found.*/\1/p' | tr '\n' ' ')
  [ -z "$missing" ] || fail "$program (from GATEWAY_IMAGE): libraries not found: $missing(add their directories to GATEWAY_LIB_DIRS, or their packages to RUNTIME_PACKAGES)"
done
# ca-gateway prints its help and exits 0: the loader, every library and its symbol versions are fine.
if ! out=$("$dest/bin/gateway" -help 2>&1); then
  fail "$dest/bin/gateway (from GATEWAY_IMAGE $binary) does not start here: $(printf '%s' "$out" | head -5)"
fi
echo "gateway installed from GATEWAY_IMAGE $binary: it starts here; libraries: $(ls "$dest/lib" | tr '\n' ' ')"
