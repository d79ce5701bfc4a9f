#!/usr/bin/env bats
# logs.bats -- create/run -d --logs: the shim keeps the container's stdout and stderr (or
# its terminal) in a size-capped, rotated log; `berth logs [--follow] [--tail N]` gives
# back the bytes the container wrote, each on the stream it wrote it to. Without --logs the
# container has exactly the caller's stdio, as with runc.

load ../lib/common

# run -d --logs [FLAG...] of a bundle running sh -c SCRIPT; sets ID.
run_logged() {  # SCRIPT [FLAG...]
	make_bundle sh -c "$1" >/dev/null
	shift
	ID=$(new_id)
	q berth run -d --logs "$@" -b "$BUNDLE" "$ID"
}

@test "logs: stdout and stderr each back on its own stream, byte for byte, a last line without newline too" {
	run_logged 'echo out1; echo err1 >&2; printf "a\tb  c\n\n"; printf "no newline"'
	berth wait "$ID" >/dev/null
	berth logs "$ID" 2>/dev/null > "$BATS_TEST_TMPDIR/out"
	berth logs "$ID" 2> "$BATS_TEST_TMPDIR/err" >/dev/null
	printf 'out1\na\tb  c\n\nno newline' | cmp - "$BATS_TEST_TMPDIR/out"
	printf 'err1\n' | cmp - "$BATS_TEST_TMPDIR/err"
	# The file is CRI's format: TIME STREAM F|P CONTENT
	run grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z (stdout|stderr) [FP] ' "$ROOT/$ID/container.log"
	[ "$output" -eq 5 ]
}

@test "logs: --tail N gives the last N lines" {
	run_logged 'for i in $(seq 1 50); do echo line $i; done'
	berth wait "$ID" >/dev/null
	run berth logs --tail 3 "$ID"
	assert_success
	[ "$output" = "$(printf 'line 48\nline 49\nline 50')" ]
	run berth logs -n 0 "$ID"
	[ -z "$output" ]
	[ "$(berth logs "$ID" | wc -l)" -eq 50 ]
}

@test "logs: --follow prints as the container writes and ends once it has exited, with all of it" {
	mkfifo "$BATS_TEST_TMPDIR/go"
	make_bundle sh -c 'echo first; read x < /go; for i in $(seq 1 200); do echo after $i; done; echo last' >/dev/null
	jq_config '.mounts += [{"destination":"/go","type":"bind","source":$f,"options":["bind"]}]' --arg f "$BATS_TEST_TMPDIR/go"
	ID=$(new_id)
	q berth run -d --logs -b "$BUNDLE" "$ID"
	"$BERTH_BIN" --root "$ROOT" logs --follow "$ID" > "$BATS_TEST_TMPDIR/followed" 2>&1 3>&- &
	local fpid=$!
	# It has printed what came before the container blocked, and still runs.
	for i in $(seq 200); do grep -q first "$BATS_TEST_TMPDIR/followed" && break; sleep 0.05; done
	grep -q first "$BATS_TEST_TMPDIR/followed"
	kill -0 "$fpid"
	echo go > "$BATS_TEST_TMPDIR/go"
	timeout 20 tail --pid="$fpid" -f /dev/null
	wait "$fpid"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/followed")" -eq 202 ]
	[ "$(tail -1 "$BATS_TEST_TMPDIR/followed")" = last ]
}

