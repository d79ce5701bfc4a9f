#!/usr/bin/env bats
# lifecycle.bats -- create/start/state/kill/delete/run/list/spec/features on real busybox
# containers, compared with runc on the same bundle where the two should agree.

load ../lib/common

# q and runq (tests/lib/common.bash) keep a created container's stdio off bats' pipes.

teardown() {
	if [ -n "${ROOT2:-}" ]; then
		timeout 20 "$BERTH_BIN" --root "$ROOT2" delete -f "$ID2" >/dev/null 2>&1 || true
	fi
	common_teardown
}

# A bundle whose process waits forever (until killed).
sleep_bundle() { make_bundle sleep 1000 >/dev/null; }

# state JSON with the values that differ between runs/runtimes blanked, keys sorted.
normalized_state() {  # RUNTIME_FN ID
	"$1" state "$2" | jq -S '.pid = (.pid|type) | .created = (.created|type) | .bundle = (.bundle|type)'
}

# Processes whose command line mentions PATTERN (fixed string), excluding this shell.

@test "status goes created -> running -> stopped; state JSON shape equals runc's" {
	sleep_bundle
	local id; id=$(new_id)
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	q runc_ create -b "$BUNDLE" "$id"
	[ "$(state_field berth "$id" .status)" = created ]
	[ "$(state_field runc_ "$id" .status)" = created ]
	diff <(normalized_state berth "$id") <(normalized_state runc_ "$id")
	# the pid is the live init, the bundle is absolute
	local pid; pid=$(state_field berth "$id" .pid)
	[ "$pid" -gt 0 ] && kill -0 "$pid"
	[ "$(state_field berth "$id" .bundle)" = "$BUNDLE" ]

	berth start "$id"
	runc_ start "$id"
	[ "$(state_field berth "$id" .status)" = running ]
	diff <(normalized_state berth "$id") <(normalized_state runc_ "$id")

	berth kill "$id" KILL
	runc_ kill "$id" KILL
	wait_status berth "$id" stopped
	wait_status runc_ "$id" stopped
	diff <(normalized_state berth "$id") <(normalized_state runc_ "$id")
	[ "$(state_field berth "$id" .pid)" = "$(state_field runc_ "$id" .pid)" ]  # both 0 when stopped

	run berth delete "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
	run berth state "$id"
	assert_status 1
	assert_output_contains "container does not exist"
}

@test "run exits with the container's exit code, like runc" {
	make_bundle sh -c 'exit 3' >/dev/null
	local id; id=$(new_id)
	run berth run -b "$BUNDLE" "$id"
	assert_status 3
	[ ! -e "$ROOT/$id" ]  # deleted after exit
	run runc_ run -b "$BUNDLE" "$(new_id)"
	assert_status 3
}

@test "run killed by a signal exits 128+signal, like runc" {
	sleep_bundle
	local fn id rc
	for fn in berth runc_; do
		id=$(new_id)
		"$fn" run -b "$BUNDLE" "$id" </dev/null &
		local runner=$!
		wait_status "$fn" "$id" running
		"$fn" kill "$id" KILL
		rc=0; wait "$runner" || rc=$?
		echo "$fn: $rc"
		[ "$rc" -eq 137 ]
	done
}

@test "run forwards a signal it receives to the container" {
	make_bundle sh -c 'trap "exit 42" TERM; while :; do sleep 0.05; done' >/dev/null
	local id; id=$(new_id)
	# the CLI itself in the background (not a function wrapping it), so $! is its pid
	"$BERTH_BIN" --root "$ROOT" run -b "$BUNDLE" "$id" </dev/null &
	local runner=$! rc=0
	wait_status berth "$id" running
	# wait until the trap is installed: sh shows it in SigCgt of the init
	local pid i; pid=$(state_field berth "$id" .pid)
	for i in $(seq 100); do
		(( 0x$(awk '/^SigCgt/{print $2}' /proc/$pid/status) & (1 << 14) )) && break
		sleep 0.05
	done
	kill -TERM "$runner"
	wait "$runner" || rc=$?
	[ "$rc" -eq 42 ]
}

