#!/usr/bin/env bats
# Inheritable capabilities (runc CVE-2022-29162; crun CVE-2022-27650).
#
# berth sets only the capability sets the config names: never inheritable or ambient
# capabilities unless the config lists them (file capabilities could turn inheritable
# ones into more).
#
# Pending: `berth exec --cap CAP_NET_ADMIN` (CapInh must stay 0) once `exec` exists.

load ../lib/common
load helpers/security

caps_of() { grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' <<<"$output" | tr -d '\t' | tr '\n' ' '; }

@test "inheritable_caps: the default config gives CapInh=0 and CapAmb=0" {
	sec_bundle grep Cap /proc/self/status
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	echo "# $(caps_of)" >&3
	assert_output_contains "CapInh:	0000000000000000"
	assert_output_contains "CapAmb:	0000000000000000"
	assert_host_untouched
}

@test "inheritable_caps: caps listed in bounding/effective/permitted only never become inheritable or ambient" {
	sec_bundle grep Cap /proc/self/status
	jq_config '.process.capabilities = {
		"bounding": ["CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_KILL", "CAP_SETPCAP"],
		"effective": ["CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_KILL", "CAP_SETPCAP"],
		"permitted": ["CAP_NET_ADMIN", "CAP_SYS_ADMIN", "CAP_KILL", "CAP_SETPCAP"]}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_contains "CapInh:	0000000000000000"
	assert_output_contains "CapAmb:	0000000000000000"
	# and the listed ones are there (CAP_KILL 5, SETPCAP 8, NET_ADMIN 12, SYS_ADMIN 21)
	assert_output_contains "CapEff:	0000000000201120"
	# As a non-root user, too (no ambient raise sneaks in to keep caps across setuid).
	jq_config '.process.user = {"uid": 1000, "gid": 1000}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_contains "CapInh:	0000000000000000"
	assert_output_contains "CapAmb:	0000000000000000"
	assert_host_untouched
}

@test "inheritable_caps: inheritable and ambient are set only when the config lists them" {
	sec_bundle grep Cap /proc/self/status
	jq_config '.process.capabilities = {
		"bounding": ["CAP_NET_ADMIN", "CAP_KILL"], "effective": ["CAP_NET_ADMIN", "CAP_KILL"],
		"permitted": ["CAP_NET_ADMIN", "CAP_KILL"], "inheritable": ["CAP_NET_ADMIN"],
		"ambient": ["CAP_NET_ADMIN"]}'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_contains "CapInh:	0000000000001000"
	assert_output_contains "CapAmb:	0000000000001000"
	# ambient listed without inheritable: the kernel will not raise it, nothing else is
	jq_config '.process.capabilities.inheritable = []'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_contains "CapInh:	0000000000000000"
	assert_output_contains "CapAmb:	0000000000000000"
	assert_host_untouched
}
