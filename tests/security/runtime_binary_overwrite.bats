#!/usr/bin/env bats
# Runtime binary overwritten (runc CVE-2019-5736; crun and youki fixed the same).
#
# The container must never execute, nor get a writable handle on, the host's berth
# binary. create and run re-execute from a read-only, noexec view of the binary
# (libcontainer/sys/sealed_exe.hpp), so their clone, the container init, has no writable
# exe for anyone to reach through /proc/PID/exe or a fd, and nothing in the container can
# execute it through any "#!" chain; the init is non-dumpable until it execs the user's
# program, and refuses a program that is the berth binary itself (checked on the fd it
# execs). These tests run a copy of the binaries.
# `berth exec` re-executes from the view too, and its joining process (a clone of it,
# non-dumpable from before it enters the container's namespaces) is attacked the same way.

load ../lib/common
load helpers/security

# racer_got_nothing ROOTFS -- stops the exe racer in ROOTFS (its /stop), then requires that it
# opened no runtime binary for writing, reopened none, and did see processes come and go
# (else it tested nothing)
racer_got_nothing() {
	local i summary seen
	touch "$1/stop"
	for i in $(seq 200); do grep -q '^seen=' "$BATS_TEST_TMPDIR/racer.out" && break; sleep 0.05; done
	cat "$BATS_TEST_TMPDIR/racer.out" >&3 || true
	summary=$(grep '^seen=' "$BATS_TEST_TMPDIR/racer.out")
	[[ $summary == *" wr_ok=0 "* ]]
	[[ $summary == *" reopen_ok=0" ]]
	seen=${summary#seen=}
	seen=${seen%% *}
	[ "$seen" -gt 0 ]
	assert_host_untouched
}

@test "runtime_binary_overwrite: args [/proc/self/exe] is refused and the binary is unchanged" {
	sec_bundle /proc/self/exe
	id=$(new_id)
	run berth create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output_contains "refusing to execute the runtime binary"
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "refusing to execute the runtime binary"
	assert_host_untouched
}

# A copy of the binaries under test: these tests try to get the binary opened for
# writing (they never write), and must not risk the one the other tests use.
use_binary_copy() {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$BERTH_BIN" "$(dirname "$BERTH_BIN")/berth-shim" "$BATS_TEST_TMPDIR/bin/"
	BERTH_BIN=$BATS_TEST_TMPDIR/bin/berth
	sec_host_resnapshot
}

@test "runtime_binary_overwrite: a chain of five #! scripts ending in /proc/self/exe never runs the berth binary" {
	use_binary_copy
	sec_bundle /c1
	# The kernel follows four more interpreters than the program; berth walks none of
	# them: the exe the chain ends in is a read-only, noexec view of the binary.
	for i in 1 2 3 4; do printf '#!/c%d\n' $((i + 1)) > "$ROOTFS/c$i"; done
	printf '#!/proc/self/exe\n' > "$ROOTFS/c5"
	chmod 755 "$ROOTFS"/c?
	run berth run --bundle "$BUNDLE" "$(new_id)"
	echo "$output" >&2
	[ "$status" -eq 126 ]
	assert_output_contains "exec /c1: Permission denied"
	# berth's own words, had it run ("A subcommand is required"), are not there
	[[ $output != *subcommand* ]]
	assert_host_untouched
}

@test "runtime_binary_overwrite: an interpreter swapped for /proc/self/exe between create and start never runs the berth binary" {
	use_binary_copy
	sec_bundle /s1
	printf '#!/interp\n' > "$ROOTFS/s1"
	chmod 755 "$ROOTFS/s1"
	ln -s /bin/true "$ROOTFS/interp"
	id=$(new_id)
	# Checked at create: a harmless interpreter.
	berth create --bundle "$BUNDLE" "$id" 2> "$BATS_TEST_TMPDIR/b.out"
	# Swapped before start: what runs is whatever the kernel resolves then.
	ln -sfn /proc/self/exe "$ROOTFS/interp"
	berth start "$id" || true
	for i in $(seq 200); do [ "$(berth state "$id" | jq -r .status)" = stopped ] && break; sleep 0.05; done
	cat "$BATS_TEST_TMPDIR/b.out" >&2
	grep -q "exec /s1: Permission denied" "$BATS_TEST_TMPDIR/b.out"
	! grep -q subcommand "$BATS_TEST_TMPDIR/b.out"
	assert_host_untouched
}

@test "runtime_binary_overwrite: the init's /proc/PID/exe, held from create on, can never be reopened for writing" {
	use_binary_copy
	sec_bundle sleep 1000
	id=$(new_id)
	berth create --bundle "$BUNDLE" "$id"
	pid=$(berth state "$id" | jq -r .pid)
	# What CVE-2019-5736 did from inside, done here with the host's rights: hold the
	# init's exe while it is berth, and reopen it for writing once berth is gone.
	exec 9< "/proc/$pid/exe"
	berth start "$id"
	berth delete --force "$id"
	run bash -c ': >> /proc/self/fd/9'
	exec 9<&-
	echo "$output" >&2
	assert_failure
	assert_output_contains "Read-only file system"
	assert_host_untouched
}

@test "runtime_binary_overwrite: a container racing open(/proc/PID/exe, O_WRONLY) on every new pid gets nothing" {
	racer=$(sec_helper exe_racer)
	# Container A: the attacker. Its pid namespace is joined by container B, so B's init
	# (a clone of berth, until it execs) is visible to A while B is created.
	sec_bundle /exe_racer /stop
	cp "$racer" "$BUNDLE/rootfs/exe_racer"
	A=$BUNDLE
	ida=$(new_id a)
	berth create --bundle "$A" "$ida" > "$BATS_TEST_TMPDIR/racer.out" 2>&1
	berth start "$ida"
	for i in $(seq 200); do grep -q ready "$BATS_TEST_TMPDIR/racer.out" && break; sleep 0.05; done
	grep -q ready "$BATS_TEST_TMPDIR/racer.out"
	apid=$(berth state "$ida" | jq -r .pid)

	# Container B: creates that join A's pid namespace, half of them with the
	# /proc/self/exe as the program (refused), half with a harmless one (run to the end).
	BUNDLE=$BATS_TEST_TMPDIR/bundle-b
	sec_bundle /proc/self/exe
	jq_config '(.linux.namespaces[] | select(.type == "pid")) |= (.path = $p)' --arg p "/proc/$apid/ns/pid"
	# Read-only: a B process the racer catches after its exec has B's busybox as its
	# exe, which the racer may hold; reopening that for writing must fail too.
	jq_config '.root.readonly = true'
	refused=0
	for i in $(seq 10); do
		jq_config '.process.args = ["/proc/self/exe"]'
		run berth run --bundle "$BUNDLE" "$(new_id b)"
		[ "$status" -ne 0 ] && [[ $output == *"refusing to execute the runtime binary"* ]] && refused=$((refused + 1))
		jq_config '.process.args = ["/bin/true"]'
		run berth run --bundle "$BUNDLE" "$(new_id b)"
		assert_success
	done
	[ "$refused" -eq 10 ]

	racer_got_nothing "$A/rootfs"
}

@test "runtime_binary_overwrite: a container racing open(/proc/PID/exe, O_WRONLY) on every process exec'd into it gets nothing" {
	racer=$(sec_helper exe_racer)
	# The attacker is the container's init; every `berth exec` puts a clone of berth
	# into its pid namespace until that clone execs the program.
	sec_bundle /exe_racer /stop
	cp "$racer" "$BUNDLE/rootfs/exe_racer"
	# Read-only: the exe of a process after its exec is the container's own busybox,
	# which the racer may hold; reopening that for writing must fail too.
	jq_config '.root.readonly = true'
	id=$(new_id a)
	berth create --bundle "$BUNDLE" "$id" > "$BATS_TEST_TMPDIR/racer.out" 2>&1
	berth start "$id"
	for i in $(seq 200); do grep -q ready "$BATS_TEST_TMPDIR/racer.out" && break; sleep 0.05; done
	grep -q ready "$BATS_TEST_TMPDIR/racer.out"
	refused=0
	for i in $(seq 15); do
		run berth exec "$id" /proc/self/exe
		[ "$status" -ne 0 ] && [[ $output == *"refusing to execute the runtime binary"* ]] && refused=$((refused + 1))
		run berth exec "$id" /bin/true
		assert_success
	done
	[ "$refused" -eq 15 ]
	racer_got_nothing "$BUNDLE/rootfs"
}

@test "runtime_binary_overwrite: create, run and exec re-execute from the read-only view at the entry point, before the C library; other commands do not" {
	use_binary_copy
	command -v strace >/dev/null || skip "strace is not installed"
	make_bundle true >/dev/null
	local log=$BATS_TEST_TMPDIR/trace id
	id=$(new_id)
	_track_from_args run "$id"
	# Only the CLI is traced (no -f): the shim it leaves behind is not waited for.
	strace -qq -s 4096 -e trace=execve,execveat,open_tree,brk,arch_prctl -o "$log" \
		"$BERTH_BIN" --root "$ROOT" run --bundle "$BUNDLE" "$id"
	# The first image makes no call of the C library's start-up (brk, arch_prctl)
	# before it has made the view and re-executed from it.
	run sed -E 's/\(.*//' "$log"
	echo "$output" >&2
	[ "${lines[0]}" = execve ]
	[ "${lines[1]}" = open_tree ]
	[ "${lines[2]}" = execveat ]
	# from the view's fd, with the real path as argv[0] (berth-shim is found beside it)
	grep -qF "\"\", [\"$(readlink -f "$BERTH_BIN")\"," "$log"
	# exec as well, before its first library call
	strace -qq -e trace=execve,execveat,open_tree,brk,arch_prctl -o "$log" \
		"$BERTH_BIN" --root "$ROOT" exec nonexistent true || true
	run sed -E 's/\(.*//' "$log"
	[ "${lines[0]}" = execve ] && [ "${lines[1]}" = open_tree ] && [ "${lines[2]}" = execveat ]
	strace -qq -e trace=execveat,open_tree -o "$log" "$BERTH_BIN" --root "$ROOT" state nonexistent || true
	run grep -cE '^(execveat|open_tree)' "$log"
	[ "$output" = 0 ]
}
