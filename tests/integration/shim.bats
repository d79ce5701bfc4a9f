#!/usr/bin/env bats
# shim.bats -- what berth-shim leaves behind and how it keeps its exit record: a shim
# whose container has exited and whose state directory is gone exits and takes the
# container's cgroups with it; waiters that hang up are dropped; exit.json is fsync'ed
# before its rename and the directory after it (issue 10 §4).
# runc and crun have no shim (their init is reparented to the caller), so there is no
# peer to follow here: with runc 1.1.5 a state directory removed by hand leaves the
# container's cgroups behind for good; berth removes them.

load ../lib/common

# shim_pid ID -- the shim's pid, from the container's record.
shim_pid() { jq .shimPid "$ROOT/$1/state.json"; }

# wait_gone PID PATTERN [SECONDS=10] -- poll until no process PID whose command line
# contains PATTERN exists (a reused pid does not count).
wait_gone() {
	local i
	for ((i = 0; i < ${3:-10} * 20; i++)); do
		tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2" || return 0
		sleep 0.05
	done
	echo "process $1 ($2) still there after ${3:-10}s" >&2
	return 1
}

# wait_file FILE [SECONDS=10]
wait_file() {
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		[ -e "$1" ] && return 0
		sleep 0.05
	done
	echo "$1 did not appear after ${2:-10}s" >&2
	return 1
}

# The cgroups create made, from the journal (libcontainer/cgroup/journal.hpp).
made_cgroups() { journal_dirs "$1" made; }

