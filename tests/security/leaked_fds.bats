#!/usr/bin/env bats
# Leaked runtime fds (runc CVE-2016-9962, CVE-2024-21626; crun fd leaks).
#
# A host directory fd that survives into the container lets process.cwd =
# /proc/self/fd/N put the process in the host's mount tree. berth resolves the cwd
# inside the root (magic links refused), checks the cwd is below the root, and closes
# every fd but stdio and --preserve-fds before exec.
# The same holds for `berth exec --cwd /proc/self/fd/N` (and /proc/1/fd/N, the init's),
# with the caller holding host directory fds, and for the fds an exec'd process gets.

load ../lib/common
load helpers/security

# The caller holds host directory fds, as an orchestrator might: none may reach the
# container nor serve as its cwd.
open_host_fds() {
	exec 5<"$HOSTDIR" 6<"$BATS_TEST_TMPDIR" 7</ 8<"$HOSTDIR/sentinel" 9</etc
}
close_host_fds() {
	exec 5<&- 6<&- 7<&- 8<&- 9<&-
}

@test "leaked_fds: process.cwd=/proc/self/fd/N for N in 3..64 fails or stays in the rootfs" {
	sec_bundle sh -c 'pwd; ls /; cat sentinel 2>&1; ls ../../../../.. 2>&1'
	echo rootfs-marker > "$ROOTFS/rootfs-marker"
	want_ls=$(ls "$ROOTFS")
	open_host_fds
	failed=0 inside=0
	for n in $(seq 3 64); do
		jq_config '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		run berth run --bundle "$BUNDLE" "$(new_id)"
		if [ "$status" -ne 0 ]; then
			failed=$((failed + 1))
			# A clean error that names the cwd, not a process that ran somewhere.
			assert_output_contains "/process/cwd"
			[[ $output != *host-sentinel* ]]
			continue
		fi
		# It ran: then its cwd and everything it sees is the rootfs.
		[[ $output != *host-sentinel* ]]
		[[ $output == *rootfs-marker* ]]
		inside=$((inside + 1))
	done
	close_host_fds
	echo "# cwd /proc/self/fd/3..64: $failed refused, $inside ran inside the rootfs" >&3
	[ $((failed + inside)) -eq 62 ]
	assert_host_untouched
}

@test "leaked_fds: a cwd that is a symlink to the host's path, or climbs out with .., stays in the rootfs" {
	sec_bundle sh -c 'pwd; ls; cat sentinel 2>&1; true'
	ln -s "$HOSTDIR" "$ROOTFS/hostlink"
	jq_config '.process.cwd = "/hostlink"'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	# RESOLVE_IN_ROOT follows the absolute link inside the root: a fresh, empty dir.
	[[ $output != *host-sentinel* ]]
	jq_config '.process.cwd = "/../../../../../../../"'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "${lines[0]}" = / ]
	[[ $output != *host-sentinel* ]]
	[[ $output == *bin* ]]
	assert_host_untouched
}

