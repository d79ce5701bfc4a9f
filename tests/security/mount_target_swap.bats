#!/usr/bin/env bats
# Mount target swapped during mount (runc CVE-2021-30465, CVE-2024-45310; crun
# CVE-2019-18837).
#
# Every mount destination is resolved with openat2(RESOLVE_IN_ROOT) from a dirfd of the
# rootfs, missing components are made with mkdirat on the resolved parent, and the mount
# is attached to the opened fd (move_mount): a symlink, "..", or a racer swapping a
# component for a symlink can move the mount elsewhere inside the root, never outside.

load ../lib/common
load helpers/security

# mounts_of PID -- "mountpoint source" of every mount of a container, as its init sees
# them (relative to its root: a mount outside the root would not be listed).
mounts_of() {
	awk '{ for (i = 7; $i != "-"; i++); print $5, $(i + 2) }' /proc/"$1"/mountinfo
}

@test "mount_target_swap: destinations through symlinks and .. land inside the rootfs" {
	sec_bundle sh -c 'cat /etc/x/passwd; ls -d /etc/x/sub /tmp/esc /up$H/deep'
	jq_config '.process.env += ["H=" + $h]' --arg h "$HOSTDIR"
	mkdir -p "$BATS_TEST_TMPDIR/scratch"
	echo from-bind > "$BATS_TEST_TMPDIR/scratch/file"
	ln -s "$HOSTDIR/etc" "$ROOTFS/etc/x"        # absolute: the host's directory on the host
	ln -s ../../../../../../../.. "$ROOTFS/up"   # climbs out of the rootfs on the host
	jq_config '.mounts += [
		{"destination": "/etc/x/sub", "type": "tmpfs", "source": "sec-sub"},
		{"destination": "/etc/x/passwd", "type": "bind", "source": $f, "options": ["bind"]},
		{"destination": "/../../../../tmp/esc", "type": "tmpfs", "source": "sec-esc"},
		{"destination": ("/up" + $h + "/deep"), "type": "tmpfs", "source": "sec-deep"}]' \
		--arg f "$BATS_TEST_TMPDIR/scratch/file" --arg h "$HOSTDIR"
	id=$(new_id)
	run berth run --bundle "$BUNDLE" "$id"
	assert_success
	[ "${lines[0]}" = from-bind ]
	# What the links resolve to inside the root was created in the rootfs copy.
	[ -d "$ROOTFS$HOSTDIR/etc/sub" ] && [ -f "$ROOTFS$HOSTDIR/etc/passwd" ]
	[ -d "$ROOTFS/tmp/esc" ] && [ -d "$ROOTFS$HOSTDIR/deep" ]
	# The host's directory is as it was (no sub, no deep, passwd unchanged).
	[ ! -e "$HOSTDIR/etc/sub" ] && [ ! -e "$HOSTDIR/deep" ] && [ ! -e "$BATS_TEST_TMPDIR/tmp" ]
	[ "$(cat "$HOSTDIR/etc/passwd")" = host-etc ]
	assert_host_untouched
}

@test "mount_target_swap: 200 creates against a racer swapping directories for symlinks out of the root" {
	racer=$(sec_helper swap_racer)
	export BATS_TEST_TMPDIR
	seed=$(sec_seed)
	sec_bundle sleep 100
	mkdir -p "$BATS_TEST_TMPDIR/scratch"
	echo from-bind > "$BATS_TEST_TMPDIR/scratch/file"
	# /a and /b flip between a directory and a symlink to the host's $HOSTDIR (absolute
	# and through ..); the config mounts below them, creating what is missing.
	jq_config '.mounts += [
		{"destination": "/a/t/u", "type": "tmpfs", "source": "race-a"},
		{"destination": "/a/f", "type": "bind", "source": $f, "options": ["bind"]},
		{"destination": "/b/t", "type": "tmpfs", "source": "race-b"}]' \
		--arg f "$BATS_TEST_TMPDIR/scratch/file"
	sec_bg "$BATS_TEST_TMPDIR/racer.out" "$racer" "$seed" "$BATS_TEST_TMPDIR/scratch/stop" "$ROOTFS" \
		a "$HOSTDIR" b "../../../../../../../..$HOSTDIR"
	racer_pid=$BG_PID
	wait_for_line "$BATS_TEST_TMPDIR/racer.out" '^ready'
	# The loop runs in a plain bash (bats' per-command tracing would make it slow);
	# it prints "ok failed" and the problems found, one per line after a "--".
	export HOSTDIR ROOT BERTH_BIN BUNDLE
	bash > "$BATS_TEST_TMPDIR/loop.out" 3>&- <<'LOOP'
		ok=0 failed=0 log=$BATS_TEST_TMPDIR/create.log
		for i in $(seq 200); do
			id=race-$$-$i
			if "$BERTH_BIN" --root "$ROOT" create --bundle "$BUNDLE" "$id" > "$log" 2>&1; then
				ok=$((ok + 1))
				pid=$("$BERTH_BIN" --root "$ROOT" state "$id" | jq -r .pid)
				# Both tmpfs mounts are visible from the container's root (a mount that
				# had landed outside it would be missing).
				n=$(awk '{ for (i = 7; $i != "-"; i++); print $(i + 2) }' /proc/"$pid"/mountinfo | grep -cE '^race-(a|b)$')
				[ "$n" -eq 2 ] || echo "iteration $i: $n race mounts: $(cat /proc/$pid/mountinfo)" >> "$log.bad"
			else
				failed=$((failed + 1))
				# A failure must be a clean error naming the mount, not a crash.
				grep -q '/mounts/' "$log" || echo "iteration $i: $(cat "$log")" >> "$log.bad"
			fi
			"$BERTH_BIN" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 ||
				echo "iteration $i: delete failed" >> "$log.bad"
			# Stop at the first file made outside the root.
			if [ -n "$(ls -A "$HOSTDIR" | grep -vxE 'etc|sys|sentinel')" ]; then
				echo "iteration $i: created in the host's dir: $(ls -A "$HOSTDIR")" >> "$log.bad"
				break
			fi
		done
		echo "$ok $failed"
		echo --
		cat "$log.bad" 2>/dev/null || true
LOOP
	read -r ok failed < "$BATS_TEST_TMPDIR/loop.out"
	bad=$(sed '1,/^--$/d' "$BATS_TEST_TMPDIR/loop.out")
	touch "$BATS_TEST_TMPDIR/scratch/stop"
	wait "$racer_pid"
	echo "# seed=$seed: $ok creates succeeded, $failed failed cleanly; racer $(tail -1 "$BATS_TEST_TMPDIR/racer.out")" >&3
	if [ -n "$bad" ]; then
		echo "$bad" >&2
		return 1
	fi
	[ "$(cat "$HOSTDIR/etc/passwd")" = host-etc ]
	assert_host_untouched
}
