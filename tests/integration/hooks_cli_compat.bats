#!/usr/bin/env bats
# hooks_cli_compat.bats -- the CLI where scripts rely on runc's behaviour (kill 0, unknown
# commands) and the OCI hooks as runtime-spec 1.2 words them (config.md "POSIX-platform
# Hooks", runtime.md "Lifecycle"). Each test says whether it follows runc 1.1.5, crun 1.8.1
# or the spec where the two differ.

load ../lib/common

# q and runq (tests/lib/common.bash) keep a created container's stdio off bats' pipes.

# ---- CLI --------------------------------------------------------------------------------

@test "kill ID 0 checks that the container is alive, as runc" {
	make_bundle sleep 1000 >/dev/null
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q runc_ create -b "$BUNDLE" "$id"
	# runc: 0 to a created or running container succeeds and sends nothing
	run berth kill "$id" 0
	assert_success
	run runc_ kill "$id" 0
	assert_success
	q berth start "$id"
	q runc_ start "$id"
	run berth kill "$id" 0
	assert_success
	[ "$(state_field berth "$id" .status)" = running ]
	berth kill "$id" KILL
	runc_ kill "$id" KILL
	wait_status berth "$id" stopped
	wait_status runc_ "$id" stopped
	# runc: "container not running", exit 1
	run runc_ kill "$id" 0
	assert_status 1
	run berth kill "$id" 0
	assert_status 1
	assert_output_contains "container not running"
}

@test "an unknown command exits 1 naming it, also with -h and after global options" {
	local args
	for args in "frobnicate" "frobnicate -h" "frobnicate --help" "--root $ROOT frobnicate x" "--debug frobnicate"; do
		# runc: "No help topic for 'frobnicate'" (exit 3); crun: "unknown command" (exit 1).
		run runc $args
		assert_failure
		# shellcheck disable=SC2086
		run "$BERTH_BIN" $args
		assert_status 1
		assert_output_contains 'unknown command "frobnicate"'
		[[ "$output" != *"A subcommand is required"* ]]
		[[ "$output" != *"Usage:"* ]]
	done
	# a known command still gets its help
	run "$BERTH_BIN" kill -h
	assert_success
	assert_output_contains "container-id"
}

@test "exec says it is not supported yet instead of asking for a subcommand" {
	local args
	for args in "exec" "exec ID sh" "exec -h" "--root $ROOT exec ID sh"; do
		# shellcheck disable=SC2086
		run "$BERTH_BIN" $args
		assert_status 1
		assert_output_contains "exec is not supported yet"
		[[ "$output" != *"A subcommand is required"* ]]
	done
}