@test "run in the foreground is its container's parent and reaper, as runc's: no shim in between" {
	sleep_bundle
	local id; id=$(new_id)
	"$BERTH_BIN" --root "$ROOT" run -b "$BUNDLE" "$id" </dev/null &
	local runner=$! rc=0
	wait_status berth "$id" running
	local pid; pid=$(state_field berth "$id" .pid)
	[ "$(awk '/^PPid:/{print $2}' /proc/$pid/status)" = "$runner" ]
	[ "$(jq .shimPid "$ROOT/$id/state.json")" = 0 ]
	[ ! -e "$ROOT/$id/shim.sock" ]
	[ "$(procs_naming "--state-dir=$ROOT/$id")" -eq 0 ]
	berth kill "$id" KILL
	wait "$runner" || rc=$?
	[ "$rc" -eq 137 ]
	[ ! -e "$ROOT/$id" ]
	[ ! -e "/proc/$pid" ]  # reaped, not a zombie
}

@test "run -d and run --keep still have their shim (the container outlives the caller)" {
	sleep_bundle
	local id; id=$(new_id)
	runq berth run -d -b "$BUNDLE" "$id"
	assert_success
	local shim; shim=$(jq .shimPid "$ROOT/$id/state.json")
	[ "$shim" -gt 0 ] && [ -e "$ROOT/$id/shim.sock" ]
	[ "$(awk '/^PPid:/{print $2}' /proc/"$(state_field berth "$id" .pid)"/status)" = "$shim" ]
	make_bundle sh -c 'exit 5' >/dev/null
	local kept; kept=$(new_id)
	run berth run --keep -b "$BUNDLE" "$kept"
	assert_status 5
	[ "$(jq .shimPid "$ROOT/$kept/state.json")" -gt 0 ]
	[ "$(jq .exitCode "$ROOT/$kept/exit.json")" = 5 ]
}

@test "run killed with SIGKILL leaves its container running, as runc's; delete --force removes all of it" {
	sleep_bundle
	local id; id=$(new_id)
	"$BERTH_BIN" --root "$ROOT" run -b "$BUNDLE" "$id" </dev/null &
	local runner=$!
	wait_status berth "$id" running
	local pid; pid=$(state_field berth "$id" .pid)
	kill -KILL "$runner"
	wait "$runner" || true
	kill -0 "$pid"
	[ "$(state_field berth "$id" .status)" = running ]
	run berth delete "$id"
	assert_status 1
	run berth delete -f "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
	# teardown's leak check: no cgroup, mount or process of the container is left
}

@test "run -d returns at once and leaves a running container" {
	sleep_bundle
	local id; id=$(new_id)
	runq berth run -d -b "$BUNDLE" "$id"
	assert_success
	[ "$(state_field berth "$id" .status)" = running ]
	kill -0 "$(state_field berth "$id" .pid)"
}

@test "run --keep leaves a stopped container behind" {
	make_bundle sh -c 'exit 5' >/dev/null
	local id; id=$(new_id)
	run berth run --keep -b "$BUNDLE" "$id"
	assert_status 5
	[ "$(state_field berth "$id" .status)" = stopped ]
	run berth delete "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
}

@test "delete of a running container fails with 1 without -f and succeeds with -f, like runc" {
	sleep_bundle
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	q runc_ run -d -b "$BUNDLE" "$id"
	local pid; pid=$(state_field berth "$id" .pid)
	run berth delete "$id"
	assert_status 1
	assert_output_contains "running"
	run runc_ delete "$id"
	assert_status 1
	[ "$(state_field berth "$id" .status)" = running ]
	run berth delete -f "$id"
	assert_success
	run runc_ delete -f "$id"
	assert_success
	[ ! -e "$ROOT/$id" ]
	# the init is gone (not a zombie either: its parent, the shim, reaped it or is gone)
	local i; for i in $(seq 100); do [ -e /proc/$pid ] || break; sleep 0.05; done
	[ ! -e /proc/$pid ]
	[ "$(procs_naming "$ROOT/$id")" -eq 0 ]
}

