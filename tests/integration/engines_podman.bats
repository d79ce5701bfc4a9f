#!/usr/bin/env bats
# engines_podman.bats -- podman 4.3 + conmon from Debian with berth as their runtime,
# side by side with runc on the same image: each operation's exit code and output agree,
# exec (podman exec, -d, -it) included.
# berth runs under its supervised name (bin/berth-runc): conmon reaps the container's
# init, as it does runc's. podman runs on private roots (storage, runroot, tmpdir under
# this file's directory) with the settings ../shared/engines gives for this host.
# podman passes its runtime no --root, so berth-runc keeps its state in its default
# /run/berth: every test removes the containers it made and checks that nothing of them
# is left there, in the cgroups, or as a process.

load ../lib/common

BERTH_RUNC=${BERTH_BIN%/*}/berth-runc
IMAGE=localhost/berth-test-busybox:1

pm() { "$PM/podman" "$@"; }  # RUNTIME ARGS...: podman with that runtime (setup_file)

setup_file() {
	command -v podman >/dev/null && command -v conmon >/dev/null || return 0
	export PM=$BATS_FILE_TMPDIR/podman
	mkdir -p "$PM"
	# RUNTIME ARGS...: podman on this file's private roots, with that runtime (a script,
	# so that script(1) can run it too).
	cat > "$PM/podman" <<-EOF
		#!/bin/sh
		rt=\$1
		shift
		CONTAINERS_CONF=$PM/containers.conf exec timeout --foreground 60 podman --root $PM/root --runroot $PM/runroot \\
		  --storage-driver vfs --tmpdir $PM/tmp --runtime "\$rt" "\$@"
	EOF
	chmod +x "$PM/podman"
	# Root here lacks CAP_SYS_RESOURCE: podman's default NOFILE/NPROC limits exceed the
	# hard ones and every runtime's setrlimit fails. No network: none is needed.
	cat > "$PM/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		log_driver = "k8s-file"
		netns = "none"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	EOF
	"$BERTH_LIB/make-bundle.sh" "$PM/bundle" true >/dev/null  # builds the cached rootfs
	tar -C "$BERTH_TEST_CACHE/rootfs" -c . | pm runc import - "$IMAGE" >/dev/null
}

teardown_file() {
	[ -n "${PM:-}" ] && [ -d "$PM" ] || return 0
	pm runc rm -a -f >/dev/null 2>&1 || true
	pm runc rmi -a -f >/dev/null 2>&1 || true
}

setup() {
	require_cmd podman conmon
	[ -x "$BERTH_RUNC" ] || skip "$BERTH_RUNC not built (make)"
	common_setup
}

# The containers this test made, removed; then none of berth's may be left.
teardown() {
	local ids id rc=0
	ids=$(pm runc ps -a -q --no-trunc 2>/dev/null)
	pm runc rm -a -f >/dev/null 2>&1 || true
	for id in $ids; do
		if [ -e "/run/berth/$id" ]; then echo "left: /run/berth/$id" >&2; rc=1; fi
		if compgen -G "/sys/fs/cgroup/*/libpod_parent/libpod-$id" >/dev/null; then
			echo "left: a cgroup of $id" >&2
			rc=1
		fi
		if [ "$(procs_naming "$id")" -ne 0 ]; then echo "left: a process naming $id" >&2; rc=1; fi
	done
	common_teardown || rc=1
	return $rc
}

@test "podman run --rm: the output and the exit code of the container, as with runc" {
	local rt
	for rt in runc "$BERTH_RUNC"; do
		run pm "$rt" run --rm "$IMAGE" sh -c 'echo hello from $(hostname); exit 3'
		echo "$rt: $output"
		assert_status 3
		assert_output_contains "hello from"
		run pm "$rt" run --rm "$IMAGE" true
		assert_success
		run pm "$rt" run --rm "$IMAGE" sh -c 'exit 130'
		assert_status 130
	done
}

@test "podman run -d, ps, logs, top, stats, stop, inspect after exit, rm: as with runc" {
	local rt name out
	for rt in runc "$BERTH_RUNC"; do
		name=d-$RANDOM
		run pm "$rt" run -d --name "$name" "$IMAGE" sh -c 'echo started; exec sleep 1000'
		assert_success
		run pm "$rt" ps --format '{{.Names}} {{.Status}}'
		assert_output_contains "$name Up"
		run pm "$rt" logs "$name"
		assert_success
		[ "$output" = started ]
		run pm "$rt" top "$name" pid args
		assert_success
		assert_output_contains "sleep 1000"
		run pm "$rt" stats --no-stream --format '{{.Name}} {{.PIDs}}' "$name"
		assert_success
		[ "$output" = "$name 1" ]
		run pm "$rt" stop -t 1 "$name"
		assert_success
		run pm "$rt" inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$name"
		assert_success
		echo "$rt: $output"
		[ "$output" = "exited 137" ]
		run pm "$rt" rm "$name"
		assert_success
		run pm "$rt" ps -a --format '{{.Names}}'
		[ -z "$output" ]
	done
}

