#!/usr/bin/env bats
# cgroup_events.bats -- `berth events` (runc 1.1's: one stats event with --stats, or a stream
# of JSON events: OOM as it happens, stats every --interval, until the container stops) and
# `berth stats` (a human-readable snapshot). The stats event is compared with runc's for the
# same bundle: the values differ, the keys must not.

load ../lib/common

teardown() {
	# An events stream a test started in the background, if it is still there.
	if [ -n "${EVENTS_PID:-}" ]; then kill "$EVENTS_PID" 2>/dev/null || true; wait "$EVENTS_PID" 2>/dev/null || true; fi
	common_teardown
}

# host_counts_reads FILE -- whether this host counts a direct read of FILE
# in a v1 blkio cgroup's service bytes (not when FILE is on tmpfs or
# overlay without a disk below, nor on a pure v2 host): a probe cgroup of
# our own reads it once.
host_counts_reads() {
	local d=/sys/fs/cgroup/blkio/berth-probe-$$-$BATS_TEST_NUMBER n
	[ -d /sys/fs/cgroup/blkio ] && mkdir "$d" || return 1
	sh -c 'echo $$ > "$1/cgroup.procs" && dd if="$2" of=/dev/null bs=64k iflag=direct 2>/dev/null' sh "$d" "$1" || true
	n=$(awk '$2 == "Read" { s += $3 } END { print s + 0 }' "$d/blkio.throttle.io_service_bytes_recursive" 2>/dev/null)
	rmdir "$d"
	[ "${n:-0}" -gt 0 ]
}

# Every key path of a JSON document, one per line, sorted (array indices included).
key_paths() { jq -r '[paths | map(tostring) | join(".")] | sort | .[]'; }

# events_bg ID FILE [ARGS...] -- `berth events ARGS ID` in the background, all output to FILE.
events_bg() {
	local id=$1 f=$2; shift 2
	"$BERTH_BIN" --root "$ROOT" events "$@" "$id" >"$f" 2>&1 </dev/null 3>&- &
	EVENTS_PID=$!
}

# wait_line FILE PATTERN [TRIES=200] -- until FILE has a line matching PATTERN (bounded, 50 ms a try).
wait_line() {
	local i
	for ((i = 0; i < ${3:-200}; i++)); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "no line matching '$2' in $1:" >&2
	cat "$1" >&2
	return 1
}

@test "events --stats: one stats event with runc's keys and nesting for the same bundle" {
	make_bundle sleep 1000 >/dev/null
	local b r
	b=$(new_id ev) r=$(new_id ev)
	q berth run -d -b "$BUNDLE" "$b"
	q runc_ run -d -b "$BUNDLE" "$r"
	berth events --stats "$b" > "$BATS_TEST_TMPDIR/berth.json"
	runc_ events --stats "$r" > "$BATS_TEST_TMPDIR/runc.json"
	# One JSON document on one line, as Go's encoder writes it.
	[ "$(wc -l < "$BATS_TEST_TMPDIR/berth.json")" = 1 ]
	[ "$(jq -r '.type + " " + .id' "$BATS_TEST_TMPDIR/berth.json")" = "stats $b" ]
	# Two keys are there only for non-zero values (runc's omitempty) that depend on what a
	# container read first, not on the runtime: memory.cache (page cache charged to it) and
	# blkio's tables (disk reads; runc's own `runc init` reads its binary). Not compared here;
	# the next test shows berth's blkio tables.
	local norm='del(.id, .data.memory.cache) | .data.blkio = {}'
	diff <(jq "$norm" "$BATS_TEST_TMPDIR/runc.json" | key_paths) <(jq "$norm" "$BATS_TEST_TMPDIR/berth.json" | key_paths)
	# The keys that are there whatever the values.
	for k in data.cpu.usage.total data.cpu.usage.kernel data.cpu.throttling data.cpuset.sched_load_balance \
		data.memory.usage.limit data.memory.swap.failcnt data.memory.kernelTCP.limit data.memory.raw.rss \
		data.pids.current data.blkio data.hugetlb data.intel_rdt data.network_interfaces; do
		key_paths < "$BATS_TEST_TMPDIR/berth.json" | grep -qx "$k" || { echo "no $k" >&2; false; }
	done
	[ "$(jq -c .data.network_interfaces "$BATS_TEST_TMPDIR/berth.json")" = null ]
}

