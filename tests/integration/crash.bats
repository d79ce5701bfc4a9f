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

# A container is either whole or gone: after its caller's SIGKILL at any instant, `state`
# answers with a status the container has (a created one starts, a running one runs) or
# says it is still being created, and `delete --force` removes every trace of it.
# consistent_or_gone ID OP DELAY
consistent_or_gone() {
	local id=$1 what="$2 cut at ${3}s" st pid left
	if [ -e "$ROOT/$id" ]; then
		runq berth state "$id"
		if [ "$status" -eq 0 ]; then
			st=$(jq -r .status <<<"$output")
			pid=$(jq -r .pid <<<"$output")
			case $st in
			created)
				runq berth start "$id"
				[ "$status" -eq 0 ] || { echo "$what: a created container does not start: $output" >&2; return 1; }
				[ "$(state_field berth "$id" .status)" = running ] || { echo "$what: started, not running" >&2; return 1; }
				;;
			running) kill -0 "$pid" || { echo "$what: running without its init" >&2; return 1; } ;;
			stopped) ;;
			*) echo "$what: status $st" >&2; return 1 ;;
			esac
		else
			[[ $output == *"being created"* ]] || { echo "$what: state: $output" >&2; return 1; }
		fi
	fi
	runq berth delete --force "$id"
	[ "$status" -eq 0 ] || { echo "$what: delete --force: $output" >&2; return 1; }
	[ ! -e "$ROOT/$id" ] || { echo "$what: state dir left" >&2; return 1; }
	left=$(find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "$id" 2>/dev/null || true)
	[ -z "$left" ] || { echo "$what: cgroups left: $left" >&2; return 1; }
}

# BERTH_CRASH_N iterations (30 here; hundreds as a benchmark-style run:
# BERTH_CRASH_N=500 bats -f 'killed at a random' tests/integration/crash.bats), seeded
# (BERTH_CRASH_SEED) so that a failure can be replayed.
@test "crash: caller killed at a random instant of run -d, start, exec or delete; the container is whole or gone" {
	make_bundle sleep 100 >/dev/null
	jq_config '.linux.resources.pids = {"limit": 20}'
	local seed=${BERTH_CRASH_SEED:-20261207} n=${BERTH_CRASH_N:-30} i id cli op delay before
	RANDOM=$seed
	echo "# seed $seed, $n iterations" >&3
	before=$(mount_count)
	for ((i = 0; i < n; i++)); do
		id=$(new_id)
		op=$((RANDOM % 4))
		case $op in
		0) ;;
		1) q berth create -b "$BUNDLE" "$id" ;;
		2 | 3) q berth run -d -b "$BUNDLE" "$id" ;;
		esac
		case $op in
		0) "$BERTH_BIN" --root "$ROOT" run -d -b "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 3>&- & ;;
		1) "$BERTH_BIN" --root "$ROOT" start "$id" </dev/null >/dev/null 2>&1 3>&- & ;;
		2) "$BERTH_BIN" --root "$ROOT" delete --force "$id" </dev/null >/dev/null 2>&1 3>&- & ;;
		3) "$BERTH_BIN" --root "$ROOT" exec -d "$id" sleep 100 </dev/null >/dev/null 2>&1 3>&- & ;;
		esac
		cli=$!
		# The kill point, not a synchronisation: 0-6 ms into run -d (about 5 ms here),
		# 0-2 ms into start, delete or exec (1-2 ms).
		delay=$(printf '0.%03d' $((op == 0 ? RANDOM % 7 : RANDOM % 3)))
		sleep "$delay"
		kill -9 "$cli" 2>/dev/null || true
		wait "$cli" 2>/dev/null || true
		consistent_or_gone "$id" "iteration $i: $(echo "run-d start delete exec" | cut -d' ' -f$((op + 1)))" "$delay"
	done
	wait_gone "$ROOT/"
	[ "$(procs_naming "$ROOT/")" -eq 0 ] || { echo "processes of killed commands left" >&2; return 1; }
	[ "$(mount_count)" -eq "$before" ]
}
