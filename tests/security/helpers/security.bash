# security.bash -- shared helpers for tests/security/*.bats (load after ../lib/common).
#
#   load ../lib/common
#   load helpers/security
#
# Every test builds its hostile bundle itself and ends with assert_host_untouched, which
# compares a snapshot taken in setup with the host as it is now:
#   - sha256 of the berth binary under test ($BERTH_BIN) and the berth-shim beside it;
#   - the mount points of the test process's mount namespace (/proc/self/mountinfo): a
#     new one under this test's directory, under a marked host path, or on a sensitive
#     host path (/, /proc..., /sys..., /dev..., /etc..., /evil...) fails the test;
#   - a listing (with content hashes) of the marked host paths: $HOSTDIR, a directory on
#     the host that hostile symlinks in the rootfs point at, and this test's temporary
#     directory outside the container's rootfs and state;
#   - a few procfs values (core_pattern, hostname, ip_forward, shmmax, oom_score_adj ...).
# Helper programs in C (helpers/*.c) are compiled on first use into $BERTH_TEST_CACHE/sec.

SEC_HELPERS=$BERTH_TOP/tests/security/helpers

sec_setup() {
	common_setup
	HOSTDIR=$BATS_TEST_TMPDIR/host
	mkdir -p "$HOSTDIR/etc" "$HOSTDIR/sys/kernel"
	echo "host-sentinel" > "$HOSTDIR/sentinel"
	echo "host-etc" > "$HOSTDIR/etc/passwd"
	export HOSTDIR
	SNAP_BEFORE=$BATS_TEST_TMPDIR/.snap-before
	SNAP_AFTER=$BATS_TEST_TMPDIR/.snap-after
	EVIL_EXISTED=0
	[ -e /evil ] && EVIL_EXISTED=1
	host_snapshot > "$SNAP_BEFORE"
}

# sec_host_resnapshot -- take the "before" snapshot again, after the test has put its
# own files in the marked host paths.
sec_host_resnapshot() {
	host_snapshot > "$SNAP_BEFORE"
}

sec_teardown() {
	# Background helpers this test started (racers, receivers), by pid.
	local pid
	if [ -f "$BATS_TEST_TMPDIR/.bg-pids" ]; then
		while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done < "$BATS_TEST_TMPDIR/.bg-pids"
	fi
	common_teardown
}

# sec_bg OUTFILE CMD... -- start CMD in the background with its output in OUTFILE and
# without bats' fd 3 (or bats would wait for it); teardown kills it. Sets BG_PID.
sec_bg() {
	local out=$1
	shift
	"$@" > "$out" 2>&1 3>&- &
	BG_PID=$!
	echo "$BG_PID" >> "$BATS_TEST_TMPDIR/.bg-pids"
}

# wait_for_line FILE REGEX [SECONDS=10] -- poll until FILE has a line matching REGEX.
wait_for_line() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	echo "no line matching '$2' in $1 after ${3:-10}s:" >&2
	cat "$1" >&2 2>/dev/null
	return 1
}

setup() { sec_setup; }
teardown() { sec_teardown; }

_SEC_PROC_VALUES=(
	/proc/sys/kernel/core_pattern
	/proc/sys/kernel/hostname
	/proc/sys/kernel/domainname
	/proc/sys/kernel/shmmax
	/proc/sys/kernel/msgmax
	/proc/sys/net/ipv4/ip_forward
	/proc/sys/vm/swappiness
	/proc/sys/kernel/sysrq
	/proc/1/oom_score_adj
)

# host_snapshot -- print the host state the tests compare (see the header).
host_snapshot() {
	local f
	echo "== binaries"
	sha256sum "$BERTH_BIN" "$(dirname "$BERTH_BIN")/berth-shim"
	echo "== procfs"
	for f in "${_SEC_PROC_VALUES[@]}"; do
		printf '%s=%s\n' "$f" "$(cat "$f" 2>/dev/null | tr '\n' ' ')"
	done
	printf 'self-oom=%s\n' "$(cat /proc/$$/oom_score_adj)"
	echo "== mounts"
	_sec_watched_mounts
	echo "== files"
	# The test's own directory, minus rootfs copies and runtime state (the container
	# may legitimately write there), and the snapshots themselves.
	find "$BATS_TEST_TMPDIR" \
		\( -path "$BATS_TEST_TMPDIR/root-*" -o -name rootfs -o -path "*/rootfs-*" -o -name '.snap-*' \
		-o -name '.container-ids' -o -name '.bg-pids' -o -name '*.out' -o -name '*.log' -o -name '*.sock' -o -name 'scratch*' \) -prune \
		-o -printf '%y %m %p -> %l\n' 2>/dev/null |
		grep -vE "^[dl] [0-9]+ $BATS_TEST_TMPDIR/bundle[^/]* ->|^f [0-9]+ $BATS_TEST_TMPDIR/bundle[^/]*/config.json(.tmp)? ->" | sort
	find "$HOSTDIR" -type f -exec sha256sum {} + 2>/dev/null | sort
	echo "== /evil"
	if [ -e /evil ] || [ -L /evil ]; then ls -la /evil 2>&1; fi
}

# Mount points that a container must never add to the host's mount namespace.
_sec_watched_mounts() {
	awk -v t="$BATS_TEST_TMPDIR" '{
		mp = $5
		if (index(mp, t) == 1 || mp == "/" || mp ~ /^\/(proc|sys|dev|etc|evil|host|bin|usr)(\/|$)/)
			print mp, $9, $4
	}' /proc/self/mountinfo | sort
}

# assert_host_untouched -- fail (with a diff) when the host differs from the snapshot.
assert_host_untouched() {
	host_snapshot > "$SNAP_AFTER"
	if ! diff -u "$SNAP_BEFORE" "$SNAP_AFTER" >&2; then
		echo "the host changed during the test (diff above)" >&2
		return 1
	fi
	if [ "$EVIL_EXISTED" = 0 ] && { [ -e /evil ] || [ -L /evil ]; }; then
		echo "/evil appeared on the host" >&2
		return 1
	fi
}

# sec_bundle [ARG...] -- a bundle with a private, writable copy of the busybox rootfs
# in $BUNDLE/rootfs running ARG...; ROOTFS names it.
sec_bundle() {
	make_bundle --copy "$@"
	ROOTFS=$BUNDLE/rootfs
	jq_config '.root.readonly = false'
	export ROOTFS
}

# sec_helper NAME -- print the path of helpers/NAME.c compiled as a static binary
# (static, so that it also runs inside a busybox rootfs).
sec_helper() {
	local name=$1 src=$SEC_HELPERS/$1.c dir=$BERTH_TEST_CACHE/sec
	local out=$dir/$name
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		mkdir -p "$dir"
		(
			flock 8
			if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
				${CC:-cc} -O2 -static -Wall -o "$out.tmp.$$" "$src" && mv -f "$out.tmp.$$" "$out"
			fi
		) 8>"$dir/$name.lock" >&2 || return 1
	fi
	printf '%s\n' "$out"
}

# sec_seed -- a fixed seed for racing tests (SEC_SEED overrides), printed for replay.
sec_seed() {
	local s=${SEC_SEED:-20260101}
	echo "# seed=$s (replay with SEC_SEED=$s)" >&3
	printf '%s\n' "$s"
}

# no_mounts_under DIR -- fail if the host mount namespace has a mount at or below DIR.
no_mounts_under() {
	if awk -v d="$1" 'index($5, d) == 1 { print; found = 1 } END { exit !found }' /proc/self/mountinfo >&2; then
		echo "host has a mount under $1" >&2
		return 1
	fi
}
