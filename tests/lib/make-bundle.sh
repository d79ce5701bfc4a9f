#!/bin/bash
# make-bundle.sh [--copy] DIR [ARG...] -- make an OCI bundle in DIR running ARG...
# (default: /bin/true) with process.terminal=false.
#
# config.json comes from `bin/berth spec` when that binary exists (BERTH_BIN overrides
# the path), otherwise from `runc spec`. The busybox root filesystem is built once into
# ${BERTH_TEST_CACHE:-/var/tmp/berth-test-cache}/rootfs and shared: root.path is set to
# its absolute path (the default config mounts it read-only). With --copy the rootfs is
# copied into DIR/rootfs instead (for tests that write to it or change its ownership).
# Set BERTH_SPEC=runc to force runc's template.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

copy=0
while [ $# -gt 0 ]; do
  case $1 in
    --copy|-c) copy=1; shift ;;
    --) shift; break ;;
    -*) echo "make-bundle: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
dir=${1:?usage: make-bundle.sh [--copy] DIR [ARG...]}
shift
[ $# -gt 0 ] || set -- /bin/true

cache=${BERTH_TEST_CACHE:-/var/tmp/berth-test-cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
bb=${BUSYBOX:-/bin/busybox}

# Build (or rebuild, if busybox changed) the cached rootfs, under a lock so that
# parallel test jobs do not race; build aside and rename so readers never see half.
ensure_rootfs() {
  local stamp want
  want=$(stat -L -c '%s %Y' "$bb" 2>/dev/null || echo none)
  stamp=$cache/rootfs.stamp
  if [ -d "$cache/rootfs/bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  exec 9>"$cache/rootfs.lock"
  flock 9
  if [ -d "$cache/rootfs/bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
    exec 9>&-; return 0
  fi
  local tmp=$cache/rootfs.new.$$
  rm -rf "$tmp"
  "$here/make-rootfs.sh" "$tmp"
  rm -rf "$cache/rootfs.old"
  [ -e "$cache/rootfs" ] && mv "$cache/rootfs" "$cache/rootfs.old"
  mv "$tmp" "$cache/rootfs"
  rm -rf "$cache/rootfs.old"
  echo "$want" > "$stamp"
  exec 9>&-
}
ensure_rootfs

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
rm -f "$dir/config.json"

berth=${BERTH_BIN:-$top/bin/berth}
if [ "${BERTH_SPEC:-}" != runc ] && [ -x "$berth" ]; then
  "$berth" spec --bundle "$dir"
else
  (cd "$dir" && runc spec)
fi

if [ $copy = 1 ]; then
  rm -rf "$dir/rootfs"
  cp -a "$cache/rootfs" "$dir/rootfs"
  rootpath=rootfs
else
  rootpath=$cache/rootfs
fi

# Build the args array with one --arg per element (jq would parse a leading "-c"
# among positional arguments as its own option).
jargs=(); filter=; i=0
for a in "$@"; do jargs+=(--arg "a$i" "$a"); filter+="${filter:+,}\$a$i"; i=$((i+1)); done
args=$(jq -cn "${jargs[@]}" "[$filter]")
jq --argjson a "$args" --arg r "$rootpath" \
  '.process.terminal = false | .process.args = $a | .root.path = $r' \
  "$dir/config.json" > "$dir/config.json.tmp"
mv "$dir/config.json.tmp" "$dir/config.json"
