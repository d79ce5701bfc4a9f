#!/usr/bin/env bats
# Symlinked /proc or /sys (runc CVE-2019-19921, CVE-2023-27561, CVE-2023-28642; youki
# CVE-2025-54867).
#
# A rootfs whose /proc or /sys is a symlink would send the proc/sysfs mount, and then the
# masks, read-only remounts and procfs writes made by their literal name, elsewhere.
# berth requires a proc or sysfs destination to be a real directory (opened O_NOFOLLOW
# inside the root) and refuses otherwise, naming the destination.

load ../lib/common
load helpers/security

# hostile_link NAME TARGET -- replace the rootfs' /NAME by a symlink to TARGET.
hostile_link() {
	rm -rf "${ROOTFS:?}/$1"
	ln -s "$2" "$ROOTFS/$1"
}

@test "symlinked_proc_sys: /proc -> /evil is refused with an error naming /proc" {
	sec_bundle
	mkdir "$ROOTFS/evil"
	hostile_link proc /evil
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/proc"
	assert_output_contains "/mounts/0"
	# Nothing mounted or made through the link, inside or on the host.
	[ -z "$(ls -A "$ROOTFS/evil")" ]
	no_mounts_under "$ROOTFS"
	assert_host_untouched
}

@test "symlinked_proc_sys: /sys -> /evil is refused with an error naming /sys" {
	sec_bundle
	mkdir "$ROOTFS/evil"
	hostile_link sys /evil
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/sys"
	# the sysfs entry of the default config, not a later one
	assert_output_contains "/mounts/$(jq '.mounts | map(.type) | index("sysfs")' "$BUNDLE/config.json")"
	[ -z "$(ls -A "$ROOTFS/evil")" ]
	no_mounts_under "$ROOTFS"
	assert_host_untouched
}

@test "symlinked_proc_sys: /proc and /sys pointing at a host path (absolute, and ../..) are refused" {
	sec_bundle
	for target in "$HOSTDIR" "../../../../../../..$HOSTDIR" /evil; do
		hostile_link proc "$target"
		run berth create --bundle "$BUNDLE" "$(new_id)"
		assert_failure
		assert_output_contains "/proc"
		rm "$ROOTFS/proc" && mkdir "$ROOTFS/proc"
		hostile_link sys "$target"
		run berth create --bundle "$BUNDLE" "$(new_id)"
		assert_failure
		assert_output_contains "/sys"
		rm "$ROOTFS/sys" && mkdir "$ROOTFS/sys"
	done
	# The host's directory got no proc or sysfs and no new entry.
	[ ! -e "$HOSTDIR/self" ] && [ ! -e "$HOSTDIR/kernel/mm" ]
	assert_host_untouched
}

@test "symlinked_proc_sys: a proc destination made a symlink by an earlier bind mount is refused" {
	# The rootfs is clean, but an earlier mount of the config brings a tree whose "proc"
	# is a symlink: the check is made at mount time, on what is there then.
	sec_bundle
	mkdir -p "$BATS_TEST_TMPDIR/scratch/evil"
	ln -s /evil "$BATS_TEST_TMPDIR/scratch/proc"
	jq_config '.mounts = [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["rbind"]},
		{"destination": "/mnt/proc", "type": "proc", "source": "proc"}] + .mounts' \
		--arg s "$BATS_TEST_TMPDIR/scratch"
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/mnt/proc"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/scratch/evil")" ]
	assert_host_untouched
}

@test "symlinked_proc_sys: the normal layout still works (the refusal is not blanket)" {
	sec_bundle sh -c 'test -d /proc/self && test -d /sys/kernel && echo ok'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "$output" = ok ]
	assert_host_untouched
}
