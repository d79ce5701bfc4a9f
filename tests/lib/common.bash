# common.bash -- shared helpers for berth's bats suites.
#
#   load ../lib/common        # from tests/integration/*.bats or tests/security/*.bats
#
# Gives each test its own state roots under $BATS_TEST_TMPDIR, runtime wrappers that use
# them (berth, runc_, crun_), unique container ids, bundle helpers, and a teardown that
# force-deletes exactly the containers this test made. A file that defines its own
# setup/teardown should call common_setup / common_teardown from them. common_teardown
# fails the test when anything of it is left afterwards (tests/lib/leaks.bash).
#
# Environment: BERTH_BIN (default <repo>/bin/berth), RUNC_BIN (runc), CRUN_BIN (crun,
# run through the crun-hybrid wrapper), BERTH_TEST_CACHE (/var/tmp/berth-test-cache).

BERTH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BERTH_LIB=$BERTH_TOP/tests/lib
: "${BERTH_BIN:=$BERTH_TOP/bin/berth}"
: "${RUNC_BIN:=runc}"
: "${CRUN_BIN:=crun}"
: "${BERTH_TEST_CACHE:=/var/tmp/berth-test-cache}"
export BERTH_BIN RUNC_BIN CRUN_BIN BERTH_TEST_CACHE

source "$BERTH_LIB/leaks.bash"

# ---- setup / teardown ---------------------------------------------------------------

common_setup() {
	ROOT=$BATS_TEST_TMPDIR/root-berth
	RUNC_ROOT=$BATS_TEST_TMPDIR/root-runc
	CRUN_ROOT=$BATS_TEST_TMPDIR/root-crun
	BUNDLE=$BATS_TEST_TMPDIR/bundle
	_IDS_FILE=$BATS_TEST_TMPDIR/.container-ids
	mkdir -p "$ROOT" "$RUNC_ROOT" "$CRUN_ROOT"
	: > "$_IDS_FILE"
	export ROOT RUNC_ROOT CRUN_ROOT BUNDLE
}

common_teardown() {
	local id rc=0
	[ -n "${BATS_TEST_TMPDIR:-}" ] && leak_collect
	if [ -n "${_IDS_FILE:-}" ] && [ -f "$_IDS_FILE" ]; then
		# Newest first, so that children go before the parents they were made in.
		while read -r id; do
			[ -n "$id" ] || continue
			if [ -x "$BERTH_BIN" ]; then
				timeout 20 "$BERTH_BIN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
			fi
			if [ -d "$RUNC_ROOT/$id" ]; then
				timeout 20 "$RUNC_BIN" --root "$RUNC_ROOT" delete --force "$id" >/dev/null 2>&1 || true
			fi
			if [ -d "$CRUN_ROOT/$id" ]; then
				timeout 20 "$(crun_hybrid_bin)" --root "$CRUN_ROOT" delete --force "$id" >/dev/null 2>&1 || true
			fi
		done < <(tac "$_IDS_FILE" | awk '!seen[$0]++')
	fi
	# Fails the test naming whatever is still there (tests/lib/leaks.bash), then removes
	# it so that the next test starts clean.
	leak_check || { rc=1; leak_cleanup; }
	rm -rf "${ROOT:-}" "${RUNC_ROOT:-}" "${CRUN_ROOT:-}"
	return $rc
}

# Defaults; a test file that defines setup()/teardown() after `load` replaces these.
setup() { common_setup; }
teardown() { common_teardown; }

# ---- container ids ------------------------------------------------------------------

# track_id ID... -- remember ids so that teardown force-deletes them.
track_id() {
	local id
	for id in "$@"; do printf '%s\n' "$id" >> "$_IDS_FILE"; done
}

