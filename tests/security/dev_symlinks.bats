#!/usr/bin/env bats
# Device nodes under a hostile /dev (runc and crun reports, 2026).
#
# Any device node berth creates or binds in /dev is made through a dirfd of the
# container's /dev with O_NOFOLLOW and verified after. A rootfs whose /dev is not a
# tmpfs and whose /dev/null (or /dev itself) is a symlink to a host path must not get a
# node, a file or a mount outside the rootfs: berth fails or replaces safely.

load ../lib/common
load helpers/security

# A bundle without the config's /dev mounts, so berth makes its devices in the rootfs's
# own /dev.
no_tmpfs_dev_bundle() {
	sec_bundle "$@"
	jq_config '.mounts |= map(select(.destination | startswith("/dev") | not))'
	mkdir -p "$ROOTFS/dev"
}

@test "dev_symlinks: /dev/null -> a host path (absolute and ../..) never creates the node there" {
	no_tmpfs_dev_bundle
	for target in "$HOSTDIR/null" "../../../../../../..$HOSTDIR/null" "$HOSTDIR/sentinel"; do
		ln -sfn "$target" "$ROOTFS/dev/null"
		run berth create --bundle "$BUNDLE" "$(new_id)"
		if [ "$status" -eq 0 ]; then
			# Replaced: then the rootfs's /dev/null is the device, in the rootfs.
			[ -c "$ROOTFS/dev/null" ] && [ ! -L "$ROOTFS/dev/null" ]
			rm -f "$ROOTFS/dev/null"
		else
			assert_output_contains "/dev/null"
		fi
		[ ! -e "$HOSTDIR/null" ] && [ ! -L "$HOSTDIR/null" ]
		[ "$(cat "$HOSTDIR/sentinel")" = host-sentinel ] && [ ! -c "$HOSTDIR/sentinel" ]
	done
	assert_host_untouched
}

@test "dev_symlinks: every default device name as a dangling symlink to the host is refused or replaced" {
	no_tmpfs_dev_bundle sh -c 'for d in null zero full random urandom tty; do [ -c /dev/$d ] || echo "not a device: $d"; done'
	for d in zero full random urandom tty; do ln -sfn "$HOSTDIR/$d" "$ROOTFS/dev/$d"; done
	run berth run --bundle "$BUNDLE" "$(new_id)"
	[ "$status" -ne 0 ] || [ -z "$output" ]
	[ -z "$(ls -A "$HOSTDIR" | grep -vxE 'etc|sys|sentinel')" ]
	assert_host_untouched
}

@test "dev_symlinks: /dev itself a symlink to a host directory: devices land inside the rootfs" {
	no_tmpfs_dev_bundle sh -c 'test -c /dev/null && echo null-ok'
	rmdir "$ROOTFS/dev"
	ln -s "$HOSTDIR" "$ROOTFS/dev"
	run berth run --bundle "$BUNDLE" "$(new_id)"
	if [ "$status" -eq 0 ]; then
		[ "$output" = null-ok ]
		# resolved inside the root: $ROOTFS$HOSTDIR got the nodes
		[ -c "$ROOTFS$HOSTDIR/null" ]
	fi
	[ -z "$(ls -A "$HOSTDIR" | grep -vxE 'etc|sys|sentinel')" ]
	no_mounts_under "$HOSTDIR"
	assert_host_untouched
}

@test "dev_symlinks: /dev/ptmx and /dev/fd as symlinks to host paths stay harmless" {
	no_tmpfs_dev_bundle sh -c 'readlink /dev/ptmx; readlink /dev/fd'
	ln -s "$HOSTDIR/ptmx" "$ROOTFS/dev/ptmx"
	ln -s "$HOSTDIR" "$ROOTFS/dev/fd"
	run berth run --bundle "$BUNDLE" "$(new_id)"
	[ -z "$(ls -A "$HOSTDIR" | grep -vxE 'etc|sys|sentinel')" ]
	assert_host_untouched
}
