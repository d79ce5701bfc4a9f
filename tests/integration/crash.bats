#!/usr/bin/env bats
# crash.bats -- the caller of `create` is killed (SIGKILL) in the middle of it: on the
# runtime's side (a createRuntime hook is running) and on the init's side (a
# createContainer hook is running). `delete --force` then removes everything the
# container held: state dir, init, shim, mounts.

load ../lib/common

# A hook that records that it runs, then blocks reading a fifo the test controls.
blocking_hook() {  # KIND -- sets HOOK_FIFO and HOOK_MARK
	HOOK_FIFO=$BATS_TEST_TMPDIR/hook.fifo
	HOOK_MARK=$BATS_TEST_TMPDIR/hook.ran
	mkfifo "$HOOK_FIFO"
	cat > "$BATS_TEST_TMPDIR/hook.sh" <<-HOOK
		#!/bin/sh
		echo \$\$ > $HOOK_MARK
		read x < $HOOK_FIFO
	HOOK
	chmod +x "$BATS_TEST_TMPDIR/hook.sh"
	jq_config --arg h "$BATS_TEST_TMPDIR/hook.sh" --arg k "$1" '.hooks[$k] = [{"path": $h}]'
}

# create_blocked KIND -- start a create of a new id (ID) in the background (CLI) with a
# KIND hook that blocks, and wait until the hook runs.
create_blocked() {
	make_bundle sleep 100 >/dev/null
	blocking_hook "$1"
	ID=$(new_id)
	"$BERTH_BIN" --root "$ROOT" create -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 3>&- &
	CLI=$!
	wait_for_file "$HOOK_MARK"
}

# cut_create -- kill -9 that create, then release the hook: it runs on after its
# caller's death and must not block anyone.
cut_create() {
	kill -9 "$CLI"
	wait "$CLI" || true
	echo go > "$HOOK_FIFO"
}

# create, kill -9 the CLI while the hook blocks, release the hook, delete --force
crash_during_hook() {
	local before id
	before=$(mount_count)
	create_blocked "$1"
	id=$ID
	cut_create
	[ -d "$ROOT/$id" ]  # the half-made container is there ...
	run berth list -q
	assert_success
	[[ "$output" != *"$id"* ]]  # ... but not listed as a container
	run berth delete --force "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
	[ -z "$(find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "$id" 2>/dev/null || true)" ]
	wait_gone "$ROOT/$id"
	[ "$(procs_naming "$ROOT/$id")" -eq 0 ]
	[ "$(mount_count)" -eq "$before" ]
}

wait_for_file() {  # bounded wait for an external process to create $1
	local i
	for ((i = 0; i < 200; i++)); do [ -s "$1" ] && return 0; sleep 0.05; done
	echo "$1 never appeared" >&2
	return 1
}

wait_gone() {  # the killed init and shim are reaped by pid 1, not by us
	local i
	for ((i = 0; i < 100; i++)); do [ "$(procs_naming "$1")" -eq 0 ] && return 0; sleep 0.05; done
}

@test "crash: caller killed during a createRuntime hook; delete --force cleans up" {
	crash_during_hook createRuntime
}

@test "crash: caller killed during a createContainer hook; delete --force cleans up" {
	crash_during_hook createContainer
}

@test "crash: the shim of a create cut off exits on its own once its init has (no \"created\" came)" {
	create_blocked createRuntime
	local id=$ID shim
	# The hook runs after the spawn: the record names the shim, still "creating".
	[ "$(jq -r .phase "$ROOT/$id/state.json")" = creating ]
	shim=$(jq .shimPid "$ROOT/$id/state.json")
	[ "$shim" -gt 0 ] && [ -d "/proc/$shim" ]
	cut_create
	# The init reads the end of its sync channel and exits; the shim follows.
	local i
	for ((i = 0; i < 200; i++)); do [ -d "/proc/$shim" ] || break; sleep 0.05; done
	[ ! -d "/proc/$shim" ]
	[ -s "$ROOT/$id/exit.json" ]
	run berth delete --force "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
}

@test "crash: delete without --force refuses a half-made container and names why" {
	create_blocked createRuntime
	local id=$ID
	cut_create
	run berth delete "$id"
	assert_failure
	assert_output_contains "being created"
	run berth delete --force "$id"
	assert_success
}

@test "crash: caller killed at a random instant of create, 40 times; delete --force always cleans up" {
	make_bundle sleep 100 >/dev/null
	# With limits, so the cgroups isolator has work to be cut off in.
	jq_config '.linux.resources.pids = {"limit": 20} | .linux.resources.memory = {"limit": 67108864}'
	local seed=20261125 i id cli delay before left
	RANDOM=$seed
	echo "# seed $seed" >&3
	before=$(mount_count)
	for ((i = 0; i < 40; i++)); do
		id=$(new_id)
		"$BERTH_BIN" --root "$ROOT" create -b "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 3>&- &
		cli=$!
		# The kill point, not a synchronisation: 0-12 ms into create (which takes ~10 ms).
		delay=$(printf '0.%03d' $((RANDOM % 13)))
		sleep "$delay"
		kill -9 "$cli" 2>/dev/null || true
		wait "$cli" 2>/dev/null || true
		run berth delete --force "$id"
		[ "$status" -eq 0 ] || { echo "iteration $i (delay $delay): delete --force: $output" >&2; return 1; }
		[ ! -e "$ROOT/$id" ] || { echo "iteration $i (delay $delay): state dir left" >&2; return 1; }
		left=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "$id" 2>/dev/null || true)
		[ -z "$left" ] || { echo "iteration $i (delay $delay): cgroups left: $left" >&2; return 1; }
	done
	wait_gone "$ROOT/"
	left=$(procs_naming "$ROOT/")
	[ "$left" -eq 0 ] || { echo "$left processes of killed creates left" >&2; return 1; }
	[ "$(mount_count)" -eq "$before" ]
}
