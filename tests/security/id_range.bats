#!/usr/bin/env bats
# uid/gid 4294967295: an id that setresuid/setresgid/setgroups read as "unchanged".
#
# (uid_t)-1 is 4294967295: setresuid(-1, -1, -1) leaves every uid as it was, so a
# config asking for user 4294967295 ran its process as root. berth refuses every id above
# 2147483647 in process.user and in id mappings before any side effect, naming the field,
# as runc 1.1.5 does ("uids and gids must be in range 0-2147483647"; checked by hand on
# this machine: runc refuses uid, gid and additionalGids 2147483648 and 4294967295, and
# runs 2147483647). crun 1.8.1 sets the ids and lets the kernel decide.

load ../lib/common
load helpers/security

@test "id_range: process.user uid or gid 4294967295 is refused, never run as root" {
	sec_bundle sh -c 'id -u; id -g'
	local field n
	for field in uid gid; do
		for n in 4294967295 2147483648; do
			jq_config ".process.user = {uid: 1000, gid: 1000} | .process.user.$field = $n"
			run berth run --bundle "$BUNDLE" "$(new_id)"
			assert_failure
			assert_output_contains "/process/user/$field"
			assert_output_contains "uids and gids must be in range 0-2147483647"
			# The container never ran: no "0" printed by id.
			[[ "$output" != *$'\n0'* && "$output" != 0* ]]
		done
	done
	assert_host_untouched
}

@test "id_range: additionalGids 4294967295 is refused naming its index" {
	sec_bundle id -G
	jq_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20, 4294967295]}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/process/user/additionalGids/2"
	assert_output_contains "uids and gids must be in range 0-2147483647"
	assert_host_untouched
}

@test "id_range: the largest id, 2147483647, runs as itself (as runc)" {
	sec_bundle sh -c 'id -u; id -g'
	jq_config '.process.user = {uid: 2147483647, gid: 2147483647}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "${lines[0]}" = 2147483647 ]
	[ "${lines[1]}" = 2147483647 ]
}

@test "id_range: id mappings with ids above 2147483647 or reaching 4294967295 are refused by field" {
	sec_bundle id -u
	local userns='.linux.namespaces |= (map(select(.type != "user")) + [{type: "user"}]) | .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	jq_config "$userns | .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 1000}, {containerID: 1000, hostID: 4294967295, size: 1}]"
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/linux/uidMappings/1/hostID"
	jq_config "$userns | .linux.uidMappings = [{containerID: 0, hostID: 4294967000, size: 65536}]"
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/linux/uidMappings/0/hostID"
	jq_config "$userns | .linux.uidMappings = [{containerID: 0, hostID: 2147483000, size: 2147484296}]"
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/linux/uidMappings/0/size"
	assert_output_contains "reaches past id 4294967294"
	# Refused while parsing: no state directory was made.
	[ -z "$(ls -A "$ROOT")" ]
	assert_host_untouched
}
