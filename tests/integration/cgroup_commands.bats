#!/usr/bin/env bats
# cgroup_commands.bats -- the commands that act on a container's processes through its
# cgroups: ps (json and table), pause/resume (the freezer), kill --all, and delete --force
# and start of a frozen container; compared with runc 1.1 on the same bundle where the two
# should agree (output shape, messages, exit codes, the status afterwards).

load ../lib/common

teardown() {
	# A test that froze a parent cgroup by hand thaws it, or nothing in it could die.
	if [ -n "${FROZEN_PARENT:-}" ] && [ -e "$FROZEN_PARENT/freezer.state" ]; then
		echo THAWED > "$FROZEN_PARENT/freezer.state" || true
	fi
	common_teardown
}

# Two processes: the init (sleep 1001) and a child it started first (sleep 1000).
two_proc_bundle() { make_bundle sh -c 'sleep 1000 & exec sleep 1001' >/dev/null; }
no_pid_ns() { jq_config '.linux.namespaces |= map(select(.type != "pid"))'; }

# wait_nprocs RUNTIME_FN ID N -- until `ps --format json` lists N pids (bounded).
wait_nprocs() {
	local i n=
	for i in $(seq 200); do
		n=$("$1" ps --format json "$2" 2>/dev/null | jq 'length' 2>/dev/null) || n=
		[ "$n" = "$3" ] && return 0
		sleep 0.05
	done
	echo "$1 ps $2: $n pids, wanted $3" >&2
	return 1
}