# new_id [PREFIX] -- print a fresh id unique to this run and test, and track it.
# Works from $(...) too: the list is kept in a file, not a variable.
new_id() {
	local n
	n=$(wc -l < "$_IDS_FILE")
	local id="${1:-bt}-$$-${BATS_TEST_NUMBER}-$n"
	track_id "$id"
	printf '%s\n' "$id"
}

# The last argument of create/run is the container id: track it even when the test
# did not get it from new_id.
_track_from_args() {
	case ${1:-} in
	create | run) [ $# -ge 2 ] && track_id "${!#}" ;;
	esac
	return 0
}

# ---- runtime wrappers ---------------------------------------------------------------

berth() {
	_track_from_args "$@"
	"$BERTH_BIN" --root "$ROOT" "$@"
}

runc_() {
	_track_from_args "$@"
	"$RUNC_BIN" --root "$RUNC_ROOT" "$@"
}

crun_() {
	_track_from_args "$@"
	CRUN_BINARY=$CRUN_BIN "$(crun_hybrid_bin)" --root "$CRUN_ROOT" "$@"
}

# crun_hybrid_bin -- path of the crun-hybrid wrapper, compiled on first use (and again
# when its source changes) into $BERTH_TEST_CACHE.
crun_hybrid_bin() {
	local src=$BERTH_LIB/crun-hybrid.c out=$BERTH_TEST_CACHE/crun-hybrid
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		mkdir -p "$BERTH_TEST_CACHE"
		(
			flock 8
			if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
				${CC:-cc} -O2 -o "$out.tmp.$$" "$src" && mv -f "$out.tmp.$$" "$out"
			fi
		) 8>"$BERTH_TEST_CACHE/crun-hybrid.lock" >&2 || return 1
	fi
	printf '%s\n' "$out"
}

# ---- bundles ------------------------------------------------------------------------

# make_bundle [--copy] [--dir DIR] [ARG...] -- build a bundle (default $BUNDLE) running
# ARG... (default /bin/true) on the shared busybox rootfs, or a private copy of it with
# --copy. Sets BUNDLE to the directory made.
make_bundle() {
	local opts=()
	while [ $# -gt 0 ]; do
		case $1 in
		--copy) opts+=(--copy); shift ;;
		--dir) BUNDLE=$2; shift 2 ;;
		--) shift; break ;;
		*) break ;;
		esac
	done
	"$BERTH_LIB/make-bundle.sh" "${opts[@]}" "$BUNDLE" "$@"
	export BUNDLE
}

# jq_config FILTER [JQ_OPTION...] -- edit $BUNDLE/config.json in place, e.g.
#   jq_config '.process.env += [$e]' --arg e FOO=bar
jq_config() {
	local f=$BUNDLE/config.json
	jq "$@" "$f" > "$f.tmp" && mv "$f.tmp" "$f"
}

# ---- terminals ----------------------------------------------------------------------

# console_run ID -- create ID with a console socket whose receiver (fixtures/recvtty.c,
# built on first use) copies the pty's output to $CONSOLE_OUT, start it, and wait for
# the receiver, which ends when the container's side of the pty closes (bounded by
# timeouts). Fails, showing the output, unless everything succeeded.
console_run() {
	local id=$1 recv=$BERTH_TEST_CACHE/recvtty src=$BERTH_TOP/tests/integration/fixtures/recvtty.c
	if [ ! -x "$recv" ] || [ "$src" -nt "$recv" ]; then
		mkdir -p "$BERTH_TEST_CACHE"
		${CC:-cc} -O2 -o "$recv.$$" "$src" && mv -f "$recv.$$" "$recv"
	fi
	local sock=$BATS_TEST_TMPDIR/console.sock ready=$BATS_TEST_TMPDIR/ready
	CONSOLE_OUT=$BATS_TEST_TMPDIR/console.out
	mkfifo "$ready"
	timeout 20 "$recv" "$sock" "$ready" >"$CONSOLE_OUT" 2>"$CONSOLE_OUT.err" 3>&- &
	local rpid=$!
	timeout 10 head -n1 "$ready" >/dev/null  # it listens once this line arrives
	"$BERTH_BIN" --root "$ROOT" create --console-socket "$sock" -b "$BUNDLE" "$id" >/dev/null
	"$BERTH_BIN" --root "$ROOT" start "$id"
	local rc=0
	wait "$rpid" || rc=$?
	cat "$CONSOLE_OUT" "$CONSOLE_OUT.err" >&2
	[ "$rc" -eq 0 ]
}