@test "events --stats: a running container uses memory and has its pids counted; limits are reported" {
	# dd reads from disk (O_DIRECT, past the page cache): blkio has a Read
	# count where the host accounts one (host_counts_reads).
	make_bundle sh -c 'dd if=/bin/busybox of=/dev/null bs=64k iflag=direct 2>/dev/null; sleep 1000 & exec sleep 1001' >/dev/null
	jq_config '.linux.resources.pids = {"limit": 20} | .linux.resources.memory = {"limit": 67108864}'
	local id; id=$(new_id ev)
	q berth run -d -b "$BUNDLE" "$id"
	local i d=
	for i in $(seq 100); do
		d=$(berth events --stats "$id" | jq -c .data)
		[ "$(jq .pids.current <<<"$d")" = 2 ] && break
		sleep 0.05
	done
	[ "$(jq .memory.usage.usage <<<"$d")" -gt 0 ]
	[ "$(jq .memory.usage.limit <<<"$d")" = 67108864 ]
	[ "$(jq .pids.current <<<"$d")" -ge 2 ]
	[ "$(jq .pids.limit <<<"$d")" = 20 ]
	[ "$(jq .cpu.usage.total <<<"$d")" -gt 0 ]
	if host_counts_reads "$(jq -r .root.path "$BUNDLE/config.json")/bin/busybox"; then
		[ "$(jq '[.blkio.ioServiceBytesRecursive[] | select(.op == "Read") | .value // 0] | add' <<<"$d")" -gt 0 ]
		jq -e '.blkio.ioServicedRecursive[0] | has("major") and has("op")' <<<"$d" >/dev/null
	fi
	run berth stats "$id"
	assert_success
	assert_output_contains "container:   $id"
	assert_output_contains "limit 64.0 MiB (67108864 bytes)"
	assert_output_contains "pids:        2, limit 20"
	[[ "$output" =~ cpu\ time:\ +[0-9]+\.[0-9]{9}s ]] || { echo "$output" >&2; false; }
}

@test "events: an OOM kill in a container with a small memory limit is an oom event, then the stream ends with the container" {
	make_bundle sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1; echo dd=$?' >/dev/null
	jq_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	local id f=$BATS_TEST_TMPDIR/events.out
	id=$(new_id ev)
	q berth create -b "$BUNDLE" "$id"
	events_bg "$id" "$f" --interval 100ms
	# A first stats line: the stream is set up (the OOM notifier is registered before it).
	wait_line "$f" '"type":"stats"'
	q berth start "$id"
	wait_line "$f" "^{\"type\":\"oom\",\"id\":\"$id\"}\$"
	# The init (sh) exits after dd is killed: the stream ends by itself, successfully.
	local i
	for i in $(seq 200); do kill -0 "$EVENTS_PID" 2>/dev/null || break; sleep 0.05; done
	run wait "$EVENTS_PID"
	EVENTS_PID=
	assert_success
	# Every line is a JSON event.
	[ "$(jq -r .type "$f" | sort -u | tr '\n' ' ')" = "oom stats " ]
}

@test "events: stats every --interval while running; exits 0 when the container is killed" {
	make_bundle sleep 1000 >/dev/null
	local id f=$BATS_TEST_TMPDIR/events.out
	id=$(new_id ev)
	q berth run -d -b "$BUNDLE" "$id"
	events_bg "$id" "$f" --interval 50ms
	wait_line "$f" '"type":"stats"'
	# More than one: the interval repeats.
	local i
	for i in $(seq 200); do [ "$(grep -c '"type":"stats"' "$f")" -ge 3 ] && break; sleep 0.05; done
	[ "$(grep -c '"type":"stats"' "$f")" -ge 3 ]
	jq -e --arg id "$id" '.id == $id and .data.pids.current == 1' "$f" >/dev/null
	q berth kill "$id" KILL
	for i in $(seq 200); do kill -0 "$EVENTS_PID" 2>/dev/null || break; sleep 0.05; done
	run wait "$EVENTS_PID"
	EVENTS_PID=
	assert_success
}

@test "events: errors as runc's for a missing container, a stopped one, and a bad --interval" {
	run berth events nope-$$
	assert_status 1
	assert_output_contains "container does not exist"
	run runc_ events nope-$$
	assert_status 1
	assert_output_contains "container does not exist"
	run berth stats nope-$$
	assert_status 1
	assert_output_contains "container does not exist"

	make_bundle true >/dev/null
	local b r
	b=$(new_id ev) r=$(new_id ev)
	q berth run -b "$BUNDLE" --keep "$b"
	q runc_ run -b "$BUNDLE" --keep "$r"
	run berth events --stats "$b"
	assert_status 1
	assert_output_contains "container with id $b is not running"
	run runc_ events --stats "$r"
	assert_status 1
	assert_output_contains "container with id $r is not running"
	run berth events "$b"
	assert_status 1
	assert_output_contains "is not running"

	run berth events --interval 0 "$b"
	assert_status 1
	assert_output_contains "duration interval must be greater than 0"
	run berth events --interval 5parsecs "$b"
	assert_status 1
}
