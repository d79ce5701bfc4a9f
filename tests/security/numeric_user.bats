#!/usr/bin/env bats
# Numeric user looked up as a name (runc CVE-2016-3697).
#
# A config user of 1000 matched a passwd entry *named* "1000" whose uid was 0. berth
# takes process.user.uid/gid/additionalGids as numbers from the config and never looks
# them up in the container's /etc/passwd or /etc/group.
#
# Pending: `berth exec --user 1000` once `exec` exists.

load ../lib/common
load helpers/security

@test "numeric_user: a passwd entry named 1000 with uid 0 does not make uid 1000 root" {
	sec_bundle sh -c 'id -u; id -g; id -G; grep -E "^(Uid|Gid|Groups):" /proc/self/status | tr -d "\t"'
	printf 'root:x:0:0:root:/root:/bin/sh\n1000:x:0:0:evil:/root:/bin/sh\n2000:x:0:0:evil:/root:/bin/sh\n' > "$ROOTFS/etc/passwd"
	printf 'root:x:0:\n1000:x:0:\n2000:x:0:1000\n3000:x:0:1000\n' > "$ROOTFS/etc/group"
	jq_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [2000, 3000]}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = 1000 ]
	[ "$(echo "${lines[2]}" | tr ' ' '\n' | sort -n | xargs)" = "1000 2000 3000" ]
	assert_output_contains "Uid:1000100010001000"
	assert_output_contains "Gid:1000100010001000"
	assert_output_contains "Groups:2000 3000"
	assert_host_untouched
}

@test "numeric_user: group entries naming the user add no group the config did not list" {
	sec_bundle sh -c 'id -G; grep -E "^Groups:" /proc/self/status | tr -d "\t" | sed "s/ *$//"'
	printf '1000:x:0:0:evil:/root:/bin/sh\n' > "$ROOTFS/etc/passwd"
	printf 'root:x:0:1000\nwheel:x:10:1000\n1000:x:0:\n' > "$ROOTFS/etc/group"
	jq_config '.process.user = {"uid": 1000, "gid": 1000}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "${lines[0]}" = 1000 ]
	[ "${lines[1]}" = "Groups:" ]
	assert_host_untouched
}

@test "numeric_user: a non-numeric or negative uid in the config is refused" {
	sec_bundle id -u
	jq_config '.process.user = {"uid": "1000", "gid": 0}'
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/process/user/uid"
	jq_config '.process.user = {"uid": -1, "gid": 0}'
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/process/user/uid"
	assert_host_untouched
}
