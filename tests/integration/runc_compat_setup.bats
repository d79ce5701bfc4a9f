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

# ---- HOME ---------------------------------------------------------------------------

# runc: HOME unset (or empty) takes the home of process.user.uid from the container's
# /etc/passwd, "/" when the uid has no entry. (crun leaves HOME unset without an entry
# and keeps an empty HOME=; berth follows runc.)
@test "HOME: from the container's /etc/passwd for the process's uid, / without an entry" {
	sh_bundle 'echo "HOME=$HOME"'
	run_berth
	assert_success
	[ "$output" = HOME=/root ]
	jq_config '.process.user.uid = 65534'
	run_berth
	assert_success
	[ "$output" = HOME=/nonexistent ]
	jq_config '.process.user.uid = 4242'
	run_berth
	assert_success
	[ "$output" = HOME=/ ]
}

@test "HOME: a HOME in process.env is kept; an empty one is filled in (runc)" {
	sh_bundle 'env | grep -c "^HOME="; echo "HOME=$HOME"'
	jq_config '.process.env += ["HOME=/elsewhere"]'
	run_berth
	assert_success
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = HOME=/elsewhere ]
	jq_config '.process.env = (.process.env | map(select(startswith("HOME=") | not))) + ["HOME="]'
	run_berth
	assert_success
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" = HOME=/root ]
}

# /etc/passwd is read inside the root, after the mounts: a bind-mounted passwd counts,
# and a symlink to an absolute path is resolved in the container, never on the host.
@test "HOME: /etc/passwd is read in the container, after its mounts, never through a host path" {
	local pw=$BATS_TEST_TMPDIR/passwd
	printf 'root:x:0:0:root:/from-mount:/bin/sh\n' > "$pw"
	sh_bundle 'echo "HOME=$HOME"'
	jq_config --arg p "$pw" '.mounts += [{"destination":"/etc/passwd","type":"bind","source":$p,"options":["bind","ro"]}]'
	run_berth
	assert_success
	[ "$output" = HOME=/from-mount ]
	# a symlink to a path that exists only on the host: HOME=/, the host file is not read
	local host=$BATS_TEST_TMPDIR/host-passwd
	printf 'root:x:0:0:root:/host-escape:/bin/sh\n' > "$host"
	sh_bundle_copy 'echo "HOME=$HOME"'
	ln -sfn "$host" "$BUNDLE/rootfs/etc/passwd"
	run_berth
	assert_success
	[ "$output" = HOME=/ ]
	# a fifo does not hang the init
	rm -f "$BUNDLE/rootfs/etc/passwd"
	mkfifo "$BUNDLE/rootfs/etc/passwd"
	run timeout 20 "$BERTH_BIN" --root "$ROOT" run -b "$BUNDLE" "$(new_id)" </dev/null
	assert_success
	[ "$output" = HOME=/ ]
}

# ---- terminal -----------------------------------------------------------------------

# runc and crun: the pty's uid is the process's; its gid stays devpts's (gid=5 in the
# default mount options), mode 620. berth follows both.
@test "terminal: the pty is owned by the process's uid, group tty from devpts" {
	sh_bundle 'stat -c "owner %u %g %a" "$(tty)" /dev/console'
	jq_config '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1001}'
	console_run "$(new_id)"
	[ "$(grep -c '^owner 1000 5 620' "$CONSOLE_OUT")" -eq 2 ]
}

# ---- tmpfs and devices ----------------------------------------------------------------

# runc: a tmpfs without mode= takes the mode of the directory it covers (read-only ones
# too); a new directory keeps tmpfs's 1777. An explicit mode= wins (as crun and the
# kernel; runc 1.1.5 overrides even that with the directory's mode).
@test "tmpfs: without mode= it takes the covered directory's mode; mode= wins" {
	sh_bundle_copy 'stat -c "%a %n" /m700 /m1777 /opt755 /new /ro750'
	mkdir -m 700 "$BUNDLE/rootfs/m700"
	mkdir -m 1777 "$BUNDLE/rootfs/m1777"
	mkdir -m 700 "$BUNDLE/rootfs/opt755"
	mkdir -m 750 "$BUNDLE/rootfs/ro750"
	chmod 700 "$BUNDLE/rootfs/m700" "$BUNDLE/rootfs/opt755"
	chmod 1777 "$BUNDLE/rootfs/m1777"
	chmod 750 "$BUNDLE/rootfs/ro750"
	jq_config '.root.readonly = false | .mounts += [
		{"destination":"/m700","type":"tmpfs","source":"tmpfs"},
		{"destination":"/m1777","type":"tmpfs","source":"tmpfs","options":["size=1m"]},
		{"destination":"/opt755","type":"tmpfs","source":"tmpfs","options":["mode=755"]},
		{"destination":"/new","type":"tmpfs","source":"tmpfs"},
		{"destination":"/ro750","type":"tmpfs","source":"tmpfs","options":["ro"]}]'
	run_berth
	assert_success
	[ "${lines[0]}" = "700 /m700" ]
	[ "${lines[1]}" = "1777 /m1777" ]
	[ "${lines[2]}" = "755 /opt755" ]
	[ "${lines[3]}" = "1777 /new" ]
	[ "${lines[4]}" = "750 /ro750" ]
}

# runc: a device path is cleaned ("/dev/mydev/" is /dev/mydev). crun fails at mknod.
# A path that cleans to "/" names no file: refused naming the field.
@test "linux.devices: a trailing slash is normalised; a path naming / is refused by name" {
	sh_bundle 'stat -c "%F %t:%T" /dev/mydev /dev/sub/other'
	jq_config '.linux.devices = [
		{"path":"/dev/mydev/","type":"c","major":1,"minor":5,"fileMode":438},
		{"path":"/dev//sub/./other//","type":"c","major":1,"minor":3,"fileMode":438}]'
	run_berth
	assert_success
	[ "${lines[0]}" = "character special file 1:5" ]
	[ "${lines[1]}" = "character special file 1:3" ]
	jq_config '.linux.devices = [{"path":"/dev/..","type":"c","major":1,"minor":5}]'
	expect_refused "/linux/devices/0/path"
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
