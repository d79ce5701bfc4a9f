#!/usr/bin/env bats
# maskedPaths through a hostile /dev/null (runc CVE-2025-31133; youki CVE-2025-62161).
#
# A mask bind-mounted the container's /dev/null; a rootfs whose /dev/null is a symlink
# to a procfs file made that file the mask source, writable. berth masks files with the
# host's /dev/null, opened O_PATH|O_NOFOLLOW before the pivot and checked to be the
# character device 1:3, and directories with a private read-only tmpfs.

load ../lib/common
load helpers/security

# A rootfs without a tmpfs on /dev (the config's /dev mounts removed) whose /dev/null
# is a symlink to TARGET.
hostile_devnull_bundle() {
	sec_bundle "$@"
	jq_config '.mounts |= map(select(.destination | startswith("/dev") | not))'
	mkdir -p "$ROOTFS/dev"
	ln -sfn "$TARGET" "$ROOTFS/dev/null"
}

@test "masked_paths_devnull: /dev/null -> /proc/sys/kernel/core_pattern; masks read empty, core_pattern stays read-only" {
	before=$(cat /proc/sys/kernel/core_pattern)
	TARGET=/proc/sys/kernel/core_pattern
	hostile_devnull_bundle sh -c '
		for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug; do
			[ -e $f ] || continue
			echo "$f=[$(head -c 64 $f 2>&1)]"
		done
		ls -A /proc/acpi /sys/firmware 2>&1 | tr "\n" " "; echo
		(echo "|/tmp/pwned %p" > /proc/sys/kernel/core_pattern) 2>&1 && echo WROTE-CORE-PATTERN
		(echo "|/tmp/pwned %p" > /proc/keys) 2>&1; echo "after=[$(cat /proc/keys)]"
		echo done'
	# berth creates its default devices in a /dev that is not a tmpfs: with /dev/null a
	# symlink, it must refuse (the 2026 /dev reports) or replace it; either way no write.
	run berth run --bundle "$BUNDLE" "$(new_id)"
	echo "$output" >&2
	if [ "$status" -eq 0 ]; then
		# (replaced: then it must be the null device, and the masks empty)
		[[ $output == *done* ]]
		[[ $output != *WROTE* ]]
		# Every mask that exists reads as empty.
		! grep -E '^/proc/[a-z_]+=\[.+\]$' <<<"$output"
		[[ $output == *"after=[]"* ]]
	else
		assert_output_contains "/dev/null"
	fi
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ]
	assert_host_untouched
}

@test "masked_paths_devnull: /dev bound from a directory whose null -> core_pattern; the masks still read empty" {
	# With a bind mount on /dev berth creates no devices, so the create goes through and
	# the masks are made while the container's /dev/null is the hostile symlink.
	before=$(cat /proc/sys/kernel/core_pattern)
	sec_bundle sh -c '
		readlink /dev/null
		for f in /proc/keys /proc/timer_list; do echo "$f=[$(head -c 64 $f 2>&1)]"; done
		(echo "|/tmp/pwned %p" > /proc/keys) 2>&1; echo "after=[$(cat /proc/keys)]"
		(echo "|/tmp/pwned %p" > /dev/null) 2>&1 && echo WROTE-DEVNULL
		stat -c "%t:%T" /proc/keys'
	mkdir -p "$BATS_TEST_TMPDIR/scratch-dev"
	ln -s /proc/sys/kernel/core_pattern "$BATS_TEST_TMPDIR/scratch-dev/null"
	jq_config '.mounts |= map(select(.destination | startswith("/dev") | not))
		| .mounts += [{"destination": "/dev", "type": "bind", "source": $d, "options": ["rbind"]}]' \
		--arg d "$BATS_TEST_TMPDIR/scratch-dev"
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "${lines[0]}" = /proc/sys/kernel/core_pattern ]
	[[ $output == *"/proc/keys=[]"* ]] && [[ $output == *"/proc/timer_list=[]"* ]] && [[ $output == *"after=[]"* ]]
	[[ $output != *WROTE* ]]
	[ "${lines[-1]}" = "1:3" ]
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ]
	assert_host_untouched
}

@test "masked_paths_devnull: masked files and dirs read empty and are not writable, with a normal /dev" {
	sec_bundle sh -c '
		echo "timer_list=[$(head -c 16 /proc/timer_list)]"
		echo "keys=[$(cat /proc/keys)]"
		echo "firmware=[$(ls -A /sys/firmware)]"
		(echo x > /proc/keys) 2>&1; echo "after=[$(cat /proc/keys)]"
		touch /sys/firmware/x 2>&1 && echo WROTE-FIRMWARE
		stat -c "%t:%T" /proc/keys'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[[ $output == *"timer_list=[]"* ]] && [[ $output == *"keys=[]"* ]] && [[ $output == *"firmware=[]"* ]]
	[[ $output == *"after=[]"* ]]
	[[ $output != *WROTE* ]]
	# The mask is the null device 1:3.
	[ "${lines[-1]}" = "1:3" ]
	assert_host_untouched
}

@test "masked_paths_devnull: a masked path that is a symlink in the rootfs is masked where it resolves inside" {
	# maskedPaths naming a file through a rootfs symlink to a host path: the mask lands
	# inside the root, the host file is untouched.
	sec_bundle sh -c 'cat /secret; echo rc=$?'
	echo host-secret > "$HOSTDIR/secret"
	mkdir -p "$ROOTFS$HOSTDIR"
	echo rootfs-secret > "$ROOTFS$HOSTDIR/secret"
	ln -s "$HOSTDIR/secret" "$ROOTFS/secret"
	jq_config '.linux.maskedPaths += ["/secret"]'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "${lines[0]}" = rc=0 ]
	[ "$(cat "$HOSTDIR/secret")" = host-secret ]
	no_mounts_under "$HOSTDIR"
}