# gone PID START -- the process that had this start time has exited (or is a zombie).
gone() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
	stat=${stat##*) }
	set -- "$1" "$2" $stat
	[ "$3" = Z ] || [ "${22}" != "$2" ]
}
start_time() { local s; s=$(cat "/proc/$1/stat") && s=${s##*) } && set -- $s && echo "${20}"; }
wait_gone() {
	local i
	for i in $(seq 200); do gone "$1" "$2" && return 0; sleep 0.05; done
	echo "process $1 still there" >&2
	return 1
}

# bounded SECS FN ARG... -- a runtime wrapper under timeout (it is a shell function).
bounded() {
	local secs=$1; shift
	export -f berth runc_ _track_from_args
	timeout "$secs" bash -c '"$@"' bounded "$@"
}

# The container's cgroup directories, from its journal.
leaf_dirs() { journal_dirs "$1" leaf; }
freezer_leaf() { leaf_dirs "$1" | grep '/freezer/'; }

@test "ps --format json: every pid in the container's cgroup, a JSON array as runc's" {
	two_proc_bundle
	local id fn pids
	# One id each: without a cgroupsPath both would use runc's default path, one
	# cgroup for the two containers.
	declare -A ids=([berth]=$(new_id) [runc_]=$(new_id r))
	for fn in berth runc_; do
		id=${ids[$fn]}
		q "$fn" create -b "$BUNDLE" "$id"
		q "$fn" start "$id"
		wait_nprocs "$fn" "$id" 2
		pids=$("$fn" ps --format json "$id")
		# One line, an array of numbers: the init and its child.
		[ "$(jq -c 'map(type)' <<<"$pids")" = '["number","number"]' ]
		[ "$(wc -l <<<"$pids")" = 1 ]
		jq -e --argjson p "$(state_field "$fn" "$id" .pid)" 'index($p) != null' <<<"$pids"
	done
	id=${ids[berth]}
	local rid=${ids[runc_]}
	# Compact, no spaces, as Go's encoder writes it.
	[[ "$(berth ps -f json "$id")" =~ ^\[[0-9]+,[0-9]+\]$ ]]
	# A stopped container whose cgroup is empty: null, as runc.
	berth kill "$id" KILL
	runc_ kill "$rid" KILL
	wait_status berth "$id" stopped
	wait_status runc_ "$rid" stopped
	wait_nprocs berth "$id" 0
	[ "$(berth ps -f json "$id")" = "$(runc_ ps -f json "$rid")" ]
	# No such container: the same message and status.
	run berth ps no-such-ctr
	assert_status 1
	assert_output_contains "container does not exist"
	run runc_ ps no-such-ctr
	assert_status 1
	run berth ps
	assert_status 1
	assert_output_contains 'requires a minimum of 1 argument'
}

@test "ps: the table is ps's header and the container's rows only, as runc's" {
	two_proc_bundle
	local id fn
	# One id each (see above).
	declare -A ids=([berth]=$(new_id) [runc_]=$(new_id r))
	for fn in berth runc_; do
		id=${ids[$fn]}
		q "$fn" create -b "$BUNDLE" "$id"
		q "$fn" start "$id"
		wait_nprocs "$fn" "$id" 2
	done
	id=${ids[berth]}
	run berth ps "$id"
	assert_success
	local berth_out=$output
	run runc_ ps "${ids[runc_]}"
	assert_success
	# The same header (ps -ef's), then exactly the two sleeps, each row's PID one of the
	# container's.
	[ "${berth_out%%$'\n'*}" = "${output%%$'\n'*}" ]
	[ "$(sed 1d <<<"$berth_out" | wc -l)" = 2 ]
	[ "$(sed 1d <<<"$output" | wc -l)" = 2 ]
	diff <(sed 1d <<<"$berth_out" | awk '{ print $2 }' | sort) <(berth ps -f json "$id" | jq '.[]' | sort)
	[[ "$berth_out" == *"sleep 1000"* && "$berth_out" == *"sleep 1001"* ]]
	# Everything after the id is ps's; a leading -- is dropped.
	run berth ps "$id" -o pid,comm
	assert_success
	[ "$(echo ${lines[0]})" = "PID COMMAND" ]
	[ "${#lines[@]}" = 3 ]
	run berth ps "$id" -- -o pid=,args=
	assert_status 1  # no header, so no PID column: an error, as runc's
	assert_output_contains "couldn't find PID field"
	# ps failing is an error with its output.
	run berth ps "$id" --no-such-ps-option
	assert_status 1
	assert_output_contains "exit status"
}

@test "pause freezes the container: its counter stops, state and list say paused; resume restarts it" {
	local d=$BATS_TEST_TMPDIR/c id
	mkdir -p "$d"
	make_bundle sh -c 'i=0; while :; do i=$((i+1)); echo $i > /c/n; sleep 0.01; done' >/dev/null
	jq_config --arg d "$d" '.mounts += [{"destination": "/c", "type": "bind", "source": $d, "options": ["rbind", "rw"]}]'
	id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q berth start "$id"
	local i v1= v2
	for i in $(seq 200); do v1=$(cat "$d/n" 2>/dev/null) && [ "${v1:-0}" -gt 3 ] && break; sleep 0.05; done
	[ "${v1:-0}" -gt 3 ]

	berth pause "$id"
	[ "$(state_field berth "$id" .status)" = paused ]
	[ "$(berth list | awk -v id="$id" '$1 == id { print $3 }')" = paused ]
	[ "$(berth list -f json | jq -r --arg id "$id" '.[] | select(.id == $id) | .status')" = paused ]
	[ "$(cat "$(freezer_leaf "$id")/freezer.state")" = FROZEN ]
	# While a twin counter outside the container makes 20 steps, the frozen one makes none.
	v1=$(cat "$d/n")
	(
		j=0
		while [ $j -lt 20 ]; do j=$((j + 1)); echo $j > "$d/twin"; sleep 0.01; done
	)
	[ "$(cat "$d/twin")" = 20 ]
	v2=$(cat "$d/n")
	[ "$v1" = "$v2" ] || { echo "counter moved while paused: $v1 -> $v2" >&2; false; }

	berth resume "$id"
	[ "$(state_field berth "$id" .status)" = running ]
	[ "$(cat "$(freezer_leaf "$id")/freezer.state")" = THAWED ]
	for i in $(seq 200); do [ "$(cat "$d/n")" != "$v2" ] && break; sleep 0.05; done
	[ "$(cat "$d/n")" != "$v2" ] || { echo "counter did not move after resume" >&2; false; }
}

@test "pause/resume/delete of the wrong state: runc's messages and exit status" {
	make_bundle sleep 1000 >/dev/null
	local id fn
	id=$(new_id)
	for fn in berth runc_; do
		run "$fn" pause no-such-ctr
		assert_status 1
		assert_output_contains "container does not exist"
		q "$fn" create -b "$BUNDLE" "$id"
		run "$fn" resume "$id"
		assert_status 1
		assert_output_contains "container not paused"
		q "$fn" start "$id"
		q "$fn" pause "$id"
		run "$fn" pause "$id"
		assert_status 1
		assert_output_contains "container not running"  # runc 1.1's words for a paused one
		run "$fn" delete "$id"
		assert_status 1
		assert_output_contains "that is not stopped: paused"
		q "$fn" resume "$id"
		[ "$(state_field "$fn" "$id" .status)" = running ]
		"$fn" kill "$id" KILL
		wait_status "$fn" "$id" stopped
		run "$fn" pause "$id"
		assert_status 1
		assert_output_contains "container not running"
		run "$fn" resume "$id"
		assert_status 1
		assert_output_contains "container not paused"
	done
}

@test "kill --all reaches a second process of a container without a pid namespace" {
	two_proc_bundle
	no_pid_ns
	local id init child t_init t_child
	id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q berth start "$id"
	wait_nprocs berth "$id" 2
	init=$(state_field berth "$id" .pid)
	child=$(berth ps -f json "$id" | jq --argjson p "$init" '.[] | select(. != $p)')
	t_init=$(start_time "$init")
	t_child=$(start_time "$child")
	run berth kill --all "$id" TERM
	assert_success
	wait_gone "$init" "$t_init"
	wait_gone "$child" "$t_child"
	wait_status berth "$id" stopped
	# Stopped, with nothing left: --all is still fine (runc: no error), plain kill is not.
	run berth kill --all "$id" KILL
	assert_success
	run berth kill "$id" KILL
	assert_status 1
	assert_output_contains "container not running"
}

@test "kill --all on a paused container signals and thaws it after, as runc 1.1; kill KILL of a paused one works" {
	make_bundle sleep 1000 >/dev/null
	local id fn
	id=$(new_id)
	for fn in berth runc_; do
		q "$fn" create -b "$BUNDLE" "$id"
		q "$fn" start "$id"
		q "$fn" pause "$id"
		# sleep is the pid namespace's init: TERM (no handler) does nothing, and runc 1.1
		# thaws the cgroup after signalling all.
		run "$fn" kill --all "$id" TERM
		assert_success
		[ "$(state_field "$fn" "$id" .status)" = running ] || { echo "$fn: not thawed" >&2; false; }
		q "$fn" pause "$id"
		run "$fn" kill "$id" KILL
		assert_success
		wait_status "$fn" "$id" stopped
		q "$fn" delete "$id"
	done
	# And --all with KILL on a paused one.
	id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q berth start "$id"
	q berth pause "$id"
	run berth kill --all "$id" KILL
	assert_success
	wait_status berth "$id" stopped
}

@test "delete --force of a paused container leaves no process and no cgroup directory" {
	two_proc_bundle
	no_pid_ns
	local id p dirs=() pids=() starts=()
	id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q berth start "$id"
	wait_nprocs berth "$id" 2
	for p in $(berth ps -f json "$id" | jq '.[]'); do pids+=("$p"); starts+=("$(start_time "$p")"); done
	mapfile -t dirs < <(leaf_dirs "$id")
	[ "${#dirs[@]}" -ge 2 ]
	q berth pause "$id"
	[ "$(state_field berth "$id" .status)" = paused ]
	run timeout 20 "$BERTH_BIN" --root "$ROOT" delete --force "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
	local i
	for i in "${!pids[@]}"; do gone "${pids[$i]}" "${starts[$i]}" || { echo "pid ${pids[$i]} left" >&2; false; }; done
	for p in "${dirs[@]}"; do [ ! -e "$p" ] || { echo "cgroup $p left" >&2; false; }; done
}

@test "start of a paused created container fails at once, as runc; so does one whose parent cgroup is frozen" {
	make_bundle sleep 1000 >/dev/null
	local id fn
	id=$(new_id)
	for fn in berth runc_; do
		q "$fn" create -b "$BUNDLE" "$id"
		q "$fn" pause "$id"
		[ "$(state_field "$fn" "$id" .status)" = paused ]
		runq bounded 10 "$fn" start "$id"
		assert_status 1
		assert_output_contains "cannot start a container in the paused state"
		q "$fn" resume "$id"
		[ "$(state_field "$fn" "$id" .status)" = created ]
		q "$fn" start "$id"
		[ "$(state_field "$fn" "$id" .status)" = running ]
	done

	# Frozen from above (not by pause): the status is still created, but start refuses.
	local parent=/berth-frz-$$-$BATS_TEST_NUMBER
	id=$(new_id)
	jq_config --arg p "$parent/ctr" '.linux.cgroupsPath = $p'
	q berth create -b "$BUNDLE" "$id"
	FROZEN_PARENT=/sys/fs/cgroup/freezer$parent
	echo FROZEN > "$FROZEN_PARENT/freezer.state"
	[ "$(state_field berth "$id" .status)" = created ]
	runq timeout 10 "$BERTH_BIN" --root "$ROOT" start "$id"
	assert_status 1
	assert_output_contains "frozen"
	echo THAWED > "$FROZEN_PARENT/freezer.state"
	q berth start "$id"
	[ "$(state_field berth "$id" .status)" = running ]
}

@test "ps, pause, resume and kill --all have --help" {
	local c
	for c in ps pause resume kill; do
		run berth "$c" --help
		assert_success
		assert_output_contains "Usage: berth $c"
	done
	run berth kill --help
	assert_output_contains "--all"
	run berth ps --help
	assert_output_contains "PS-OPTIONS"
}

# ---- update of the device rules (linux.resources.devices) of a live container ----

# loop_probe_bundle IO -- a container with the host's /dev/loop-control (c 10:237, which
# the default rules do not allow) bound in, that for each line written to the fifo IO/req
# tries to open it read-write and answers in the fifo IO/resp: "opened" or the error.
loop_probe_bundle() {
	mkfifo "$1/req" "$1/resp"
	make_bundle sh -c 'while read x < /io/req; do (: <>/dev/loop-control && echo opened) > /io/resp 2>&1; done' >/dev/null
	jq_config --arg io "$1" '.mounts += [
		{"destination": "/io", "type": "bind", "source": $io, "options": ["rbind", "rw"]},
		{"destination": "/dev/loop-control", "type": "bind", "source": "/dev/loop-control", "options": ["bind"]}]'
}
# probe IO -- ask the container once (bounded: it must be listening).
probe() {
	timeout 10 sh -c 'echo go > "$1" && cat "$2"' probe "$1/req" "$1/resp"
}
# started_loop_probe IO -- a running container that answers probe IO (loop_probe_bundle),
# on a host with the v1 devices controller and /dev/loop-control (else skips); sets id.
started_loop_probe() {
	[ -d /sys/fs/cgroup/devices ] || skip "no v1 devices controller"
	[ -c /dev/loop-control ] || skip "no /dev/loop-control"
	mkdir "$1"
	loop_probe_bundle "$1"
	id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q berth start "$id"
}
devices_doc() {  # [EXTRA_RULE_JSON] -- the default spec's rule, plus one
	jq -nc --argjson extra "${1:-null}" '{devices: ([{allow: false, access: "rwm"}] + (if $extra then [$extra] else [] end))}'
}

@test "update: device rules of a live v1 container change: allow, deny again; a resend leaves devices.list as it was" {
	local io=$BATS_TEST_TMPDIR/io id list
	started_loop_probe "$io"
	list=$(leaf_dirs "$id" | grep '/devices/')/devices.list
	run probe "$io"
	assert_output_contains "Operation not permitted"
	cp "$list" "$BATS_TEST_TMPDIR/list0"
	! grep -q '^c 10:237 ' "$list"

	local allow='{"allow": true, "type": "c", "major": 10, "minor": 237, "access": "rw"}'
	devices_doc "$allow" > "$BATS_TEST_TMPDIR/allow.json"
	q berth update -r "$BATS_TEST_TMPDIR/allow.json" "$id"
	run probe "$io"
	assert_success
	[ "$output" = opened ]
	grep -qx 'c 10:237 rw' "$list"
	# containerd resends the same rules with every update: nothing changes.
	cp "$list" "$BATS_TEST_TMPDIR/list1"
	q berth update -r "$BATS_TEST_TMPDIR/allow.json" "$id"
	cmp "$list" "$BATS_TEST_TMPDIR/list1"
	[ "$(probe "$io")" = opened ]

	# Without the rule: denied again, and the list is back to the one create made.
	devices_doc | berth update -r - "$id"
	run probe "$io"
	assert_output_contains "Operation not permitted"
	cmp "$list" "$BATS_TEST_TMPDIR/list0"
	[ "$(state_field berth "$id" .status)" = running ]
}

@test "update -r -: a containerd-like full resources document (memory, cpu, devices) applies all of it" {
	local io=$BATS_TEST_TMPDIR/io id dirs
	started_loop_probe "$io"
	[[ "$(probe "$io")" == *"Operation not permitted"* ]]
	# The shape of CRI's UpdateContainerResources: the container's whole linux.resources.
	jq '.linux.resources + {
		memory: {limit: 134217728, swap: 134217728},
		cpu: {shares: 512, quota: 50000, period: 100000, cpus: "0-1", mems: "0"},
		devices: (.linux.resources.devices + [{allow: true, type: "c", major: 10, minor: 237, access: "rw"}])}' \
		"$BUNDLE/config.json" > "$BATS_TEST_TMPDIR/cri.json"
	berth update -r - "$id" < "$BATS_TEST_TMPDIR/cri.json"
	mapfile -t dirs < <(leaf_dirs "$id")
	local d ok=0
	for d in "${dirs[@]}"; do
		case $d in
		*/memory/*) [ "$(cat "$d/memory.limit_in_bytes")" = 134217728 ] && ok=$((ok + 1)) ;;
		*/cpu,cpuacct/* | */cpu/*) [ "$(cat "$d/cpu.shares")" = 512 ] && [ "$(cat "$d/cpu.cfs_quota_us")" = 50000 ] && ok=$((ok + 1)) ;;
		esac
	done
	[ "$ok" = 2 ]
	[ "$(probe "$io")" = opened ]
	# A bad rule is named by its place in the document.
	run berth update -r - "$id" <<<'{"devices": [{"allow": true, "type": "x", "access": "rw"}]}'
	assert_failure
	assert_output_contains "/devices/0/type"
	[ "$(probe "$io")" = opened ]
}
