#!/bin/bash
# run.sh -- run the OCI runtime-tools validation suite against one or more runtimes.
#
# Usage: tests/conformance/run.sh [-s RT_SRC] [-o OUTDIR] [-r RUNTIMES] [-b] [TEST...]
#   -s RT_SRC    checkout (or `git archive`) of opencontainers/runtime-tools
#                (default: $RT_SRC; one of the two is required). Never inside this repository.
#   -o OUTDIR    where TAP logs go (default: /tmp/berth-conformance)
#   -r RUNTIMES  comma-separated list among berth,runc,crun (default: berth)
#   -b           (re)build the validation binaries even if they exist
#   TEST...      validation names (default: the list in DEFAULT_TESTS below)
#
# Each runtime is called through a small wrapper that adds a private --root, so the
# suite never sees or touches containers of other users of the default root. crun is
# run through tests/lib/crun-hybrid.c (crun refuses hybrid cgroup hosts otherwise).
# Needs root. Not part of `make check`: the suite is fetched code (see README.md).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)

src=${RT_SRC:-}
out=/tmp/berth-conformance
runtimes=berth
rebuild=0
while getopts "s:o:r:bh" opt; do
  case $opt in
    s) src=$OPTARG ;;
    o) out=$OPTARG ;;
    r) runtimes=$OPTARG ;;
    b) rebuild=1 ;;
    h) sed -n '2,13p' "$0"; exit 0 ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
if [ -z "$src" ]; then
  echo "run.sh: where is the runtime-tools suite? pass -s DIR or set RT_SRC (see tests/conformance/README.md)" >&2
  exit 2
fi

DEFAULT_TESTS="config_updates_without_affect create default delete_only_create_resources
delete_resources hooks_stdin hostname kill kill_no_effect killsig linux_devices
linux_masked_paths linux_mount_label linux_ns_itype linux_ns_nopath linux_ns_path
linux_ns_path_type linux_readonly_paths linux_rootfs_propagation linux_seccomp linux_sysctl
linux_uid_mappings mounts poststart_fail poststop poststop_fail prestart_fail process
process_oom_score_adj process_rlimits_fail process_user root_readonly_true state
process_capabilities_fail"
if [ $# -gt 0 ]; then tests="$*"; else tests=$DEFAULT_TESTS; fi

[ "$(id -u)" = 0 ] || { echo "run.sh: must run as root" >&2; exit 2; }
[ -f "$src/validation/util/test.go" ] || {
  echo "run.sh: $src is not a runtime-tools checkout (see tests/conformance/README.md)" >&2; exit 2; }
src=$(cd "$src" && pwd)
case "$src/" in "$top"/*) echo "run.sh: keep runtime-tools outside the repository" >&2; exit 2 ;; esac

# ---- build -------------------------------------------------------------------
export GOFLAGS=-mod=vendor GOPROXY=off GO111MODULE=on
export GOCACHE=${GOCACHE:-$src/../gocache} GOPATH=${GOPATH:-$src/../gopath}
build() {
  (
    cd "$src" || exit 1
    if [ $rebuild = 1 ] || [ ! -x runtimetest ]; then
      CGO_ENABLED=0 go build -tags "netgo osusergo" -o runtimetest ./cmd/runtimetest || exit 1
    fi
    if [ $rebuild = 1 ] || [ ! -x oci-runtime-tool ]; then
      go build -o oci-runtime-tool ./cmd/oci-runtime-tool || exit 1
    fi
    for t in $tests; do
      [ -f "validation/$t/$t.go" ] || { echo "run.sh: no validation/$t" >&2; exit 1; }
      if [ $rebuild = 1 ] || [ ! -x "validation/$t/$t.t" ]; then
        go build -o "validation/$t/$t.t" "./validation/$t" || exit 1
      fi
    done
  )
}
build || { echo "run.sh: build failed" >&2; exit 1; }

# ---- wrappers ----------------------------------------------------------------
mkdir -p "$out/bin"
out=$(cd "$out" && pwd)
crun_hybrid=$out/bin/crun-hybrid
for rt in ${runtimes//,/ }; do
  w=$out/bin/$rt
  root=$out/root-$rt
  mkdir -p "$root"
  case $rt in
    berth) real=${BERTH_BIN:-$top/bin/berth}
           [ -x "$real" ] || { echo "run.sh: build berth first (make -j2)" >&2; exit 1; } ;;
    runc)  real=$(command -v runc) || { echo "run.sh: runc not found" >&2; exit 1; } ;;
    crun)  if [ ! -x "$crun_hybrid" ] || [ "$top/tests/lib/crun-hybrid.c" -nt "$crun_hybrid" ]; then
             cc -O2 -o "$crun_hybrid" "$top/tests/lib/crun-hybrid.c" || exit 1
           fi
           real=$crun_hybrid ;;
    *) echo "run.sh: unknown runtime $rt" >&2; exit 2 ;;
  esac
  printf '#!/bin/sh\nexec %q --root %q "$@"\n' "$real" "$root" > "$w"
  chmod +x "$w"
done

# ---- run ---------------------------------------------------------------------
# A file passes when its TAP stream has no "not ok" line and the test binary
# exits 0 (skips count as passes, as in the upstream harness).
tap_result() { # LOG RC -> "PASS" | "FAIL: reason"
  local log=$1 rc=$2 nok
  nok=$(grep -c '^not ok' "$log")
  # The *_fail tests print no TAP when the runtime refuses the config (a pass).
  if [ "$rc" = 0 ] && [ "$nok" = 0 ]; then
    echo PASS; return
  fi
  local why
  why=$(grep -m1 '^not ok' "$log" | cut -c1-90)
  [ -n "$why" ] || why=$(grep -v '^ok\|^#\|^1\.\.\|^TAP' "$log" | grep -m1 . | cut -c1-90)
  [ -n "$why" ] || why="exit $rc, no plan"
  echo "FAIL: $why"
}

declare -A result
for rt in ${runtimes//,/ }; do
  mkdir -p "$out/$rt"
  for t in $tests; do
    log=$out/$rt/$t.tap
    # Bundles go to a private TMPDIR: a runtime that mounts in the host's
    # namespace (runc with no mount namespace, linux_ns_itype) leaves mounts
    # there, which are detached below.
    tmp=$out/tmp/$rt-$t
    rm -rf "$tmp"; mkdir -p "$tmp"
    # The tests find rootfs-*.tar.gz and runtimetest in the current directory.
    (cd "$src" && TMPDIR=$tmp RUNTIME=$out/bin/$rt timeout 300 "validation/$t/$t.t") > "$log" 2>&1
    rc=$?
    awk -v d="$tmp/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
      echo "run.sh: $rt left a mount at $m; detaching" >> "$log"
      umount -l "$m" 2>/dev/null
    done
    rm -rf "$tmp"
    result[$rt,$t]=$(tap_result "$log" $rc)
    printf '%-6s %-32s %s\n' "$rt" "$t" "${result[$rt,$t]}" >&2
  done
done

# ---- table -------------------------------------------------------------------
echo
printf '%-32s' "test"
for rt in ${runtimes//,/ }; do printf ' %-6s' "$rt"; done
echo
fails=0
for t in $tests; do
  printf '%-32s' "$t"
  for rt in ${runtimes//,/ }; do
    r=${result[$rt,$t]}
    [ "$r" = PASS ] || { r=FAIL; fails=$((fails + 1)); }
    printf ' %-6s' "$r"
  done
  echo
done
echo "logs: $out/<runtime>/<test>.tap"
[ $fails = 0 ]
