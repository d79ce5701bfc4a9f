#!/usr/bin/env bats
# root.path and mount destinations that lead out with "..".
#
# root.path is resolved once, relative to the bundle and canonicalised, and only the
# result is used afterwards; a relative root.path that resolves outside the bundle is
# refused naming /root/path (runc 1.1.5 accepts it and makes /proc, /dev, /sys... in
# whatever directory it names; berth follows this issue's rule instead). An absolute
# root.path may be anywhere, as podman and containerd pass them.
# Mount destinations: a relative one is relative to "/" (runtime-spec, deprecated) and
# ".." is cleaned lexically and stops at "/", as runc's SecureJoin does. runc 1.1.5
# cleans "/tmp/../dev" and "/dev/" to "/dev" (checked by hand: a host directory bound
# there gets no device nodes) but not "dev", where it fills the bound host directory
# with null, zero, ptmx...; berth cleans all three.

load ../lib/common
load helpers/security

@test "rootfs_path: a relative root.path leading outside the bundle is refused, nothing made there" {
	sec_bundle true
	local outside=$BATS_TEST_TMPDIR/outside
	mkdir -p "$outside"
	sec_host_resnapshot
	local p
	for p in ../outside rootfs/../../outside ./../outside/.; do
		jq_config '.root.path = $p' --arg p "$p"
		run berth create --bundle "$BUNDLE" "$(new_id)"
		assert_failure
		assert_output_contains "/root/path"
		assert_output_contains "must stay inside the bundle"
	done
	# A symlink in the bundle leading out is the same request.
	ln -s ../outside "$BUNDLE/out-link"
	jq_config '.root.path = "out-link"'
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/root/path"
	rm "$BUNDLE/out-link"
	[ -z "$(ls -A "$outside")" ]
	[ -z "$(ls -A "$ROOT")" ]
	assert_host_untouched
}

@test "rootfs_path: relative root.path inside the bundle and absolute root.path elsewhere both run" {
	sec_bundle sh -c 'echo ran'
	jq_config '.root.path = "rootfs/../rootfs/"'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_contains ran
	# Absolute: the rootfs moved out of the bundle, beside it.
	mv "$BUNDLE/rootfs" "$BATS_TEST_TMPDIR/rootfs-abs"
	jq_config '.root.path = $p' --arg p "$BATS_TEST_TMPDIR/rootfs-abs"
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_contains ran
	run jq -r .root.path "$BUNDLE/config.json"
	[[ "$output" == /* ]]
	assert_host_untouched
}

@test "rootfs_path: a host directory bound at /dev spelled with .. or a trailing / gets no device nodes" {
	sec_bundle true
	local d
	for d in /tmp/../dev /dev/ dev dev/. ../../dev; do
		jq_config '.mounts |= map(select(.destination | startswith("/dev") | not))
			| .mounts += [{destination: $d, type: "bind", source: $s, options: ["rbind"]}]' \
			--arg d "$d" --arg s "$HOSTDIR"
		run berth run --bundle "$BUNDLE" "$(new_id)"
		# The container may fail without /dev/null; the host directory must not change.
		if [ -n "$(find "$HOSTDIR" -mindepth 1 \( -type c -o -type l -o -name pts -o -name shm \) -print -quit)" ]; then
			echo "destination $d: berth made /dev entries in the bound host directory:" >&2
			ls -la "$HOSTDIR" >&2
			return 1
		fi
	done
	assert_host_untouched
}

@test "rootfs_path: mount destinations with .. or relative ones land inside the rootfs" {
	sec_bundle sh -c 'cat /m1/sentinel /m2/sentinel /m3/sentinel'
	local up=../../../../../../../../..
	jq_config '.mounts += [
			{destination: ($up + "/m1"), type: "bind", source: $s, options: ["rbind", "ro"]},
			{destination: "m2", type: "bind", source: $s, options: ["rbind", "ro"]},
			{destination: ("/m3/" + $up + "/m3"), type: "bind", source: $s, options: ["rbind", "ro"]}]' \
		--arg up "$up" --arg s "$HOSTDIR"
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "${lines[0]}" = host-sentinel ]
	[ "${lines[2]}" = host-sentinel ]
	[ -d "$ROOTFS/m1" ] && [ -d "$ROOTFS/m2" ] && [ -d "$ROOTFS/m3" ]
	[ ! -e /m1 ] && [ ! -e /m2 ] && [ ! -e /m3 ]
	assert_host_untouched
}