@test "logs: rotated past --logs-max-size, at most --logs-max-files files, the newest lines kept in order" {
	run_logged 'for i in $(seq 1 300); do echo "line $i"; done' --logs-max-size 2k --logs-max-files 3
	berth wait "$ID" >/dev/null
	local log=$ROOT/$ID/container.log
	[ -s "$log" ] && [ -s "$log.1" ] && [ -s "$log.2" ] && [ ! -e "$log.3" ]
	for f in "$log" "$log.1" "$log.2"; do [ "$(stat -c %s "$f")" -le 2048 ]; done
	run berth logs "$ID"
	assert_success
	[ "${lines[-1]}" = "line 300" ]
	# contiguous: what is left is a run of consecutive lines ending at 300
	local first=${lines[0]#line }
	[ "${#lines[@]}" -eq $((300 - first + 1)) ]
	[ "$first" -gt 1 ]
}

@test "logs: much output, and a line longer than 16 KiB, arrive whole; the container is never held up" {
	run_logged 'head -c 300000 /dev/zero | tr "\0" x; echo; seq 1 20000'
	berth wait "$ID" >/dev/null
	berth logs "$ID" > "$BATS_TEST_TMPDIR/out"
	{ head -c 300000 /dev/zero | tr '\0' x; echo; seq 1 20000; } | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "logs: a terminal container detached with --logs: its terminal output is logged" {
	make_bundle sh -c 'tty; echo via-pty' >/dev/null
	jq_config '.process.terminal = true'
	ID=$(new_id)
	q berth run -d --logs -b "$BUNDLE" "$ID"
	berth wait "$ID" >/dev/null
	run berth logs --follow "$ID"
	assert_success
	[[ ${lines[0]} == /dev/pts/* ]]
	[[ ${lines[1]} == via-pty* ]]
	# With --console-socket as well the terminal could go to one only.
	run berth create --logs --console-socket "$BATS_TEST_TMPDIR/s" -b "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "--console-socket"
}

@test "logs: without --logs the container writes to the caller's stdio, as with runc; logs says there are none" {
	make_bundle sh -c 'echo to-caller; echo err-to-caller >&2' >/dev/null
	ID=$(new_id)
	"$BERTH_BIN" --root "$ROOT" run -d -b "$BUNDLE" "$ID" < /dev/null > "$BATS_TEST_TMPDIR/o" 2> "$BATS_TEST_TMPDIR/e"
	berth wait "$ID" >/dev/null
	[ "$(cat "$BATS_TEST_TMPDIR/o")" = to-caller ]
	[ "$(cat "$BATS_TEST_TMPDIR/e")" = err-to-caller ]
	run berth logs "$ID"
	assert_failure
	assert_output_contains "keeps no logs"
	[ ! -e "$ROOT/$ID/container.log" ]
}

@test "logs: --logs-path elsewhere is kept after delete; the default one goes with the container" {
	make_bundle sh -c 'echo kept' >/dev/null
	ID=$(new_id)
	q berth run -d --logs-path "$BATS_TEST_TMPDIR/app.log" -b "$BUNDLE" "$ID"
	berth wait "$ID" >/dev/null
	[ "$(berth logs "$ID")" = kept ]
	q berth delete "$ID"
	grep -q ' stdout F kept$' "$BATS_TEST_TMPDIR/app.log"
	local id2; id2=$(new_id)
	q berth run -d --logs -b "$BUNDLE" "$id2"
	berth wait "$id2" >/dev/null
	q berth delete "$id2"
	[ ! -e "$ROOT/$id2" ]
}

@test "logs: refused where it cannot work, naming why; a failed create leaves no log and no state" {
	make_bundle true >/dev/null
	run berth run --logs -b "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "outlives this command"
	run "$(dirname "$BERTH_BIN")/berth-runc" --root "$ROOT" run -d --logs -b "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "supervisor"
	run berth run -d --logs --logs-max-size 10x -b "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "--logs-max-size 10x"
	local id; id=$(new_id)
	run berth create --logs-path "$BATS_TEST_TMPDIR/no/such/dir/x.log" -b "$BUNDLE" "$id"
	assert_failure
	assert_output_contains "x.log"
	[ ! -e "$ROOT/$id" ]
	# A create that fails after making the log removes it.
	jq_config '.process.args = ["/nonexistent"]'
	run berth create --logs-path "$BATS_TEST_TMPDIR/made.log" -b "$BUNDLE" "$id"
	assert_failure
	[ ! -e "$BATS_TEST_TMPDIR/made.log" ] && [ ! -e "$ROOT/$id" ]
}
