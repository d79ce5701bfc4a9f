#!/usr/bin/env bats
# Runtime binary overwritten (runc CVE-2019-5736; crun and youki fixed the same).
#
# The container must never get a writable handle on the host's berth binary. berth's
# container init is a clone of the CLI (its /proc/PID/exe is bin/berth) that is made
# non-dumpable before anything else and execs only the user's program; it refuses a
# program (or a chain of "#!" interpreters) that is the berth binary itself.
#
# Pending: the same attacks through `berth exec` (the joining process) once `exec` exists.

load ../lib/common
load helpers/security

@test "runtime_binary_overwrite: args [/proc/self/exe] is refused and the binary is unchanged" {
	sec_bundle /proc/self/exe
	id=$(new_id)
	run berth create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output_contains "refusing to execute the runtime binary"
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "refusing to execute the runtime binary"
	assert_host_untouched
}

# A copy of the binaries under test: these tests try to get the binary opened for
# writing (they never write), and must not risk the one the other tests use.
use_binary_copy() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$BERTH_BIN" "$(dirname "$BERTH_BIN")/berth-shim" "$BATS_TEST_TMPDIR/bin/"
	BERTH_BIN=$BATS_TEST_TMPDIR/bin/berth
	sec_host_resnapshot
}

# Container A runs exe_watch; container B joins A's pid namespace with the hostile
# program, and its init's pid (in A's namespace) is handed to the watcher, which holds
# every /proc/PID/exe it can open until B's process is gone, then reopens each for
# writing. Sets WATCH_OUT to the watcher's output file.
start_watcher() {
	local watch
	watch=$(sec_helper exe_watch)
	sec_bundle /exe_watch /target
	cp "$watch" "$ROOTFS/exe_watch"
	WATCH_A=$BUNDLE
	WATCH_ID=$(new_id a)
	WATCH_OUT=$BATS_TEST_TMPDIR/watch.out
	berth create --bundle "$WATCH_A" "$WATCH_ID" > "$WATCH_OUT" 2>&1
	berth start "$WATCH_ID"
	wait_for_line "$WATCH_OUT" '^ready'
	WATCH_PID=$(berth state "$WATCH_ID" | jq -r .pid)
}

# hand_to_watcher ID -- tell the watcher B's init pid, as A's pid namespace numbers it.
hand_to_watcher() {
	local host_pid ns_pid
	host_pid=$(berth state "$1" | jq -r .pid)
	ns_pid=$(awk '/^NSpid:/ { print $NF }' "/proc/$host_pid/status")
	[ -n "$ns_pid" ]
	echo "$ns_pid" > "$WATCH_A/rootfs/target.tmp"
	mv "$WATCH_A/rootfs/target.tmp" "$WATCH_A/rootfs/target"
}

# B's process is berth itself, which fails at once ("A subcommand is required"): its
# stderr is a pipe the test filled, so that it blocks in that write until the watcher
# has its handle, and the test does not depend on winning a race.
# start_blocked ID -- start B with stderr on a full pipe (fd 8 here, read end fd 7).
start_blocked() {
	mkfifo "$BATS_TEST_TMPDIR/scratch-stderr.fifo"
	exec 7<> "$BATS_TEST_TMPDIR/scratch-stderr.fifo"
	exec 8> "$BATS_TEST_TMPDIR/scratch-stderr.fifo"
	head -c 65536 /dev/zero >&8
}

# unblock -- once the watcher has a handle, drain the pipe so B's write completes.
unblock() {
	wait_for_line "$WATCH_OUT" '^got exe' 30
	dd bs=4096 count=16 <&7 > /dev/null 2>&1
	exec 8>&- 7<&-
}

