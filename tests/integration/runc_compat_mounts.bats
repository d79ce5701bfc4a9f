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
