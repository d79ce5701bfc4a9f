#!/usr/bin/env bats
# engines_containerd.bats -- containerd 1.6 from Debian and its runc shim (v2) with
# berth-runc as the runc binary (`ctr run --runc-binary`), side by side with runc: each
# operation's exit code and the task's status agree. containerd runs on a private root,
# state and socket (../shared/engines/containerd.toml), CRI off; the image is the test
# busybox rootfs as an OCI archive (tests/lib/make-oci-archive.sh). The runc shim keeps
# its runtime's state in /run/containerd/runc/NAMESPACE: the namespace is this file's own,
# and every test removes what it made and checks that nothing is left.

load ../lib/common

BERTH_RUNC=${BERTH_BIN%/*}/berth-runc
IMAGE=localhost/berth-test-busybox:1

# Bounded for sure: ctr task exec forwards the SIGTERM of timeout to the exec'd process
# rather than dying of it, so a wedged call is ended by SIGKILL after 5 more seconds.
c() { timeout -k 5 30 ctr -a "$CTD/containerd.sock" -n "$CTD_NS" "$@"; }

setup_file() {
	command -v containerd >/dev/null && command -v ctr >/dev/null || return 0
	export CTD=$BATS_FILE_TMPDIR/containerd CTD_NS=berth-test-$$
	mkdir -p "$CTD/root" "$CTD/state"
	cat > "$CTD/config.toml" <<-EOF
		version = 2
		root = "$CTD/root"
		state = "$CTD/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$CTD/containerd.sock"
		[ttrpc]
		  address = "$CTD/containerd.sock.ttrpc"
		[debug]
		  address = "$CTD/debug.sock"
		  level = "info"
	EOF
	containerd --config "$CTD/config.toml" > "$CTD/containerd.log" 2>&1 3>&- &
	echo $! > "$CTD/pid"
	local i
	for i in $(seq 100); do
		c version >/dev/null 2>&1 && break
		sleep 0.05
	done
	"$BERTH_LIB/make-bundle.sh" "$CTD/bundle" true >/dev/null  # builds the cached rootfs
	"$BERTH_LIB/make-oci-archive.sh" "$BERTH_TEST_CACHE/rootfs" "$IMAGE" "$CTD/image.tar"
	c images import "$CTD/image.tar" >/dev/null
}

teardown_file() {
	[ -n "${CTD:-}" ] && [ -f "$CTD/pid" ] || return 0
	local t
	for t in $(c containers ls -q 2>/dev/null); do
		c task kill -s SIGKILL "$t" >/dev/null 2>&1
		c task delete -f "$t" >/dev/null 2>&1
		c containers delete "$t" >/dev/null 2>&1
	done
	c images rm "$IMAGE" >/dev/null 2>&1 || true
	c namespaces rm "$CTD_NS" >/dev/null 2>&1 || true
	kill "$(cat "$CTD/pid")" 2>/dev/null || true
	rm -rf "/run/containerd/runc/$CTD_NS"
	rmdir /run/containerd/runc /run/containerd/fifo /run/containerd/s /run/containerd 2>/dev/null || true
}

setup() {
	require_cmd containerd ctr
	[ -x "$BERTH_RUNC" ] || skip "$BERTH_RUNC not built (make)"
	c version >/dev/null 2>&1 || skip "containerd did not start (see $CTD/containerd.log)"
	common_setup
}

# The containers this test made, gone; then nothing of them may be left.
teardown() {
	local rc=0 t
	for t in $(c containers ls -q 2>/dev/null); do
		c task kill -s SIGKILL "$t" >/dev/null 2>&1
		c task delete -f "$t" >/dev/null 2>&1
		c containers delete "$t" >/dev/null 2>&1
		if [ -e "/run/containerd/runc/$CTD_NS/$t" ]; then echo "left: the runtime state of $t" >&2; rc=1; fi
		if compgen -G "/sys/fs/cgroup/*/$CTD_NS/$t" >/dev/null; then echo "left: a cgroup of $t" >&2; rc=1; fi
		if [ "$(procs_naming "$t")" -ne 0 ]; then echo "left: a process naming $t" >&2; rc=1; fi
	done
	common_teardown || rc=1
	return $rc
}

