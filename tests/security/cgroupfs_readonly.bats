#!/usr/bin/env bats
# cgroupfs writable without a cgroup namespace (runc CVE-2023-25809).
#
# A container without its own cgroup namespace that could write /sys/fs/cgroup could
# move itself out of its limits (cgroup.procs of another cgroup), raise its own limits,
# or make cgroups on the host. berth binds only the container's own cgroup of each
# hierarchy, read-only, whatever the config's cgroup mount options say; with a cgroup
# namespace the container sees only its own subtree.

load ../lib/common
load helpers/security

# The container tries to escape its limits every way a writable cgroupfs would allow.
escape_script='
for h in pids memory unified; do
	echo 1 > /sys/fs/cgroup/$h/cgroup.procs 2>&1 && echo "$h: procs written"
	mkdir /sys/fs/cgroup/$h/escape 2>&1 && echo "$h: mkdir allowed"
done
echo max > /sys/fs/cgroup/pids/pids.max 2>&1 && echo "pids.max raised"
read v < /sys/fs/cgroup/pids/pids.max; echo "limit=$v"'

@test "cgroupfs_readonly: without a cgroup namespace every cgroup write fails with EROFS" {
	sec_bundle sh -c "$escape_script"
	jq_config '.linux.resources.pids = {"limit": 32}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_output_contains "Read-only file system"
	assert_output_contains "limit=32"
	[[ "$output" != *"written"* && "$output" != *"allowed"* && "$output" != *"raised"* ]]
	assert_host_untouched
}

@test "cgroupfs_readonly: a config asking for a read-write cgroup mount still gets a read-only one" {
	sec_bundle sh -c "$escape_script"
	jq_config '.linux.resources.pids = {"limit": 32}
		| .mounts |= map(if .type == "cgroup" then .options = ["nosuid", "noexec", "nodev", "relatime", "rw"] else . end)'
	jq -e '.mounts[] | select(.type == "cgroup") | .options | index("rw")' "$BUNDLE/config.json" >/dev/null
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_output_contains "Read-only file system"
	assert_output_contains "limit=32"
	[[ "$output" != *"written"* && "$output" != *"allowed"* && "$output" != *"raised"* ]]
	assert_host_untouched
}
