#!/usr/bin/env bats
# Procfs writes redirected (runc CVE-2025-52881, CVE-2019-16884; youki CVE-2025-62596).
#
# Config mounts made after /proc can cover /proc/sys or a /proc/<pid> file with a tmpfs
# or a bind of a host file; a runtime that then wrote sysctls or oom_score_adj by path
# wrote into the host file instead. berth writes procfs through a private procfs
# instance (fsopen("proc")), openat2(RESOLVE_NO_SYMLINKS|RESOLVE_NO_XDEV), checked with
# fstatfs: no host file changes, or the step fails with a clear error.

load ../lib/common
load helpers/security

# in_ipc_ns PID CMD... -- run CMD on the host in the ipc and net namespaces of PID (the
# only place the container's namespaced sysctls can be read back from).
in_ns() {
	local pid=$1
	shift
	nsenter --ipc --net -t "$pid" "$@"
}

@test "procfs_writes: a host directory bound over /proc/sys receives no sysctl write" {
	require_cmd nsenter
	mkdir -p "$HOSTDIR/sys/kernel" "$HOSTDIR/sys/net/ipv4"
	echo host-shmmax > "$HOSTDIR/sys/kernel/shmmax"
	echo host-fwd > "$HOSTDIR/sys/net/ipv4/ip_forward"
	sec_host_resnapshot
	sec_bundle sh -c 'cat /proc/sys/kernel/shmmax /proc/self/oom_score_adj; sleep 100'
	jq_config '.mounts += [{"destination": "/proc/sys", "type": "bind", "source": $s, "options": ["rbind"]}]
		| .linux.sysctl = {"kernel.shmmax": "123456789", "net.ipv4.ip_forward": "1"}
		| .process.oomScoreAdj = 500' --arg s "$HOSTDIR/sys"
	id=$(new_id)
	berth create --bundle "$BUNDLE" "$id" > "$BATS_TEST_TMPDIR/c.out" 2>&1 || {
		# refusing is allowed, with a clear error
		cat "$BATS_TEST_TMPDIR/c.out" >&2
		grep -qE '/linux/sysctl|/mounts/' "$BATS_TEST_TMPDIR/c.out"
		assert_host_untouched
		return 0
	}
	pid=$(berth state "$id" | jq -r .pid)
	# The writes went to the container's own namespaces...
	[ "$(in_ns "$pid" cat /proc/sys/kernel/shmmax)" = 123456789 ]
	[ "$(in_ns "$pid" cat /proc/sys/net/ipv4/ip_forward)" = 1 ]
	[ "$(cat /proc/"$pid"/oom_score_adj)" = 500 ]
	# ...and not to the host files bound over /proc/sys (nor to the host's values).
	[ "$(cat "$HOSTDIR/sys/kernel/shmmax")" = host-shmmax ]
	[ "$(cat "$HOSTDIR/sys/net/ipv4/ip_forward")" = host-fwd ]
	berth delete -f "$id"
	assert_host_untouched
}

@test "procfs_writes: a tmpfs over /proc/sys does not swallow or redirect the sysctls" {
	require_cmd nsenter
	sec_bundle sleep 100
	jq_config '.mounts += [{"destination": "/proc/sys", "type": "tmpfs", "source": "sec-sys"}]
		| .linux.sysctl = {"kernel.shmmax": "987654321", "kernel.msgmax": "4242"}'
	id=$(new_id)
	# (the container keeps create's stdio: not through `run`, which would wait for it)
	berth create --bundle "$BUNDLE" "$id" > "$BATS_TEST_TMPDIR/c.out" 2>&1 && status=0 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/c.out")
	if [ "$status" -ne 0 ]; then
		assert_output_contains "/linux/sysctl"
	else
		pid=$(berth state "$id" | jq -r .pid)
		[ "$(in_ns "$pid" cat /proc/sys/kernel/shmmax)" = 987654321 ]
		[ "$(in_ns "$pid" cat /proc/sys/kernel/msgmax)" = 4242 ]
		# nothing written into the tmpfs either
		[ -z "$(ls -A /proc/"$pid"/root/proc/sys)" ]
		berth delete -f "$id"
	fi
	assert_host_untouched
}

@test "procfs_writes: a host file bound over /proc/1/oom_score_adj is not written" {
	sec_bundle sleep 100
	echo host-oom > "$HOSTDIR/oom"
	sec_host_resnapshot
	# pid 1 of the container's pid namespace is its init: the file berth writes
	# oom_score_adj to, if it went by path through the container's /proc.
	jq_config '.mounts += [{"destination": "/proc/1/oom_score_adj", "type": "bind", "source": $f, "options": ["bind"]},
		{"destination": "/proc/self/attr/exec", "type": "bind", "source": $f, "options": ["bind"]}]
		| .process.oomScoreAdj = 321' --arg f "$HOSTDIR/oom"
	id=$(new_id)
	# (the container keeps create's stdio: not through `run`, which would wait for it)
	berth create --bundle "$BUNDLE" "$id" > "$BATS_TEST_TMPDIR/c.out" 2>&1 && status=0 || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/c.out")
	if [ "$status" -eq 0 ]; then
		pid=$(berth state "$id" | jq -r .pid)
		[ "$(cat /proc/"$pid"/oom_score_adj)" = 321 ]
		berth delete -f "$id"
	else
		assert_output_contains "/mounts/"
	fi
	[ "$(cat "$HOSTDIR/oom")" = host-oom ]
	assert_host_untouched
}

@test "procfs_writes: a sysctl that is not namespaced is refused before anything runs" {
	sec_bundle true
	for k in kernel.core_pattern kernel.sysrq vm.swappiness; do
		jq_config '.linux.sysctl = {($k): "|/tmp/pwned"}' --arg k "$k"
		run berth create --bundle "$BUNDLE" "$(new_id)"
		assert_failure
		assert_output_contains "/linux/sysctl/$k"
	done
	# A sysctl key climbing out of /proc/sys is refused too.
	jq_config '.linux.sysctl = {"net.ipv4/../../../kernel/core_pattern": "|/tmp/pwned"}'
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_host_untouched
}