# kill_and_delete NAME -- SIGKILL the task, wait until it has stopped, delete it and its container
kill_and_delete() {
	run c task kill -s SIGKILL "$1"
	assert_success
	wait_task "$1" STOPPED
	run c task delete "$1"
	assert_success
	run c containers delete "$1"
	assert_success
}

# wait_task NAME STATUS -- until `ctr task ls` shows the task in STATUS (bounded)
wait_task() {
	local i
	for i in $(seq 100); do
		[ "$(c task ls | awk -v n="$1" '$1 == n {print $3}')" = "$2" ] && return 0
		sleep 0.05
	done
	c task ls >&2
	return 1
}

@test "ctr run --rm: the output and the exit code of the container, as with runc" {
	local rt
	for rt in runc "$BERTH_RUNC"; do
		run c run --rm --runc-binary "$rt" "$IMAGE" "r-$RANDOM" sh -c 'echo hello; exit 4'
		echo "$rt: $output"
		assert_status 4
		[ "$output" = hello ]
		run c run --rm --runc-binary "$rt" "$IMAGE" "r-$RANDOM" true
		assert_success
	done
}

@test "ctr run -d, task ls, pause, resume, metrics, ps, kill, delete: as with runc" {
	local rt name pid
	for rt in runc "$BERTH_RUNC"; do
		name=d-$RANDOM
		run c run -d --runc-binary "$rt" "$IMAGE" "$name" sleep 1000
		assert_success
		wait_task "$name" RUNNING
		pid=$(c task ls | awk -v n="$name" '$1 == n {print $2}')
		echo "$rt: pid $pid: $(cat "/proc/$pid/comm")"
		[ "$(cat "/proc/$pid/comm")" = sleep ]
		# the init's parent is containerd's shim, whichever runtime made it
		[ "$(cat "/proc/$(awk '/^PPid:/{print $2}' "/proc/$pid/status")/comm")" = containerd-shim ]
		run c task pause "$name"
		assert_success
		wait_task "$name" PAUSED
		run c task resume "$name"
		assert_success
		wait_task "$name" RUNNING
		run c task metrics "$name"
		assert_success
		assert_output_contains "memory.usage_in_bytes"
		run c task ps "$name"
		assert_success
		assert_output_contains "$pid"
		kill_and_delete "$name"
	done
}

@test "ctr task exec: output, exit code, --user, --cwd, --tty, and an exec'd process killed, as with runc" {
	local rt name
	for rt in runc "$BERTH_RUNC"; do
		name=x-$RANDOM
		run c run -d --runc-binary "$rt" "$IMAGE" "$name" sleep 1000
		assert_success
		wait_task "$name" RUNNING
		run c task exec --exec-id e1 "$name" sh -c 'echo in-task; exit 5'
		echo "$rt: $output"
		assert_status 5
		[ "$output" = in-task ]
		run c task exec --exec-id e2 --user 1000 --cwd /tmp "$name" sh -c 'echo $(id -u) $(pwd)'
		echo "$rt: $output"
		assert_success
		[ "$output" = "1000 /tmp" ]
		# --foreground: timeout must not put ctr in a process group of its own, or where
		# script's shell does not exec its last command (dash, CI's /bin/sh) ctr is in the
		# background of its pty and its tcsetattr(raw) stops it with SIGTTOU.
		run script -qec "timeout --foreground -k 5 30 ctr -a $CTD/containerd.sock -n $CTD_NS task exec -t --exec-id e3 $name sh -c 'tty; exit 2'" /dev/null </dev/null
		echo "$rt: $output"
		assert_status 2
		assert_output_contains "/dev/pts/"
		# An exec'd process in the background, killed by its exec id: its exit reaches ctr.
		c task exec --exec-id e4 "$name" sleep 1000 </dev/null >/dev/null 2>&1 3>&- &
		local xpid=$!
		local i
		for i in $(seq 100); do c task ps "$name" | grep -q e4 && break; sleep 0.05; done
		c task ps "$name"
		run c task kill --exec-id e4 -s SIGKILL "$name"
		assert_success
		local rc=0
		wait "$xpid" || rc=$?
		echo "$rt: killed exec: $rc"
		[ "$rc" -eq 137 ]
		run c task exec --exec-id e5 "$name" nope
		echo "$rt: $output"
		assert_failure
		assert_output_contains "executable file not found"
		kill_and_delete "$name"
	done
}