# cgroups_gone DIR... -- poll (bounded, 10 s) until none of the cgroup dirs exists.
cgroups_gone() {
	local d i left
	for ((i = 0; i < 200; i++)); do
		left=()
		for d in "$@"; do [ -d "$d" ] && left+=("$d"); done
		[ ${#left[@]} -eq 0 ] && return 0
		sleep 0.05
	done
	echo "cgroups left: ${left[*]}" >&2
	return 1
}

# orphan_check ID -- remove ID's state directory by hand (no delete) and check that the
# shim goes and that every cgroup create made goes with it.
orphan_check() {
	local id=$1 shim cgs d i left
	shim=$(shim_pid "$id")
	[ -n "$shim" ] && [ -d "/proc/$shim" ]
	mapfile -t cgs < <(made_cgroups "$id")
	[ ${#cgs[@]} -gt 0 ]
	for d in "${cgs[@]}"; do [ -d "$d" ]; done
	rm -rf "${ROOT:?}/$id"
	wait_gone "$shim" "--state-dir=$ROOT/$id"
	cgroups_gone "${cgs[@]}"
}

@test "shim: a stopped container whose state directory is removed by hand: its shim exits and its cgroups go" {
	make_bundle >/dev/null
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	wait_file "$ROOT/$id/exit.json"
	orphan_check "$id"
}

@test "shim: a running container whose state directory is removed by hand: the shim exits once the init does" {
	make_bundle sleep 1000 >/dev/null
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	local shim init; shim=$(shim_pid "$id") init=$(jq .pid "$ROOT/$id/state.json")
	local cgs; mapfile -t cgs < <(made_cgroups "$id")
	[ ${#cgs[@]} -gt 0 ]
	rm -rf "${ROOT:?}/$id"
	# Still running: the shim stays (it is the init's parent and reaper) ...
	tr '\0' ' ' < "/proc/$shim/cmdline" | grep -qF -- "--state-dir=$ROOT/$id"
	# ... until the init exits.
	kill -9 "$init"
	wait_gone "$shim" "--state-dir=$ROOT/$id"
	cgroups_gone "${cgs[@]}"
}

@test "shim: a delete still finds the shim and removes everything (the watch does not get in its way)" {
	make_bundle >/dev/null
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	wait_file "$ROOT/$id/exit.json"
	local shim; shim=$(shim_pid "$id")
	mapfile -t cgs < <(made_cgroups "$id")
	q berth delete "$id"
	[ ! -e "$ROOT/$id" ]
	wait_gone "$shim" "--state-dir=$ROOT/$id"
	local d
	for d in "${cgs[@]}"; do [ ! -d "$d" ]; done
}

# shim_waiters -- tests/integration/helpers/shim_waiters.c, compiled on first use.
shim_waiters_bin() {
	local src=$BERTH_TOP/tests/integration/helpers/shim_waiters.c out=$BERTH_TEST_CACHE/shim_waiters
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		mkdir -p "$BERTH_TEST_CACHE"
		(
			flock 8
			if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
				${CC:-cc} -O2 -Wall -o "$out.tmp.$$" "$src" && mv -f "$out.tmp.$$" "$out"
			fi
		) 8>"$BERTH_TEST_CACHE/shim_waiters.lock" >&2 || return 1
	fi
	printf '%s\n' "$out"
}

fd_count() { ls "/proc/$1/fd" | wc -l; }

@test "shim: waiters whose client hung up are dropped (its fd count goes back down)" {
	local helper; helper=$(shim_waiters_bin)
	make_bundle >/dev/null
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"  # created: the init waits at the gate, so waiters park
	local shim; shim=$(shim_pid "$id")
	local before; before=$(fd_count "$shim")
	local round i n
	for round in 1 2 3; do
		run "$helper" "$ROOT/$id/shim.sock" 32
		assert_success
		for ((i = 0; i < 200; i++)); do
			n=$(fd_count "$shim")
			[ "$n" -le "$before" ] && break
			sleep 0.05
		done
		[ "$n" -le "$before" ] || { echo "round $round: the shim holds $n fds, $before before the waiters" >&2; ls -l "/proc/$shim/fd" >&2; false; }
	done
}

@test "shim: the exit record is fsync'ed before its rename, and its directory after" {
	require_cmd strace
	make_bundle >/dev/null
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	local shim; shim=$(shim_pid "$id") log=$BATS_TEST_TMPDIR/strace.log err=$BATS_TEST_TMPDIR/strace.err
	strace -y -qq -e trace=fsync,fdatasync,rename,renameat,renameat2,openat,close -o "$log" -p "$shim" 2>"$err" 3>&- &
	local tracer=$!
	# strace is attached once the shim's status names a tracer.
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$shim/status")" = "$tracer" ] && break
		sleep 0.05
	done
	[ "$i" -lt 200 ] || { cat "$err" >&2; false; }
	q berth start "$id"
	wait_file "$ROOT/$id/exit.json"
	q berth delete "$id"
	wait "$tracer" || true
	cat "$log" >&2
	local dir=$ROOT/$id
	# Line numbers of: fsync of the temp file, its rename, fsync of the directory.
	local f r d
	f=$(grep -n "^fsync([0-9]*<$dir/exit.json.tmp>)" "$log" | head -1 | cut -d: -f1)
	r=$(grep -nE "^rename(at2?)?\(.*\"$dir/exit.json.tmp\".*\"$dir/exit.json\"" "$log" | head -1 | cut -d: -f1)
	d=$(grep -n "^fsync([0-9]*<$dir>)" "$log" | head -1 | cut -d: -f1)
	[ -n "$f" ] && [ -n "$r" ] && [ -n "$d" ] || { echo "fsync tmp: '$f', rename: '$r', fsync dir: '$d'" >&2; false; }
	[ "$f" -lt "$r" ] && [ "$r" -lt "$d" ]
}

# Nothing records the exit of a container whose shim was killed: state says so (runc has
# no shim; its state cannot), wait says so instead of waiting for ever, and delete --force
# still removes all of it (teardown's leak check).
@test "shim: a killed shim shows as shimGone in state; wait says so; delete --force removes everything" {
	make_bundle sleep 1000 >/dev/null
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	run berth state "$id"
	[ "$(jq -r '.shimGone // "absent"' <<<"$output")" = absent ]
	local shim; shim=$(shim_pid "$id")
	kill -KILL "$shim"
	wait_gone "$shim" "--state-dir=$ROOT/$id"
	run berth state "$id"
	assert_success
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .shimGone <<<"$output")" = true ]
	run timeout 10 "$BERTH_BIN" --root "$ROOT" wait "$id"
	assert_status 1
	assert_output_contains "shim of container $id is gone"
	run berth delete -f "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
}