@test "delete of a created container removes it and its init, like runc" {
	sleep_bundle
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q runc_ create -b "$BUNDLE" "$id"
	local pid; pid=$(state_field berth "$id" .pid)
	run runc_ delete "$id"
	local runc_status=$status
	run berth delete "$id"
	assert_status "$runc_status"
	[ ! -e "$ROOT/$id" ]
	local i; for i in $(seq 100); do [ -e /proc/$pid ] || break; sleep 0.05; done
	[ ! -e /proc/$pid ]
	[ "$(procs_naming "$ROOT/$id")" -eq 0 ]
}

@test "delete of a missing id: same exit codes as runc with and without -f" {
	local want got
	run runc_ delete no-such-id; want=$status
	run berth delete no-such-id; got=$status
	[ "$want" -eq 1 ] && [ "$got" -eq "$want" ]
	assert_output_contains "container does not exist"
	run runc_ delete -f no-such-id; want=$status
	run berth delete -f no-such-id; got=$status
	[ "$got" -eq "$want" ]
}

@test "kill takes a signal by name, by number, and defaults to SIGTERM" {
	# the init traps each signal and reports it through a file on a bind-mounted dir
	mkdir -p "$BATS_TEST_TMPDIR/out"
	make_bundle sh -c 'trap "echo USR1 >> /out/log" USR1; trap "echo HUP >> /out/log" HUP; trap "echo TERM >> /out/log; exit 0" TERM; echo ready >> /out/log; while :; do sleep 0.05; done' >/dev/null
	jq_config '.mounts += [{"destination":"/out","type":"bind","source":$s,"options":["rbind","rw"]}]' --arg s "$BATS_TEST_TMPDIR/out"
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	local log=$BATS_TEST_TMPDIR/out/log i
	for i in $(seq 100); do grep -q ready "$log" 2>/dev/null && break; sleep 0.05; done
	berth kill "$id" USR1
	for i in $(seq 100); do grep -q USR1 "$log" && break; sleep 0.05; done
	berth kill "$id" SIGHUP
	for i in $(seq 100); do grep -q HUP "$log" && break; sleep 0.05; done
	berth kill "$id" 1
	for i in $(seq 100); do [ "$(grep -c HUP "$log")" -ge 2 ] && break; sleep 0.05; done
	berth kill "$id"
	wait_status berth "$id" stopped
	run cat "$log"
	[ "$output" = "$(printf 'ready\nUSR1\nHUP\nHUP\nTERM')" ]
}

@test "kill of a stopped container fails like runc; unknown signal fails" {
	make_bundle true >/dev/null
	local id fn; id=$(new_id)
	for fn in berth runc_; do
		q "$fn" run -d -b "$BUNDLE" "$id"
		wait_status "$fn" "$id" stopped
	done
	run runc_ kill "$id" KILL
	local want=$status
	run berth kill "$id" KILL
	assert_status "$want"
	assert_output_contains "container not running"
	run berth kill "$id" NOSUCHSIG
	assert_failure
}

@test "start twice fails; start of a stopped container fails" {
	sleep_bundle
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	berth start "$id"
	run berth start "$id"
	assert_status 1
	assert_output_contains "running"
	berth kill "$id" KILL
	wait_status berth "$id" stopped
	run berth start "$id"
	assert_status 1
	assert_output_contains "stopped"
}

@test "a duplicate id is an error and does not overwrite the first container" {
	sleep_bundle
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	local pid; pid=$(state_field berth "$id" .pid)
	local before; before=$(cat "$ROOT/$id/state.json")
	runq berth create -b "$BUNDLE" "$id"
	assert_status 1
	assert_output_contains "exists"
	[ "$(cat "$ROOT/$id/state.json")" = "$before" ]
	[ "$(state_field berth "$id" .pid)" = "$pid" ]
	[ "$(state_field berth "$id" .status)" = created ]
	# runc refuses the same way
	q runc_ create -b "$BUNDLE" "$id"
	runq runc_ create -b "$BUNDLE" "$id"
	assert_status 1
}