# watcher_verdict -- wait for the watcher's summary and require that it held B's exe
# (else it tested nothing) and could reopen none of them for writing.
watcher_verdict() {
	wait_for_line "$WATCH_OUT" '^held=' 30
	cat "$WATCH_OUT" >&3 || true
	summary=$(grep '^held=' "$WATCH_OUT")
	held=${summary#held=}; held=${held%% *}
	[ "$held" -gt 0 ]
	[[ $summary == *" reopen_ok=0" ]]
}

join_watcher_pidns() {
	jq_config '(.linux.namespaces[] | select(.type == "pid")) |= (.path = $p)' --arg p "/proc/$WATCH_PID/ns/pid"
}

@test "runtime_binary_overwrite: a chain of five #! scripts ending in /proc/self/exe runs a read-only view, never the writable host binary" {
	use_binary_copy
	start_watcher
	BUNDLE=$BATS_TEST_TMPDIR/bundle-b
	sec_bundle /c1
	# The kernel follows four more interpreters; berth no longer walks them at all.
	for i in 1 2 3 4; do printf '#!/c%d\n' $((i + 1)) > "$ROOTFS/c$i"; done
	printf '#!/proc/self/exe\n' > "$ROOTFS/c5"
	chmod 755 "$ROOTFS"/c?
	join_watcher_pidns
	id=$(new_id b)
	start_blocked
	berth create --bundle "$BUNDLE" "$id" 2>&8
	hand_to_watcher "$id"
	berth start "$id"
	unblock
	watcher_verdict
	assert_host_untouched
}

@test "runtime_binary_overwrite: an interpreter swapped for /proc/self/exe between create and start never yields a writable host binary" {
	use_binary_copy
	start_watcher
	BUNDLE=$BATS_TEST_TMPDIR/bundle-b
	sec_bundle /s1
	printf '#!/interp\n' > "$ROOTFS/s1"
	chmod 755 "$ROOTFS/s1"
	ln -s /bin/true "$ROOTFS/interp"
	join_watcher_pidns
	id=$(new_id b)
	start_blocked
	# Checked at create: a harmless interpreter.
	berth create --bundle "$BUNDLE" "$id" 2>&8
	# Swapped before start: what runs is whatever the kernel resolves then.
	ln -sfn /proc/self/exe "$ROOTFS/interp"
	hand_to_watcher "$id"
	berth start "$id"
	unblock
	watcher_verdict
	assert_host_untouched
}

@test "runtime_binary_overwrite: a container racing open(/proc/PID/exe, O_WRONLY) on every new pid gets nothing" {
	racer=$(sec_helper exe_racer)
	# Container A: the attacker. Its pid namespace is joined by container B, so B's init
	# (a clone of berth, until it execs) is visible to A while B is created.
	sec_bundle /exe_racer /stop
	cp "$racer" "$BUNDLE/rootfs/exe_racer"
	A=$BUNDLE
	ida=$(new_id a)
	berth create --bundle "$A" "$ida" > "$BATS_TEST_TMPDIR/racer.out" 2>&1
	berth start "$ida"
	for i in $(seq 200); do grep -q ready "$BATS_TEST_TMPDIR/racer.out" && break; sleep 0.05; done
	grep -q ready "$BATS_TEST_TMPDIR/racer.out"
	apid=$(berth state "$ida" | jq -r .pid)

	# Container B: creates that join A's pid namespace, half of them with the
	# /proc/self/exe as the program (refused), half with a harmless one (run to the end).
	BUNDLE=$BATS_TEST_TMPDIR/bundle-b
	sec_bundle /proc/self/exe
	jq_config '(.linux.namespaces[] | select(.type == "pid")) |= (.path = $p)' --arg p "/proc/$apid/ns/pid"
	refused=0
	for i in $(seq 10); do
		jq_config '.process.args = ["/proc/self/exe"]'
		run berth run --bundle "$BUNDLE" "$(new_id b)"
		[ "$status" -ne 0 ] && [[ $output == *"refusing to execute the runtime binary"* ]] && refused=$((refused + 1))
		jq_config '.process.args = ["/bin/true"]'
		run berth run --bundle "$BUNDLE" "$(new_id b)"
		assert_success
	done
	[ "$refused" -eq 10 ]

	touch "$A/rootfs/stop"
	for i in $(seq 200); do grep -q '^seen=' "$BATS_TEST_TMPDIR/racer.out" && break; sleep 0.05; done
	cat "$BATS_TEST_TMPDIR/racer.out" >&3 || true
	summary=$(grep '^seen=' "$BATS_TEST_TMPDIR/racer.out")
	[[ $summary == *" wr_ok=0 "* ]]
	[[ $summary == *" reopen_ok=0" ]]
	# The racer did see B's processes come and go (else it tested nothing).
	seen=${summary#seen=}; seen=${seen%% *}
	[ "$seen" -gt 0 ]
	assert_host_untouched
}
