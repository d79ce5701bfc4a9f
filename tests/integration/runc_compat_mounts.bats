#!/usr/bin/env bats
# runc_compat_mounts.bats -- mount behaviours that workloads written for runc and crun
# rely on: a read-only /dev, an explicit /dev/ptmx mount, bind sources only the host can
# reach in a user-namespaced container, and a --no-pivot root that leaves nothing of the
# host's mount tree behind. Each test says which peer it follows (runc 1.1.5 / crun 1.8.1
# as installed on this machine).

load ../lib/common

# fixture BINARY -- compile tests/integration/fixtures/BINARY.c once into the cache.
fixture() {
	local out=$BERTH_TEST_CACHE/$1 src=$BATS_TEST_DIRNAME/fixtures/$1.c
	if [ ! -x "$out" ] || [ "$src" -nt "$out" ]; then
		mkdir -p "$BERTH_TEST_CACHE"
		${CC:-cc} -O2 -o "$out.$$" "$src" && mv -f "$out.$$" "$out"
	fi
	printf '%s\n' "$out"
}

# ro_dev -- make the default /dev tmpfs read-only
ro_dev() { jq_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'; }

# ---- a read-only /dev -----------------------------------------------------------

# As runc and crun: both give a read-only /dev its devpts, shm and mqueue and the
# default devices and links, and make it read-only afterwards.
@test "read-only /dev: submounts, devices and links are there, /dev itself is read-only" {
	make_bundle sh -c 'for m in /dev/pts /dev/shm /dev/mqueue; do grep -q " $m " /proc/self/mountinfo && echo "mount $m"; done
		for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo "dev $d"; done
		[ "$(readlink /dev/ptmx)" = pts/ptmx ] && echo ptmx-link
		[ "$(readlink /dev/fd)" = /proc/self/fd ] && echo fd-link
		awk "\$5 == \"/dev\" {print \"dev-opts \" \$6}" /proc/self/mountinfo
		touch /dev/x 2>/dev/null || echo dev-readonly
		touch /dev/shm/x && echo shm-writable' >/dev/null
	ro_dev
	run berth run -b "$BUNDLE" "$(new_id)" </dev/null
	assert_success
	local m d
	for m in /dev/pts /dev/shm /dev/mqueue; do assert_output_contains "mount $m"; done
	for d in null zero full random urandom tty; do assert_output_contains "dev $d"; done
	assert_output_contains ptmx-link
	assert_output_contains fd-link
	assert_output_contains "dev-opts ro,"
	assert_output_contains dev-readonly
	assert_output_contains shm-writable
}

# An explicit /dev/ptmx mount (a bind of /dev/pts/ptmx, as some engines add) next to the
# default /dev/ptmx link: as crun, the link to the container's devpts wins and the mount
# is detached (runc 1.1.5 fails here: "remove .../dev/ptmx: device or resource busy").
@test "/dev/ptmx mounted explicitly: create succeeds and /dev/ptmx is the pts/ptmx link (as crun)" {
	make_bundle sh -c 'readlink /dev/ptmx; grep -c " /dev/ptmx " /proc/self/mountinfo; true' >/dev/null
	jq_config '.mounts += [{"destination":"/dev/ptmx","type":"bind","source":"/dev/pts/ptmx","options":["bind"]}]'
	run berth run -b "$BUNDLE" "$(new_id)" </dev/null
	assert_success
	[ "${lines[0]}" = pts/ptmx ]
	[ "${lines[1]}" = 0 ]
	# and with a read-only /dev too
	ro_dev
	run berth run -b "$BUNDLE" "$(new_id)" </dev/null
	assert_success
	[ "${lines[0]}" = pts/ptmx ]
}

# ---- bind sources in a user namespace ------------------------------------------------

# userns -- a user namespace mapping container root to host uid/gid 100000
userns() {
	jq_config '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
}

# As runc (and crun): the source is opened on the host's side, so a directory under a
# 0700 root-owned one, which the container's mapped root could not traverse, is bound.
@test "user namespace: a bind source only the host can reach is mounted (as runc)" {
	local hidden=$BATS_TEST_TMPDIR/hidden
	mkdir -p "$hidden/pub"
	echo from-the-host > "$hidden/pub/f"
	chmod 700 "$hidden"
	chmod 755 "$hidden/pub"
	make_bundle sh -c 'cat /tmp/f; echo x > /tmp/f 2>/dev/null || echo read-only' >/dev/null
	userns
	jq_config --arg s "$hidden/pub" '.mounts += [{"destination":"/tmp","type":"bind","source":$s,"options":["rbind","ro"]}]'
	run berth run -b "$BUNDLE" "$(new_id)" </dev/null
	assert_success
	assert_output_contains from-the-host
	assert_output_contains read-only
	[ "$(cat "$hidden/pub/f")" = from-the-host ]
	# a missing source is still refused naming it
	jq_config --arg s "$hidden/none" '.mounts[-1].source = $s'
	run berth run -b "$BUNDLE" "$(new_id)" </dev/null
	assert_failure
	assert_output_contains "/source"
}

# ---- --no-pivot -------------------------------------------------------------------

# runc 1.1.5 and crun detach (or cover) the host's procfs and sysfs before MS_MOVE +
# chroot, so a nested user namespace cannot mount a fresh procfs: runc refuses the mount
# below. berth goes further than both: no mount of the host's is left in the container's
# mount namespace (runc leaves every other host mount under the moved root).
@test "--no-pivot: a nested user namespace cannot mount procfs, no host mount is left" {
	make_bundle --copy sh -c 'mkdir -p /tmp/p
		unshare -Urmpf sh -c "mount -t proc proc /tmp/p && echo PROC-MOUNTED; true"
		echo nested-done' >/dev/null
	# uid 1000: mapping it to root in a nested user namespace needs no capability
	jq_config '.process.user = {"uid":1000,"gid":1000}'
	local before; before=$(mount_count)
	run berth run --no-pivot -b "$BUNDLE" "$(new_id)" </dev/null
	assert_success
	assert_output_contains nested-done
	[[ "$output" != *PROC-MOUNTED* ]]
	# The whole namespace of a created container (set up, waiting for start): the
	# container's own mounts (all it sees), the namespace's root mount and the host's
	# mounts stacked on "/" (the host's root filesystem, which holds the rootfs moved
	# onto it), and nothing else of the host's.
	local id; id=$(new_id)
	q berth create --no-pivot -b "$BUNDLE" "$id"
	local pid; pid=$(state_field berth "$id" .pid)
	local all mine on_root
	all=$("$(fixture ns_mounts)" "$pid" | wc -l)
	mine=$(wc -l < /proc/$pid/mountinfo)
	on_root=$(awk '$5 == "/" && $1 != $2' /proc/self/mountinfo | wc -l)
	echo "mounts in the namespace: $all, seen by the container: $mine, host's on /: $on_root" >&2
	[ "$all" -eq $((mine + 1 + on_root)) ]
	q berth delete --force "$id"
	# nothing of it reached the host
	[ "$(mount_count)" -eq "$before" ]
}

# ---- tmpcopyup (runc's extension, which podman --read-only puts on its tmpfs mounts) ----

# As runc: the tmpfs starts with what the directory it covers holds (files, links, subdirs
# with their modes and owners), is writable, and the image stays as it was.
@test "tmpcopyup: the tmpfs starts with the covered directory's content, as with runc" {
	make_bundle --copy sh -c 'cd /data && ls -ln f sub/g | cut -c1-10,16-24; cat f sub/g; readlink link
		touch new && echo writable; grep " /data " /proc/self/mountinfo | cut -d" " -f9' >/dev/null
	mkdir -p "$BUNDLE/rootfs/data/sub"
	echo one > "$BUNDLE/rootfs/data/f"
	echo two > "$BUNDLE/rootfs/data/sub/g"
	chmod 640 "$BUNDLE/rootfs/data/f"
	chown 1000:1000 "$BUNDLE/rootfs/data/sub/g"
	ln -s sub/g "$BUNDLE/rootfs/data/link"
	jq_config '.mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs", options: ["tmpcopyup", "nosuid"]}]
		| .process.capabilities.bounding += ["CAP_DAC_OVERRIDE"] | .process.capabilities.effective += ["CAP_DAC_OVERRIDE"]
		| .process.capabilities.permitted += ["CAP_DAC_OVERRIDE"]'
	run berth run -b "$BUNDLE" "$(new_id)" </dev/null
	echo "berth: $output"
	assert_success
	local ours=$output
	assert_output_contains "one"
	assert_output_contains "two"
	assert_output_contains "sub/g"
	assert_output_contains writable
	assert_output_contains tmpfs
	[ ! -e "$BUNDLE/rootfs/data/new" ]
	run runc_ run -b "$BUNDLE" "$(new_id)" </dev/null
	echo "runc: $output"
	assert_success
	[ "$output" = "$ours" ]
}

@test "tmpcopyup on anything but a tmpfs is refused, naming the option and the mount" {
	make_bundle true >/dev/null
	jq_config '.mounts += [{destination: "/b", type: "bind", source: "/tmp", options: ["rbind", "tmpcopyup"]}]'
	local id; id=$(new_id)
	runq berth create -b "$BUNDLE" "$id"
	assert_status 1
	assert_output_contains "tmpcopyup is not supported on a bind mount"
	assert_output_contains "/mounts/"
	[ ! -e "$ROOT/$id" ]
}