@test "leaked_fds: /proc/1/fd of the container lists only its stdio (plus --preserve-fds)" {
	sec_bundle sh -c 'ls /proc/1/fd; echo ==; ls /proc/self/fd'
	open_host_fds
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_success
	[ "$(echo "${output%%==*}" | xargs)" = "0 1 2" ]
	# ls itself: 0 1 2 and its own directory fd.
	[ "$(echo "${output##*==}" | xargs)" = "0 1 2 3" ]

	# --preserve-fds 2 passes 3 and 4 (here the caller's host fds 3 and 4 are opened
	# on purpose) and nothing above them.
	# (no pipe in the container's sh: a pipeline's fds are its own, and ls may list them)
	jq_config '.process.args = ["sh", "-c", "ls /proc/1/fd; echo ==; cat /proc/1/fdinfo/3 >/dev/null && echo has3"]'
	id=$(new_id)
	# (fd 3 is bats' own output: redirect only for this command)
	output=$("$BERTH_BIN" --root "$ROOT" run --preserve-fds 2 --bundle "$BUNDLE" "$id" \
		3<"$HOSTDIR/sentinel" 4<"$HOSTDIR/sentinel" 2>&1) && status=0 || status=$?
	close_host_fds
	echo "$output" >&2
	assert_success
	[ "$(echo "${output%%==*}" | xargs)" = "0 1 2 3 4" ]
	[ "$(echo "${output##*==}" | xargs)" = has3 ]
	assert_host_untouched
}

@test "leaked_fds: --preserve-fds slots the caller left empty pass on none of berth's own fds" {
	# runc 1.1.5 here passes its /sys/fs/cgroup fd, an epoll and a pipe in such slots;
	# berth passed the program's fd, its private procfs and the sync socket.
	# ls a child of sh, without a pipe: a pipeline's fds in pid 1 (sh) showed as fd 3 now and then
	sec_bundle sh -c 'ls /proc/1/fd; true'
	id=$(new_id)
	# --preserve-fds 4 promises 3..6; the caller passes only 5 (bats' fd 3 is closed
	# for this command).
	output=$("$BERTH_BIN" --root "$ROOT" run --preserve-fds 4 --bundle "$BUNDLE" "$id" \
		3>&- 4>&- 6>&- 5<"$HOSTDIR/sentinel" 2>&1) && status=0 || status=$?
	echo "$output" >&2
	assert_success
	[ "$(echo $output)" = "0 1 2 5" ]
	assert_host_untouched
}

@test "leaked_fds: every fd above stdio of the created init is close-on-exec" {
	# The waiting init (a clone of the CLI) may still hold what the caller left open,
	# as runc's does, but nothing of it may survive the exec of the user process.
	sec_bundle sleep 10
	open_host_fds
	id=$(new_id)
	berth create --bundle "$BUNDLE" "$id"
	close_host_fds
	pid=$(berth state "$id" | jq -r .pid)
	n=0
	for info in /proc/"$pid"/fdinfo/*; do
		fd=${info##*/}
		[ "$fd" -le 2 ] && continue
		flags=$(awk '/^flags:/ {print $2}' "$info")
		if (( (8#$flags & 8#2000000) == 0 )); then
			echo "fd $fd -> $(readlink /proc/$pid/fd/$fd) is not close-on-exec (flags $flags)" >&2
			return 1
		fi
		n=$((n + 1))
	done
	[ "$n" -ge 1 ]
	berth start "$id"
	# After the exec: only stdio.
	[ "$(ls /proc/"$pid"/fd | xargs)" = "0 1 2" ]
	berth delete -f "$id"
	assert_host_untouched
}

@test "leaked_fds: exec --cwd /proc/self/fd/N and /proc/1/fd/N for N in 3..40 fail or stay in the rootfs" {
	sec_bundle sleep 1000
	echo rootfs-marker > "$ROOTFS/rootfs-marker"
	id=$(new_id)
	berth run -d --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
	open_host_fds
	failed=0 inside=0
	for n in $(seq 3 40); do
		for cwd in "/proc/self/fd/$n" "/proc/1/fd/$n"; do
			run berth exec --cwd "$cwd" "$id" sh -c 'pwd; ls /; cat sentinel 2>&1; true'
			[[ $output != *host-sentinel* ]]
			if [ "$status" -ne 0 ]; then
				failed=$((failed + 1))
				assert_output_contains "/process/cwd"
				continue
			fi
			[[ $output == *rootfs-marker* ]]
			inside=$((inside + 1))
		done
	done
	close_host_fds
	echo "# exec --cwd: $failed refused, $inside ran inside the rootfs" >&3
	[ $((failed + inside)) -eq 76 ]
	assert_host_untouched
}

@test "leaked_fds: a process exec'd with host fds open in the caller gets only its stdio" {
	sec_bundle sleep 1000
	id=$(new_id)
	berth run -d --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1
	open_host_fds
	run berth exec "$id" sh -c 'for f in /proc/self/fd/*; do echo "$f $(readlink $f)"; done'
	close_host_fds
	echo "$output" >&2
	assert_success
	# 0, 1, 2 and the glob's own directory fd, nothing of the host's
	[ "${#lines[@]}" -le 4 ]
	[[ $output != *"$HOSTDIR"* ]] && [[ $output != *"$BATS_TEST_TMPDIR"* ]] && [[ $output != *" /etc"* ]]
	assert_host_untouched
}