@test "20 racing creates of one id: exactly one wins, nothing else is left" {
	sleep_bundle
	local id i pids=(); id=$(new_id)
	local out=$BATS_TEST_TMPDIR/race
	mkdir -p "$out"
	for i in $(seq 20); do
		( set +e; "$BERTH_BIN" --root "$ROOT" create -b "$BUNDLE" "$id" >/dev/null 2>"$out/$i.err"; echo $? > "$out/$i.rc" ) &
		pids+=($!)
	done
	# these pids only: a bare wait would also wait for bats' own BATS_TEST_TIMEOUT watchdog
	wait "${pids[@]}"
	local wins; wins=$(grep -lx 0 "$out"/*.rc | wc -l)
	cat "$out"/*.err >&2
	[ "$wins" -eq 1 ]
	# every loser refused, with status 1 (as runc), naming why
	[ "$(grep -lx 1 "$out"/*.rc | wc -l)" -eq 19 ]
	[ "$(grep -l "exists" "$out"/*.err | wc -l)" -eq 19 ]
	[ "$(ls -A "$ROOT" | wc -l)" -eq 1 ]
	[ -d "$ROOT/$id" ]
	[ "$(state_field berth "$id" .status)" = created ]
	# one shim (its cmdline names the state dir) and one init (a clone of the winning CLI,
	# its cmdline names the root): two processes in all, nothing from the losers
	[ "$(procs_naming "--state-dir=$ROOT/$id")" -eq 1 ]
	[ "$(procs_naming "$ROOT")" -eq 2 ]
	berth delete -f "$id"
	[ "$(procs_naming "$ROOT")" -eq 0 ]
	[ "$(ls -A "$ROOT" | wc -l)" -eq 0 ]
}

@test "--pid-file gets the init's pid" {
	sleep_bundle
	local id; id=$(new_id)
	q berth create --pid-file "$BATS_TEST_TMPDIR/pid" -b "$BUNDLE" "$id"
	[ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$(state_field berth "$id" .pid)" ]
	local id2; id2=$(new_id)
	q berth run -d --pid-file "$BATS_TEST_TMPDIR/pid2" -b "$BUNDLE" "$id2"
	[ "$(cat "$BATS_TEST_TMPDIR/pid2")" = "$(state_field berth "$id2" .pid)" ]
}

@test "--preserve-fds passes extra fds to the container" {
	make_bundle sh -c 'cat <&3; cat <&4; test -e /proc/$$/fd/5 && echo fd5 || :' >/dev/null
	echo three > "$BATS_TEST_TMPDIR/f3"
	echo four > "$BATS_TEST_TMPDIR/f4"
	local id; id=$(new_id)
	run berth run --preserve-fds 2 -b "$BUNDLE" "$id" 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$BATS_TEST_TMPDIR/f4"
	assert_success
	[ "${lines[0]}" = three ]
	[ "${lines[1]}" = four ]
	# fd 5 was not preserved
	[ "${#lines[@]}" -eq 2 ]
	# without the flag the fd is not there
	run berth run -b "$BUNDLE" "$(new_id)" 3<"$BATS_TEST_TMPDIR/f3"
	assert_success
	assert_output_contains "Bad file descriptor"
	[[ $output != *three* ]]
}

@test "list: -q, table header and --format json have runc's shape" {
	sleep_bundle
	local a b
	a=$(new_id a); b=$(new_id b)
	q berth create -b "$BUNDLE" "$a"; q runc_ create -b "$BUNDLE" "$a"
	q berth run -d -b "$BUNDLE" "$b"; q runc_ run -d -b "$BUNDLE" "$b"
	run berth list -q
	assert_success
	[ "$(sort <<<"$output")" = "$(printf '%s\n' "$a" "$b" | sort)" ]
	# table: same header line and same columns
	local bh rh
	bh=$(berth list | head -1); rh=$(runc_ list | head -1)
	[ "$(echo $bh)" = "$(echo $rh)" ]
	[ "$(berth list | awk 'NR>1{print $1, $3, $4}' | sort)" = "$(runc_ list | awk 'NR>1{print $1, $3, $4}' | sort)" ]
	# the columns line up at the same offsets as runc's for the header
	[ "$(berth list | head -1 | sed 's/[^ ]/x/g' | cut -c1-30)" = "$(runc_ list | head -1 | sed 's/[^ ]/x/g' | cut -c1-30)" ]
	# json: same keys and types per entry
	local norm='map(.pid = (.pid|type) | .created = (.created|type)) | sort_by(.id)'
	diff <(berth list --format json | jq -S "$norm") <(runc_ list --format json | jq -S "$norm")
	diff <(berth list -f json | jq -S "$norm") <(runc_ list -f json | jq -S "$norm")
}

@test "list: the owner is the state directory's user from /etc/passwd, #UID without one, as runc" {
	sleep_bundle
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"; q runc_ create -b "$BUNDLE" "$id"
	[ "$(berth list -f json | jq -r '.[0].owner')" = root ]
	local uid=54321
	! getent passwd "$uid" >/dev/null || skip "uid $uid has a passwd entry here"
	chown "$uid" "$ROOT/$id" "$RUNC_ROOT/$id"
	local b r
	b=$(berth list -f json | jq -r '.[0].owner'); r=$(runc_ list -f json | jq -r '.[0].owner')
	chown 0 "$ROOT/$id" "$RUNC_ROOT/$id"
	[ "$b" = "#$uid" ]
	[ "$b" = "$r" ]
}

# 200 real containers, created (not started) four at a time: each create is
# ~25-50 ms here, so the test takes about 10 s; records written by hand would
# test list against a format it wrote itself, not against what create writes.
@test "list: 200 created containers are all listed, each as its own state says" {
	make_bundle >/dev/null
	local n=200 i ids=()
	for ((i = 0; i < n; i++)); do ids+=("$(new_id many)"); done
	printf '%s\n' "${ids[@]}" |
		xargs -P 4 -I{} "$BERTH_BIN" --root "$ROOT" create -b "$BUNDLE" {} >"$BATS_TEST_TMPDIR/create.out" 2>&1 ||
		{ cat "$BATS_TEST_TMPDIR/create.out" >&2; false; }
	run berth list -q
	assert_success
	[ "$output" = "$(printf '%s\n' "${ids[@]}" | LC_ALL=C sort)" ]
	# Every entry of --format json is what `state` says of it, with the owner
	# (which only list fills in, as runc's).
	local want=$BATS_TEST_TMPDIR/states.json
	for i in "${ids[@]}"; do berth state "$i"; done | jq -s -S 'map(.owner = "root") | sort_by(.id)' > "$want"
	diff <(berth list --format json | jq -S 'sort_by(.id)') "$want"
	# The table: a row per container with its pid, status and bundle.
	run berth list
	assert_success
	[ "${#lines[@]}" -eq $((n + 1)) ]
	diff <(printf '%s\n' "${lines[@]:1}" | awk '{ print $1, $2, $3, $4 }') \
		<(jq -r '.[] | "\(.id) \(.pid) \(.status) \(.bundle)"' "$want")
	[ "$(jq -r '.[].status' "$want" | sort -u)" = created ]
	printf '%s\n' "${ids[@]}" | xargs -P 4 -I{} "$BERTH_BIN" --root "$ROOT" delete {} >/dev/null
	[ "$(berth list -q)" = "" ]
}

@test "list of an empty root: same output as runc" {
	[ "$(berth list -q)" = "$(runc_ list -q)" ]
	[ "$(berth list --format json)" = "$(runc_ list --format json)" ]
	[ "$(berth list)" = "$(runc_ list)" ]
}

@test "--log --log-format json writes runc's format with the error" {
	local bl=$BATS_TEST_TMPDIR/berth.log rl=$BATS_TEST_TMPDIR/runc.log
	run berth --log "$bl" --log-format json state no-such-id
	assert_status 1
	run runc_ --log "$rl" --log-format json state no-such-id
	assert_status 1
	cat "$bl" "$rl" >&2
	# each line is a JSON object with exactly level, msg, time
	[ "$(jq -c 'keys' "$bl" | sort -u)" = '["level","msg","time"]' ]
	[ "$(jq -c 'keys' "$bl" | sort -u)" = "$(jq -c 'keys' "$rl" | sort -u)" ]
	[ "$(jq -r .level "$bl" | tail -1)" = error ]
	[ "$(jq -r .msg "$bl" | tail -1)" = "$(jq -r .msg "$rl" | tail -1)" ]
	jq -r .time "$bl" | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}'
	# text format: time="..." level=error msg="..."
	run berth --log "$BATS_TEST_TMPDIR/text.log" state no-such-id
	assert_status 1
	grep -Eq '^time="[^"]+" level=error msg="container does not exist"$' "$BATS_TEST_TMPDIR/text.log"
}

@test "invalid ids are refused and leave nothing" {
	make_bundle >/dev/null
	local bad
	for bad in '../x' 'a/b' '.' '..' 'a b' '' "$(printf 'a\nb')"; do
		run "$BERTH_BIN" --root "$ROOT" create -b "$BUNDLE" "$bad"
		assert_status 1
		runq runc_ create -b "$BUNDLE" "$bad"
		assert_status 1
	done
	[ "$(ls -A "$ROOT" | wc -l)" -eq 0 ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "features is valid JSON with every key runc's features has" {
	run berth features
	assert_success
	echo "$output" | jq -e . >/dev/null
	# key paths (array indices dropped), annotations aside: runc's are a subset of berth's
	local keys='[paths | map(select(type == "string")) | join(".")] | unique | .[] | select(startswith("annotations") | not)'
	local missing
	missing=$(comm -13 <(berth features | jq -r "$keys" | sort -u) <(runc_ features | jq -r "$keys" | sort -u))
	[ -z "$missing" ] || { echo "missing: $missing"; false; }
	[ "$(berth features | jq -r '.ociVersionMin')" = 1.0.0 ]
	berth features | jq -e '.linux.namespaces | index("user") and index("time")' >/dev/null
	berth features | jq -e '.hooks | length == 6' >/dev/null
}

@test "spec output equals runc spec byte for byte (and --rootless)" {
	mkdir -p "$BATS_TEST_TMPDIR"/{b1,r1,b2,r2}
	berth spec -b "$BATS_TEST_TMPDIR/b1"
	runc_ spec -b "$BATS_TEST_TMPDIR/r1"
	cmp "$BATS_TEST_TMPDIR/b1/config.json" "$BATS_TEST_TMPDIR/r1/config.json"
	berth spec --rootless -b "$BATS_TEST_TMPDIR/b2"
	runc_ spec --rootless -b "$BATS_TEST_TMPDIR/r2"
	cmp "$BATS_TEST_TMPDIR/b2/config.json" "$BATS_TEST_TMPDIR/r2/config.json"
	# in the current directory, and refusing to overwrite like runc
	(cd "$BATS_TEST_TMPDIR/b1" && rm config.json && "$BERTH_BIN" spec)
	cmp "$BATS_TEST_TMPDIR/b1/config.json" "$BATS_TEST_TMPDIR/r1/config.json"
	run berth spec -b "$BATS_TEST_TMPDIR/b1"
	assert_status 1
	assert_output_contains "exists"
}

@test "--version and --help on every command exit 0" {
	run berth --version
	assert_success
	assert_output_contains "berth version"
	assert_output_contains "spec: "
	run berth --help
	assert_success
	local c
	for c in create start run state kill delete list spec features wait; do
		run berth "$c" --help
		assert_success
		assert_output_contains "$c"
	done
	run berth no-such-command
	assert_failure
}

@test "the shim keeps none of the caller's fds; the init keeps only its stdio after start" {
	sleep_bundle
	local id; id=$(new_id) marker=$BATS_TEST_TMPDIR/caller-fd
	: > "$marker"
	q berth create -b "$BUNDLE" "$id" 7>>"$marker" 8<"$marker"
	local shim; shim=$(grep -laF -- "--state-dir=$ROOT/$id" /proc/[0-9]*/cmdline | head -1 | cut -d/ -f3)
	[ -n "$shim" ]
	run ls -l /proc/$shim/fd
	[[ $output != *caller-fd* ]]
	berth start "$id"
	local pid; pid=$(state_field berth "$id" .pid)
	run ls /proc/$pid/fd
	[ "$(echo $output)" = "0 1 2" ]
}

