#!/usr/bin/env bats
# state_record.bats -- the container's record, <root>/<id>/state.json (libcontainer/state/store.hpp):
# one versioned file (and its previous save) beside exec.fifo, shim.sock, exit.json and the
# config.json create read (for exec); a version this berth does
# not know and the state directory of the berth before the record are refused by name,
# by every command, `delete --force` too.

load ../lib/common

@test "record: a created container's directory holds one record, in phase created, with its isolators' sections" {
	make_bundle sleep 100 >/dev/null
	jq_config '.linux.resources.pids = {"limit": 20}'
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	# state.json.tmp: the record's previous save, which the next one overwrites in place
	# (libcontainer/state/files.hpp, Sync::Spare).
	# config.json: the config as create read it, for exec.
	[ "$(cd "$ROOT/$id" && ls | sort | tr '\n' ' ')" = "config.json exec.fifo shim.sock state.json state.json.tmp " ]
	cmp "$ROOT/$id/config.json" "$BUNDLE/config.json"
	[ "$(jq -r .phase "$ROOT/$id/state.json.tmp")" = creating ]
	local r=$ROOT/$id/state.json
	[ "$(jq -c '[.berthStateVersion, .phase, .id]' "$r")" = "[1,\"created\",\"$id\"]" ]
	[ "$(jq .pid "$r")" = "$(berth state "$id" | jq .pid)" ]
	[ "$(jq -r '.isolators | keys | join(" ")' "$r")" = "cgroups devices" ]
	[ "$(journal_dirs "$id" leaf /sys/fs/cgroup/pids)" != "" ]
	q berth delete --force "$id"
}

@test "record: a version this berth does not know is named by state, delete --force refuses it, list skips it" {
	make_bundle sleep 100 >/dev/null
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	local r=$ROOT/$id/state.json
	cp "$r" "$BATS_TEST_TMPDIR/record"
	jq -c '.berthStateVersion = 7' "$BATS_TEST_TMPDIR/record" > "$r"
	run berth state "$id"
	assert_failure
	assert_output_contains "state of $id: unknown state record version 7 (this berth reads 1)"
	run berth delete --force "$id"
	assert_failure
	assert_output_contains "unknown state record version 7"
	[ -d "$ROOT/$id" ]
	[ "$(berth list -q)" = "" ]
	echo '{"berthStateVersion": 1, "phase": "cre' > "$r"
	run berth state "$id"
	assert_failure
	assert_output_contains "state of $id: corrupt state record"
	cp "$BATS_TEST_TMPDIR/record" "$r"
	q berth delete --force "$id"
	[ ! -e "$ROOT/$id" ]
}

@test "record: the state directory of the berth before the record is named, not read, by every command" {
	local id; id=$(new_id)
	mkdir -p "$ROOT/$id"
	# What it wrote: state.json without a version, beside pids, cgroups, watch.
	echo '{"ociVersion":"1.2.0","id":"'"$id"'","pid":1,"initStartTime":1,"bundle":"/b"}' > "$ROOT/$id/state.json"
	echo "1 1 1 1" > "$ROOT/$id/pids"
	printf 'leaf\t/sys/fs/cgroup/pids\t/%s\n' "$id" > "$ROOT/$id/cgroups"
	local cmd
	for cmd in state "delete --force" kill ps; do
		run berth $cmd "$id"
		assert_failure
		assert_output_contains "state of $id: a state directory of an older berth"
	done
	[ -d "$ROOT/$id" ]
	rm -f "$ROOT/$id/state.json"  # its create was cut off before state.json
	run berth delete --force "$id"
	assert_failure
	assert_output_contains "a state directory of an older berth"
	rm -rf "${ROOT:?}/$id"
}
