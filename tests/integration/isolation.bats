#!/usr/bin/env bats
# isolation.bats -- the isolators a container is made with: those its config needs by
# default, or the list `--isolation` (or the annotation run.berth.isolation) gives; an
# unknown name or a list that leaves out one the config needs is refused before
# anything is made; the set is recorded, and delete and events make the same one.

load ../lib/common
load ../lib/cgroups

# recorded_isolators ID -- the isolators ID's record says it was made with, one a line.
recorded_isolators() { jq -r '.isolation[]' "$ROOT/$1/state.json"; }

# A config that needs no cgroups: no resources, no cgroup mount, no cgroupsPath.
strip_cgroups() {
	jq_config 'del(.linux.resources) | del(.linux.cgroupsPath) | .mounts |= map(select(.type != "cgroup"))'
}

# expect_refused ID TEXT... -- the last command failed naming each TEXT, and left nothing.
expect_refused() {
	local id=$1
	shift
	assert_status 1
	local t
	for t in "$@"; do assert_output_contains "$t"; done
	[ ! -e "$ROOT/$id" ]
	[ -z "$(cgroup_dirs "$id")" ]
}

@test "isolation: by default the isolators the config needs, recorded in the state directory" {
	make_bundle sleep 1000 >/dev/null
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	run recorded_isolators "$id"
	assert_success
	# berth spec's template: namespaces, mounts, rlimits, no seccomp.
	[ "$output" = "$(printf '%s\n' cgroups namespaces filesystem/linux linux/rlimits linux/capabilities)" ]
	[ -n "$(cgroup_dirs "$id")" ]
	q berth delete --force "$id"
	[ -z "$(cgroup_dirs "$id")" ]
}

@test "isolation: --isolation with an unknown name is refused, naming it and the known ones" {
	make_bundle >/dev/null
	local id; id=$(new_id)
	runq berth create --isolation=cgroups,disk/du -b "$BUNDLE" "$id"
	# (the log quotes the message: its quotes are escaped)
	expect_refused "$id" '--isolation: unknown isolator \"disk/du\"' linux/seccomp
	runq berth run --isolation "" -b "$BUNDLE" "$id"
	expect_refused "$id" 'unknown isolator \"\"'
}

@test "isolation: --isolation cannot leave out an isolator a field of the config needs" {
	make_bundle >/dev/null
	local id; id=$(new_id)
	# berth spec's template denies every device: linux.resources needs cgroups.
	runq berth create --isolation=namespaces,filesystem/linux,linux/rlimits,linux/capabilities -b "$BUNDLE" "$id"
	expect_refused "$id" "the isolator cgroups is needed" "/linux/resources"
	strip_cgroups
	runq berth create --isolation=cgroups,namespaces,filesystem/linux,linux/capabilities -b "$BUNDLE" "$id"
	expect_refused "$id" "the isolator linux/rlimits is needed" "/process/rlimits"
}

@test "isolation: a container made without cgroups has none, runs, refuses new limits, and is deleted" {
	make_bundle sh -c 'echo isolated; sleep 1000' >/dev/null
	strip_cgroups
	local id; id=$(new_id)
	q berth create --isolation=namespaces,filesystem/linux,linux/rlimits,linux/capabilities -b "$BUNDLE" "$id"
	[ "$(recorded_isolators "$id")" = "$(printf '%s\n' namespaces filesystem/linux linux/rlimits linux/capabilities)" ]
	[ -z "$(cgroup_dirs "$id")" ]
	q berth start "$id"
	wait_status berth "$id" running
	runq berth events --stats "$id"
	assert_failure
	assert_output_contains "has no cgroups"
	runq berth update --pids-limit 10 "$id"
	assert_failure
	assert_output_contains "the isolator cgroups is needed by this field: the container was made without it"
	q berth delete --force "$id"
	[ ! -e "$ROOT/$id" ]
	# run too, in the foreground with its exit status.
	make_bundle /bin/true >/dev/null
	strip_cgroups
	runq berth run --isolation=namespaces,filesystem/linux,linux/rlimits,linux/capabilities -b "$BUNDLE" "$(new_id)"
	assert_success
}

@test "isolation: the annotation run.berth.isolation chooses for a caller that passes only a bundle" {
	make_bundle sleep 1000 >/dev/null
	strip_cgroups
	local id; id=$(new_id)
	jq_config '.annotations["run.berth.isolation"] = "namespaces,filesystem/linux,linux/rlimits,linux/capabilities"'
	q berth create -b "$BUNDLE" "$id"
	[ -z "$(cgroup_dirs "$id")" ]
	recorded_isolators "$id" | grep -qx namespaces
	! recorded_isolators "$id" | grep -qx cgroups
	q berth delete --force "$id"
	# --isolation wins over the annotation.
	q berth create --isolation=cgroups,namespaces,filesystem/linux,linux/rlimits,linux/capabilities -b "$BUNDLE" "$id"
	recorded_isolators "$id" | grep -qx cgroups
	[ -n "$(cgroup_dirs "$id")" ]
	q berth delete --force "$id"
	jq_config '.annotations["run.berth.isolation"] = "namespaces,bogus"'
	runq berth create -b "$BUNDLE" "$id"
	expect_refused "$id" 'unknown isolator \"bogus\"' "/annotations/run.berth.isolation"
}

@test "isolation: a container with no record of its isolators (an older berth's) is deleted with all of them" {
	make_bundle sleep 1000 >/dev/null
	jq_config '.linux.resources.pids = {"limit": 50}'
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	[ -n "$(cgroup_dirs "$id")" ]
	jq -c 'del(.isolation)' "$ROOT/$id/state.json" > "$BATS_TEST_TMPDIR/record" && cp "$BATS_TEST_TMPDIR/record" "$ROOT/$id/state.json"
	q berth delete --force "$id"
	[ ! -e "$ROOT/$id" ]
	[ -z "$(cgroup_dirs "$id")" ]
}
