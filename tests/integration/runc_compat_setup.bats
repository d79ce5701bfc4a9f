#!/usr/bin/env bats
# runc_compat_setup.bats -- container setup that scripts written for runc and crun rely
# on: loopback up in a new network namespace, HOME from the container's /etc/passwd, the
# terminal owned by the process's user, tmpfs modes, device paths, and which sysctls a
# container may set. Each test says which peer (runc 1.1.5, crun 1.8.1, as checked by
# hand on this machine) it follows.

load ../lib/common

sh_bundle() { make_bundle sh -c "$1" >/dev/null; }
sh_bundle_copy() { make_bundle --copy sh -c "$1" >/dev/null; }
run_berth() { run berth run -b "$BUNDLE" "$(new_id)" </dev/null; }

# expect_refused JSON_PATH -- create fails naming JSON_PATH and leaves no state dir.
expect_refused() {
	local id; id=$(new_id)
	runq berth create -b "$BUNDLE" "$id"
	assert_status 1
	assert_output_contains "$1"
	[ ! -e "$ROOT/$id" ]
}

# start_pod -- a detached `sleep` container whose namespaces others join; sets POD_PID.
start_pod() {
	local saved=$BUNDLE
	BUNDLE=$BATS_TEST_TMPDIR/pod
	make_bundle sleep 1000 >/dev/null
	local id; id=$(new_id pod)
	q berth run -d -b "$BUNDLE" "$id"
	POD_PID=$(state_field berth "$id" .pid)
	BUNDLE=$saved
}

# ---- network ------------------------------------------------------------------------

# runc and crun: lo is UP in a new network namespace (runc via netlink, crun via ioctl).
@test "loopback: a new network namespace has lo up with 127.0.0.1" {
	sh_bundle 'ip -o link show lo; ip -o addr show lo'
	run_berth
	assert_success
	[[ "${lines[0]}" == *"<LOOPBACK,UP"* ]]
	assert_output_contains "inet 127.0.0.1/8"
}

# ---- sysctl -------------------------------------------------------------------------

# runc and crun: with a uts namespace kernel.domainname is set; kernel.hostname is
# refused, it conflicts with the OCI "hostname" field.
@test "sysctl: kernel.domainname with a uts namespace; kernel.hostname refused" {
	sh_bundle 'cat /proc/sys/kernel/domainname'
	jq_config '.linux.sysctl = {"kernel.domainname": "dom.example"}'
	run_berth
	assert_success
	[ "$output" = dom.example ]
	jq_config '.linux.sysctl = {"kernel.hostname": "other"}'
	expect_refused "/linux/sysctl/kernel.hostname"
	jq_config '.linux.sysctl = {"kernel.domainname": "d"} | del(.hostname) | .linux.namespaces |= map(select(.type != "uts"))'
	expect_refused "/linux/sysctl/kernel.domainname"
}

# runc and crun: a namespace joined by path counts as the container's own: ipc sysctls
# in a joined ipc namespace, net.* in a joined network namespace, kernel.domainname in
# a joined uts namespace. The runtime's own network namespace is refused (runc; crun
# writes the host's value). berth also refuses the runtime's own ipc and uts ones.
@test "sysctl: keys are allowed in joined namespaces other than the runtime's" {
	start_pod
	sh_bundle 'cat /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname'
	# /proc/sys/{kernel,net} show the reader's namespaces: read the pod's through nsenter
	local fwd; fwd=$(nsenter -t "$POD_PID" -n cat /proc/sys/net/ipv4/ip_forward)
	local host_shm; host_shm=$(cat /proc/sys/kernel/shmmax)
	local want=1; [ "$fwd" = 1 ] && want=0
	jq_config --arg p "/proc/$POD_PID/ns" --arg f "$want" 'del(.hostname)
		| .linux.namespaces |= map(
			if .type == "ipc" then .path = $p + "/ipc"
			elif .type == "network" then .path = $p + "/net"
			elif .type == "uts" then .path = $p + "/uts" else . end)
		| .linux.sysctl = {"kernel.shmmax": "123456", "net.ipv4.ip_forward": $f, "kernel.domainname": "pod.example"}'
	run_berth
	assert_success
	[ "${lines[0]}" = 123456 ]
	[ "${lines[1]}" = "$want" ]
	[ "${lines[2]}" = pod.example ]
	# written in the pod's namespaces, not the host's
	[ "$(nsenter -t "$POD_PID" -i cat /proc/sys/kernel/shmmax)" = 123456 ]
	[ "$(nsenter -t "$POD_PID" -n cat /proc/sys/net/ipv4/ip_forward)" = "$want" ]
	[ "$(nsenter -t "$POD_PID" -u cat /proc/sys/kernel/domainname)" = pod.example ]
	[ "$(cat /proc/sys/kernel/shmmax)" = "$host_shm" ]
	[ "$(cat /proc/sys/kernel/domainname)" != pod.example ]
	# the runtime's own namespaces, joined by path, are refused
	jq_config '.linux.namespaces |= map(if .type == "network" then .path = "/proc/self/ns/net" else . end)
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	expect_refused "/linux/sysctl/net.ipv4.ip_forward"
	jq_config '.linux.namespaces |= map(if .type == "ipc" then .path = "/proc/self/ns/ipc" else . end)
		| .linux.sysctl = {"kernel.shmmax": "1"}'
	expect_refused "/linux/sysctl/kernel.shmmax"
}

# runc and crun: a key may use '/' as separator (sysctl.d(5)); a key whose path would
# leave /proc/sys is refused.
@test "sysctl: slash-separated keys are written; a key escaping /proc/sys is refused" {
	sh_bundle 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/domainname'
	local host; host=$(cat /proc/sys/net/ipv4/ip_forward)
	local want=1; [ "$host" = 1 ] && want=0
	jq_config --arg v "$want" '.linux.sysctl = {"net/ipv4/ip_forward": $v, "kernel/domainname": "slash.example"}'
	run_berth
	assert_success
	[ "${lines[0]}" = "$want" ]
	[ "${lines[1]}" = slash.example ]
	[ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$host" ]
	jq_config '.linux.sysctl = {"net/../../sysrq-trigger": "h"}'
	expect_refused "/linux/sysctl/net~1..~1..~1sysrq-trigger"
}
