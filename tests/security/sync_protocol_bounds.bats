#!/usr/bin/env bats
# Length overflow in the init's bootstrap message (runc CVE-2021-43784).
#
# runc's 16-bit length field overflowed with long namespace paths. berth's launch plan
# reaches the init by inheritance and the sync socket carries small fixed messages, but
# every size that comes from the config must still be bounded: more than 64 KiB of
# namespace paths or id-map entries gives a clean error (non-zero, a message naming the
# field, no crash, no hang) and leaves nothing behind.

load ../lib/common
load helpers/security

# expect_clean_failure ID JSONPATH_PREFIX -- after `run timeout ...`: failed in time
# with a message (not a signal, not the timeout), and no state or process is left.
expect_clean_failure() {
	local id=$1 want=$2
	echo "$output" | head -c 400 >&2
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -lt 128 ]
	[ -n "$output" ]
	[[ $output != *"Segmentation"* && $output != *"Aborted"* && $output != *"terminate called"* ]]
	[ -z "$want" ] || assert_output_contains "$want"
	[ ! -e "$ROOT/$id" ]
	[ -z "$("$BERTH_BIN" --root "$ROOT" list -q)" ]
	! pgrep -f -- "--id=$id\$" >/dev/null
}

@test "sync_protocol_bounds: 5000 uidMappings (far over 64 KiB and the kernel's 340 lines)" {
	sec_bundle true
	jq_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [range(5000) | {"containerID": ., "hostID": (100000 + .), "size": 1}]
		| .linux.gidMappings = [range(5000) | {"containerID": ., "hostID": (100000 + .), "size": 1}]'
	[ "$(stat -c %s "$BUNDLE/config.json")" -gt 65536 ]
	id=$(new_id)
	run timeout 20 "$BERTH_BIN" --root "$ROOT" create --bundle "$BUNDLE" "$id"
	expect_clean_failure "$id" "/linux/"
	assert_host_untouched
}

@test "sync_protocol_bounds: a namespace path over 64 KiB" {
	sec_bundle true
	long=/proc/self/ns/$(head -c 70000 /dev/zero | tr '\0' 'n')
	jq_config '(.linux.namespaces[] | select(.type == "network")) |= (.path = $p)' --arg p "$long"
	id=$(new_id)
	run timeout 20 "$BERTH_BIN" --root "$ROOT" create --bundle "$BUNDLE" "$id"
	expect_clean_failure "$id" "/linux/namespaces"
	# And many path components, each short, adding up to more than 64 KiB.
	long=$(printf '/proc/self/%.0s' $(seq 6000))ns/net
	jq_config '(.linux.namespaces[] | select(.type == "network")) |= (.path = $p)' --arg p "$long"
	id=$(new_id)
	run timeout 20 "$BERTH_BIN" --root "$ROOT" create --bundle "$BUNDLE" "$id"
	expect_clean_failure "$id" "/linux/namespaces"
	assert_host_untouched
}

@test "sync_protocol_bounds: 2000 namespace entries and a 70 KiB hostname" {
	sec_bundle true
	jq_config '.linux.namespaces += [range(2000) | {"type": "network", "path": "/proc/self/ns/net"}]'
	id=$(new_id)
	run timeout 20 "$BERTH_BIN" --root "$ROOT" create --bundle "$BUNDLE" "$id"
	expect_clean_failure "$id" "/linux/namespaces"
	sec_bundle true
	jq_config '.hostname = $h' --arg h "$(head -c 70000 /dev/zero | tr '\0' 'h')"
	id=$(new_id)
	run timeout 20 "$BERTH_BIN" --root "$ROOT" create --bundle "$BUNDLE" "$id"
	expect_clean_failure "$id" "/hostname"
	assert_host_untouched
}

@test "sync_protocol_bounds: large but valid payloads (100 KB env var, 64 KiB arg) arrive intact" {
	head -c 100000 /dev/zero | tr '\0' 'e' > "$BATS_TEST_TMPDIR/scratch-big"
	arg=$(head -c 65536 /dev/zero | tr '\0' 'a')
	sec_bundle sh -c 'echo ${#BIG} ${#1}' sh "$arg"
	jq_config '.process.env += ["BIG=" + $b]' --rawfile b "$BATS_TEST_TMPDIR/scratch-big"
	run timeout 20 "$BERTH_BIN" --root "$ROOT" run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "$output" = "100000 65536" ]
	assert_host_untouched
}