@test "the same id in two --root dirs and in runc at once" {
	sleep_bundle
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	ROOT2=$BATS_TEST_TMPDIR/root2 ID2=$id  # teardown deletes it
	q "$BERTH_BIN" --root "$BATS_TEST_TMPDIR/root2" create -b "$BUNDLE" "$id"
	q runc_ create -b "$BUNDLE" "$id"
	[ "$(state_field berth "$id" .status)" = created ]
	[ "$("$BERTH_BIN" --root "$BATS_TEST_TMPDIR/root2" state "$id" | jq -r .status)" = created ]
}

# runc and crun have no wait; berth's prints the exit status as JSON, at once for a
# container that exited (long ago too), else once it does, to any number of callers,
# none of them the one that started it.
@test "wait: every waiter gets the exit status once the container exits, and later callers at once" {
	sleep_bundle
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	local i pids=() shim base
	shim=$(jq .shimPid "$ROOT/$id/state.json")
	base=$(ls /proc/"$shim"/fd | wc -l)
	for i in 1 2 3 4 5; do
		"$BERTH_BIN" --root "$ROOT" wait "$id" >"$BATS_TEST_TMPDIR/wait.$i" 2>&1 </dev/null &
		pids+=($!)
	done
	# every waiter is in line before the kill: each holds a connection to the shim
	for i in $(seq 200); do
		[ "$(ls /proc/"$shim"/fd | wc -l)" -ge $((base + 5)) ] && break
		sleep 0.05
	done
	[ "$(ls /proc/"$shim"/fd | wc -l)" -ge $((base + 5)) ]
	[ "$(state_field berth "$id" .status)" = running ]
	berth kill "$id" KILL
	for i in "${pids[@]}"; do wait "$i"; done
	for i in 1 2 3 4 5; do
		[ "$(jq -c '{exitCode, signal, oomKilled}' "$BATS_TEST_TMPDIR/wait.$i")" = '{"exitCode":137,"signal":9,"oomKilled":false}' ]
	done
	run berth wait "$id"
	assert_success
	[ "$(jq -r .exitCode <<<"$output")" = 137 ]
	[ "$(jq -r .exitedAt <<<"$output")" = "$(jq -r .exitedAt "$BATS_TEST_TMPDIR/wait.1")" ]
	# an exit code, not a signal
	make_bundle sh -c 'exit 7' >/dev/null
	local kept; kept=$(new_id)
	runq berth run --keep -b "$BUNDLE" "$kept"
	run berth wait "$kept"
	assert_success
	[ "$(jq -c '{exitCode, signal}' <<<"$output")" = '{"exitCode":7,"signal":0}' ]
}

@test "wait: a container that does not exist, and one without a shim, are errors that say so" {
	run berth wait nosuchcontainer
	assert_status 1
	assert_output_contains "does not exist"
	sleep_bundle
	local id; id=$(new_id)
	runq "${BERTH_BIN%/*}/berth-runc" --root "$ROOT" create -b "$BUNDLE" "$id"
	assert_success
	run berth wait "$id"
	assert_status 1
	assert_output_contains "has no shim"
}