@test "podman pause, unpause, kill and wait: as with runc" {
	local rt name
	for rt in runc "$BERTH_RUNC"; do
		name=p-$RANDOM
		run pm "$rt" run -d --name "$name" "$IMAGE" sleep 1000
		assert_success
		run pm "$rt" pause "$name"
		assert_success
		run pm "$rt" inspect -f '{{.State.Status}}' "$name"
		[ "$output" = paused ]
		run pm "$rt" unpause "$name"
		assert_success
		run pm "$rt" inspect -f '{{.State.Status}}' "$name"
		[ "$output" = running ]
		run pm "$rt" kill -s KILL "$name"
		assert_success
		run pm "$rt" wait "$name"
		assert_success
		[ "$output" = 137 ]
		run pm "$rt" rm "$name"
		assert_success
	done
}

@test "podman --memory, --pids-limit, --user and --read-only reach the container, as with runc" {
	local rt
	for rt in runc "$BERTH_RUNC"; do
		run pm "$rt" run --rm --memory 64m --pids-limit 42 --user 1000:1000 "$IMAGE" \
			sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; id -u'
		echo "$rt: $output"
		assert_success
		[ "$output" = "$(printf '67108864\n42\n1000')" ]
		# --read-only: a read-only root, and tmpfs mounts (tmpcopyup) where programs write
		run pm "$rt" run --rm --read-only "$IMAGE" \
			sh -c 'touch /x 2>/dev/null || echo ro; touch /tmp/x /run/x /var/tmp/x && echo writable; ls -ld /run /tmp | cut -c1-10'
		echo "$rt: $output"
		assert_success
		[ "$output" = "$(printf 'ro\nwritable\ndrwxr-xr-x\ndrwxrwxrwt')" ]
	done
}

@test "podman run -it: a terminal, its size, and the exit code through it, as with runc" {
	local rt
	for rt in runc "$BERTH_RUNC"; do
		# script(1) gives podman a pty of its own. The container reads a line first: it
		# arrives once podman has attached, so what it prints next is never before the
		# attach (podman 4.3 + conmon lose that, with runc as with berth-runc).
		run script -qec "stty cols 91 rows 33; $PM/podman $rt run -it --rm $IMAGE sh -c 'read go; tty; stty size; exit 5'" /dev/null <<<go
		echo "$rt: $output"
		assert_status 5
		assert_output_contains "/dev/pts/0"
		assert_output_contains "33 91"
	done
}

@test "podman exec: output, exit codes, -e, -u, -w, a missing program, and exec -it, as with runc" {
	local rt name
	for rt in runc "$BERTH_RUNC"; do
		name=x-$RANDOM
		run pm "$rt" run -d --name "$name" "$IMAGE" sleep 1000
		assert_success
		run pm "$rt" exec "$name" sh -c 'echo in $(hostname); exit 3'
		echo "$rt: $output"
		assert_status 3
		assert_output_contains "in "
		run pm "$rt" exec -e FOO=bar -u 1000:1000 -w /tmp "$name" sh -c 'echo $FOO $(id -u) $(pwd)'
		echo "$rt: $output"
		assert_success
		[ "$output" = "bar 1000 /tmp" ]
		# podman maps the runtime's "executable file not found" to 127
		runq pm "$rt" exec "$name" nope
		echo "$rt: $output"
		assert_status 127
		run pm "$rt" exec -d "$name" sleep 1000
		assert_success
		run pm "$rt" top "$name" args
		[ "$(grep -c 'sleep 1000' <<<"$output")" -eq 2 ]
		run script -qec "stty cols 77 rows 22; $PM/podman $rt exec -it $name sh -c 'tty; stty size; exit 6'" /dev/null </dev/null
		echo "$rt: $output"
		assert_status 6
		assert_output_contains "/dev/pts/"
		assert_output_contains "22 77"
		run pm "$rt" rm -f "$name"
		assert_success
	done
}

@test "berth-runc create leaves no shim: the init is its caller's to reap, and the record names none" {
	make_bundle sleep 1000 >/dev/null
	local id; id=$(new_id)
	runq "$BERTH_RUNC" --root "$ROOT" create -b "$BUNDLE" "$id"
	assert_success
	[ "$(jq .shimPid "$ROOT/$id/state.json")" = 0 ]
	[ ! -e "$ROOT/$id/shim.sock" ]
	[ "$(procs_naming "--state-dir=$ROOT/$id")" -eq 0 ]
	local pid ppid; pid=$(state_field berth "$id" .pid)
	ppid=$(awk '/^PPid:/{print $2}' "/proc/$pid/status")
	[ "$(cat "/proc/$ppid/comm")" != berth-shim ]
	"$BERTH_RUNC" --root "$ROOT" start "$id"
	[ "$(state_field berth "$id" .status)" = running ]
	"$BERTH_RUNC" --root "$ROOT" delete -f "$id"
	[ ! -e "$ROOT/$id" ]
}