# ---- small assertions and waits ---------------------------------------------------------

# After `run ...`: fail with the output shown unless the status is as expected.
assert_success() {
	if [ "$status" -ne 0 ]; then
		echo "expected success, got status $status; output:" >&2
		echo "$output" >&2
		return 1
	fi
}
assert_failure() {
	if [ "$status" -eq 0 ]; then
		echo "expected failure, got status 0; output:" >&2
		echo "$output" >&2
		return 1
	fi
}
assert_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected status $1, got $status; output:" >&2
		echo "$output" >&2
		return 1
	fi
}
assert_output_contains() {
	if [[ "$output" != *"$1"* ]]; then
		echo "output does not contain '$1':" >&2
		echo "$output" >&2
		return 1
	fi
}

# state_field RUNTIME_FN ID JQ_PATH -- e.g. state_field berth "$id" .status
state_field() {
	"$1" state "$2" | jq -r "$3"
}

# wait_status RUNTIME_FN ID STATUS [SECONDS=5] -- poll state until .status is STATUS.
wait_status() {
	local fn=$1 id=$2 want=$3 secs=${4:-5} i got=
	for ((i = 0; i < secs * 20; i++)); do
		got=$("$fn" state "$id" 2>/dev/null | jq -r .status 2>/dev/null) || got=
		[ "$got" = "$want" ] && return 0
		sleep 0.05
	done
	echo "container $id: status '$got', wanted '$want' after ${secs}s" >&2
	return 1
}

# require_cmd CMD... -- skip the test when a tool is missing.
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "$c not installed"
	done
}

# ---- commands whose stdio a container may keep -----------------------------------------

# A created or detached container keeps the stdio it was given (as with runc), so a pipe
# there (bats' `run`, $(...)) would stay open until it exits. These run a command with
# stdio on a file instead:
#   q CMD...     fail showing the output unless CMD succeeds
#   runq CMD...  like bats' run: sets status, output and lines
q() {
	local f; f=$(mktemp "$BATS_TEST_TMPDIR/q.XXXXXX")
	"$@" </dev/null >"$f" 2>&1 || { local rc=$?; cat "$f" >&2; return $rc; }
}
runq() {
	local f; f=$(mktemp "$BATS_TEST_TMPDIR/q.XXXXXX")
	status=0
	"$@" </dev/null >"$f" 2>&1 || status=$?
	output=$(cat "$f")
	mapfile -t lines <<<"$output"
}

# ---- what a container leaves behind ----------------------------------------------------

# journal_dirs ID KIND [MOUNT] -- the cgroup dirs of the KIND ("made" or "leaf")
# entries of a container's cgroups journal (libcontainer/cgroup/journal.hpp),
# in MOUNT only if given.
journal_dirs() {
	jq -r --arg k "$2" --arg m "${3:-}" '.isolators.cgroups // [] | .[] | select(.kind == $k and ($m == "" or .mount == $m))
		| if .path == "/" then .mount else .mount + .path end' "$ROOT/$1/state.json"
}

mount_count() { wc -l < /proc/self/mountinfo; }
procs_naming() {  # count processes whose command line contains $1 (pattern read from a file, so
	local f=$BATS_TEST_TMPDIR/.procs-pattern  # that grep's own command line does not match)
	printf '%s\n' "$1" > "$f"
	grep -laF -f "$f" /proc/[0-9]*/cmdline 2>/dev/null | wc -l
}
