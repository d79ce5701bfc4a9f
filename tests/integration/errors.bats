#!/usr/bin/env bats
# errors.bats -- a failure at any step of create returns non-zero with the step (and the
# config path) named, and leaves nothing behind: no state dir, no shim, no init, no mount.

load ../lib/common



# expect_clean_failure CMD STEP JSON_PATH -- `berth CMD -b $BUNDLE ID` fails with exit 1,
# names STEP and JSON_PATH, leaves nothing; runc fails on the same bundle too.
expect_clean_failure() {
	local cmd=$1 step=$2 path=$3 id before
	id=$(new_id)
	before=$(mount_count)
	runq berth "$cmd" -b "$BUNDLE" "$id"
	echo "berth: $output"
	assert_status 1
	assert_output_contains "$step"
	assert_output_contains "$path"
	[ ! -e "$ROOT/$id" ]
	[ "$(ls -A "$ROOT" | wc -l)" -eq 0 ]
	[ "$(procs_naming "$ROOT")" -eq 0 ]
	[ "$(procs_naming "$BUNDLE")" -eq 0 ]
	[ "$(mount_count)" -eq "$before" ]
	if [ "${CHECK_RUNC:-1}" = 1 ]; then
		runq runc_ "$cmd" -b "$BUNDLE" "$(new_id)"
		echo "runc: $output"
		assert_failure
	fi
}

@test "a mount type that does not exist: the mount step and /mounts/N named" {
	make_bundle sleep 1000 >/dev/null
	jq_config '.mounts += [{"destination":"/ok","type":"tmpfs","source":"tmpfs"},
		{"destination":"/bad","type":"nosuchfs","source":"none"}]'
	local n; n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	expect_clean_failure create "nosuchfs" "/mounts/$n"
}

@test "a bind source that does not exist: the source and /mounts/N/source named" {
	make_bundle sleep 1000 >/dev/null
	jq_config --arg s "$BATS_TEST_TMPDIR/no-such-dir" '.mounts += [{"destination":"/x","type":"bind","source":$s,"options":["rbind"]}]'
	local n; n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	expect_clean_failure create "$BATS_TEST_TMPDIR/no-such-dir" "/mounts/$n"
}

@test "a mount destination below a regular file fails inside setup, leaves nothing" {
	make_bundle sleep 1000 >/dev/null
	jq_config '.mounts += [{"destination":"/bin/busybox/x","type":"tmpfs","source":"tmpfs"}]'
	local n; n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	expect_clean_failure create "/bin/busybox/x" "/mounts/$n"
}

@test "a sysctl the kernel does not have fails inside setup, leaves nothing" {
	make_bundle sleep 1000 >/dev/null
	jq_config '.linux.sysctl = {"net.ipv4.no_such_sysctl": "1"}'
	expect_clean_failure create "no_such_sysctl" "/linux/sysctl"
}

@test "a missing executable fails create, names /process/args/0, leaves nothing" {
	make_bundle /no/such/program >/dev/null
	expect_clean_failure create "/no/such/program" "/process/args/0"
}

@test "run: a failure during setup exits 1 and leaves nothing" {
	make_bundle true >/dev/null
	jq_config '.mounts += [{"destination":"/bad","type":"nosuchfs","source":"none"}]'
	local n; n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	expect_clean_failure run "nosuchfs" "/mounts/$n"
}

@test "joining a namespace path that does not exist: the path named, nothing left" {
	make_bundle sleep 1000 >/dev/null
	jq_config '.linux.namespaces |= map(if .type == "network" then .path = "/proc/999999999/ns/net" else . end)'
	expect_clean_failure create "/proc/999999999/ns/net" "/linux/namespaces/"
}

@test "a failing createRuntime hook (init already cloned) leaves nothing" {
	make_bundle sleep 1000 >/dev/null
	jq_config '.hooks.createRuntime = [{"path":"/bin/sh","args":["sh","-c","exit 3"]}]'
	expect_clean_failure create "createRuntime" "/hooks/createRuntime/0"
}

@test "a failing createContainer hook (inside the container's namespaces) leaves nothing" {
	make_bundle sleep 1000 >/dev/null
	jq_config '.hooks.createContainer = [{"path":"/bin/sh","args":["sh","-c","exit 4"]}]'
	expect_clean_failure create "createContainer" "/hooks/createContainer/0"
}

@test "without a mount namespace: a failing mount leaves no mount on the host" {
	# A copy: mounts made in the host's namespace must never reach the shared cached rootfs.
	make_bundle --copy sleep 1000 >/dev/null
	jq_config '.linux.namespaces |= map(select(.type != "mount"))
		| .mounts += [{"destination":"/ok","type":"tmpfs","source":"tmpfs"},
			{"destination":"/bad","type":"nosuchfs","source":"none"}]'
	local n; n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	CHECK_RUNC=0 expect_clean_failure create "nosuchfs" "/mounts/$n"
}

@test "without a mount namespace: delete takes every mount back off the host" {
	make_bundle --copy sh -c 'echo in; cat /proc/self/mountinfo | wc -l'
	jq_config '.linux.namespaces |= map(select(.type != "mount"))'
	local before; before=$(mount_count)
	run berth run -b "$BUNDLE" "$(new_id)" </dev/null
	assert_success
	[ "${lines[0]}" = in ]
	[ "$(mount_count)" -eq "$before" ]
}

@test "a failure leaves a later create of the same id free to succeed" {
	make_bundle sleep 1000 >/dev/null
	jq_config '.mounts += [{"destination":"/bad","type":"nosuchfs","source":"none"}]'
	local id; id=$(new_id)
	runq berth create -b "$BUNDLE" "$id"
	assert_status 1
	jq_config 'del(.mounts[-1])'
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	[ "$(state_field berth "$id" .status)" = created ]
}

# containerd reads the reason of a failed runtime call from the --log file (JSON):
# a command line that does not parse is such a reason too, as it is for runc.
@test "a usage error goes to the --log file as well as to stderr, as runc's" {
	local log=$BATS_TEST_TMPDIR/log.json rlog=$BATS_TEST_TMPDIR/runc-log.json
	run "$BERTH_BIN" --root "$ROOT" --log "$log" --log-format json create --no-such-flag x
	assert_status 1
	assert_output_contains "no-such-flag"
	[ "$(jq -r .level "$log")" = error ]
	jq -r .msg "$log" | grep -q -- "--no-such-flag"
	run "$RUNC_BIN" --root "$RUNC_ROOT" --log "$rlog" --log-format json create --no-such-flag x
	assert_status 1
	[ "$(jq -r .level "$rlog")" = error ]
	# an unknown command, too
	run "$BERTH_BIN" --log="$log" --log-format=json frobnicate
	assert_status 1
	[ "$(tail -1 "$log" | jq -r .msg)" = 'berth: unknown command "frobnicate" (see berth --help)' ]
}

@test "a --root whose parents are missing is made with them, as runc does" {
	make_bundle true >/dev/null
	local deep=$BATS_TEST_TMPDIR/not/there/yet id; id=$(new_id)
	run "$BERTH_BIN" --root "$deep" run -b "$BUNDLE" "$id" </dev/null
	assert_success
	[ -d "$deep" ]
	[ "$(stat -c %a "$deep")" = 711 ]
	run "$RUNC_BIN" --root "$BATS_TEST_TMPDIR/runc/not/there" run -b "$BUNDLE" "$id" </dev/null
	assert_success
}
