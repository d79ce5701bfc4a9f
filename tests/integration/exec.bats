#!/usr/bin/env bats
# exec.bats -- `berth exec` on real busybox containers, side by side with `runc exec` on
# the same bundle: exit codes, the namespaces and cgroups the process joins, what it
# inherits of the container (capabilities, seccomp, rlimits, no_new_privs, user, env),
# runc's flags, -p process.json, -d with --pid-file, terminals, signals, and what a
# failed exec leaves (nothing).

load ../lib/common

# A running container ID made by RUNTIME_FN (berth or runc_) from $BUNDLE.
start_sleeper() {  # RUNTIME_FN ID
	q "$1" run -d -b "$BUNDLE" "$2"
	wait_status "$1" "$2" running
}

# Both runtimes run the same bundle, ids $B and $R.
two_sleepers() {
	B=$(new_id)
	R=$(new_id)
	start_sleeper berth "$B"
	start_sleeper runc_ "$R"
}

# The pids in a container's cgroup (its pids hierarchy), as ps would list them.
container_pids() {  # ID
	cat "$(journal_dirs "$1" leaf /sys/fs/cgroup/pids)/cgroup.procs"
}

@test "exec: exit codes as runc's: the status, 128+N after signal N, 255 for an exec that fails" {
	make_bundle sleep 1000
	two_sleepers
	for rt in berth runc_; do
		id=$B
		[ "$rt" = runc_ ] && id=$R
		run "$rt" exec "$id" sh -c 'exit 3'
		[ "$status" -eq 3 ]
		run "$rt" exec "$id" sh -c 'kill -9 $$'
		[ "$status" -eq 137 ]
		run "$rt" exec "$id" nope
		[ "$status" -eq 255 ]
		assert_output_contains 'executable file not found in $PATH'
		run "$rt" exec "$id" true
		[ "$status" -eq 0 ]
	done
	run berth exec nosuch true
	[ "$status" -eq 255 ]
	assert_output_contains "container does not exist"
}

@test "exec: output, the environment, --env, --cwd, --user and -g as with runc" {
	make_bundle sleep 1000
	jq_config '.process.env += ["KEEP=1"] | .process.user.additionalGids = [9]'
	two_sleepers
	local cmd='pwd; id; echo "$KEEP $A $PATH $HOME"'
	local flags=(--cwd /tmp -e A=x -e PATH=/usr/bin:/bin -u 1000:1001 -g 5 -g 6)
	diff <(berth exec "${flags[@]}" "$B" sh -c "$cmd" 2>&1) <(runc_ exec "${flags[@]}" "$R" sh -c "$cmd" 2>&1)
	run berth exec "${flags[@]}" "$B" sh -c "$cmd"
	[ "${lines[0]}" = /tmp ]
	[ "${lines[1]}" = "uid=1000 gid=1001 groups=5,6,9" ]
	# HOME from the container's /etc/passwd, which has no uid 1000: "/"
	[ "${lines[2]}" = "1 x /usr/bin:/bin /" ]
}

@test "exec: the process is in every namespace of the init, the time, cgroup and user ones included" {
	make_bundle sleep 1000
	jq_config '.linux.namespaces += [{"type":"time"},{"type":"cgroup"},{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.timeOffsets = {"boottime":{"secs":86400,"nanosecs":0}}'
	id=$(new_id)
	start_sleeper berth "$id"
	init=$(state_field berth "$id" .pid)
	berth exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$id" sleep 1000
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	[ "$pid" -gt 0 ] && [ "$pid" != "$init" ]
	for ns in pid mnt net ipc uts user cgroup time; do
		[ "$(readlink /proc/$pid/ns/$ns)" = "$(readlink /proc/$init/ns/$ns)" ] || { echo "$ns differs" >&2; false; }
		[ "$(readlink /proc/$pid/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ]
	done
	# Root in the container's user namespace, its clocks shifted as the init's.
	run berth exec "$id" sh -c 'id -u; cat /proc/self/uid_map; cut -d. -f1 /proc/uptime'
	assert_success
	[ "${lines[0]}" = 0 ]
	[[ ${lines[1]} == *100000*65536* ]]
	[ "${lines[2]}" -ge 86400 ]
	# Its pid in the container's pid namespace is listed there.
	berth exec "$id" ps -o pid,comm | grep -q sleep
}

@test "exec: the process is in the container's cgroups, or a sub-cgroup with --cgroup; a bad one is refused" {
	make_bundle sleep 1000
	id=$(new_id)
	start_sleeper berth "$id"
	init=$(state_field berth "$id" .pid)
	berth exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$id" sleep 1000
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	diff /proc/$pid/cgroup /proc/$init/cgroup
	kill -9 "$pid"
	leaf=$(journal_dirs "$id" leaf /sys/fs/cgroup/pids)
	mkdir "$leaf/sub"
	run berth exec --cgroup pids:sub "$id" cat /proc/self/cgroup
	assert_success
	assert_output_contains "pids:/$id/sub"
	assert_output_contains "memory:"
	[[ $output != *"memory:/$id/sub"* ]]
	rmdir "$leaf/sub"
	run berth exec --cgroup nosuch "$id" true
	[ "$status" -eq 255 ]
	assert_output_contains "nosuch"
	run berth exec --cgroup ../.. "$id" true
	[ "$status" -eq 255 ]
	run berth exec --cgroup nocontroller:x "$id" true
	[ "$status" -eq 255 ]
	assert_output_contains "no cgroup with the controller nocontroller"
	# Nothing of the refused ones is left running.
	for i in $(seq 100); do [ "$(container_pids "$id")" = "$init" ] && break; sleep 0.05; done
	[ "$(container_pids "$id")" = "$init" ]
}

@test "exec: capabilities, --cap, no_new_privs, seccomp and rlimits as the init's and as runc's" {
	make_bundle sleep 1000
	jq_config '.process.noNewPrivileges = false
		| .process.rlimits = [{"type":"RLIMIT_NOFILE","hard":1000,"soft":900}]
		| .linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdirat","mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}'
	two_sleepers
	local show='grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status; ulimit -n; ulimit -Hn; mkdir /tmp/x 2>&1; true'
	init=$(state_field berth "$B" .pid)
	run berth exec "$B" sh -c "$show"
	assert_success
	# The init's sets, and its filter (mode 2), and the rlimits.
	for f in CapBnd CapEff CapPrm; do
		assert_output_contains "$(grep "^$f" /proc/$init/status)"
	done
	assert_output_contains "Seccomp:	2"
	assert_output_contains "NoNewPrivs:	0"
	[ "${lines[-3]}" = 900 ] && [ "${lines[-2]}" = 1000 ]
	assert_output_contains "Operation not permitted"
	diff <(berth exec "$B" sh -c "$show" 2>&1) <(runc_ exec "$R" sh -c "$show" 2>&1)
	# (Not the rlimits: runc 1.1.5 with --no-new-privs gives the exec the hard limit
	# as its soft one, where the config says 900.)
	local caps='grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status'
	diff <(berth exec --cap CAP_NET_ADMIN --no-new-privs "$B" sh -c "$caps" 2>&1) \
		<(runc_ exec --cap CAP_NET_ADMIN --no-new-privs "$R" sh -c "$caps" 2>&1)
	run berth exec --cap CAP_NET_ADMIN "$B" grep CapEff /proc/self/status
	# CAP_NET_ADMIN is bit 12
	[ $((0x${output##*	} & (1 << 12))) -ne 0 ]
	run berth exec --cap CAP_FOO "$B" true
	[ "$status" -eq 255 ]
	assert_output_contains "--cap CAP_FOO"
}

@test "exec: -p process.json as runc's, its absent fields the container's" {
	make_bundle sleep 1000
	two_sleepers
	cat > "$BATS_TEST_TMPDIR/p.json" <<-'EOF'
	{"args":["/bin/sh","-c","echo $FOO; id; pwd; grep CapBnd /proc/self/status"],"cwd":"/etc","env":["FOO=bar"],"user":{"uid":5,"gid":6}}
	EOF
	run berth exec -p "$BATS_TEST_TMPDIR/p.json" "$B"
	assert_success
	[ "${lines[0]}" = bar ] && [ "${lines[1]}" = "uid=5 gid=6 groups=6" ] && [ "${lines[2]}" = /etc ]
	diff <(berth exec -p "$BATS_TEST_TMPDIR/p.json" "$B" 2>&1) <(runc_ exec -p "$BATS_TEST_TMPDIR/p.json" "$R" 2>&1)
	echo '{"args":[],"cwd":"rel"}' > "$BATS_TEST_TMPDIR/bad.json"
	run berth exec -p "$BATS_TEST_TMPDIR/bad.json" "$B"
	[ "$status" -eq 255 ]
	assert_output_contains "/args"
	assert_output_contains "/cwd"
}

@test "exec: -d returns once the process runs; --pid-file names it; it is left to our reaper" {
	make_bundle sleep 1000
	id=$(new_id)
	start_sleeper berth "$id"
	runq berth exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$id" sleep 1000
	assert_success
	pid=$(cat "$BATS_TEST_TMPDIR/pid")
	# It runs its program already (not berth's code), named after it.
	[ "$(cat /proc/$pid/comm)" = sleep ]
	grep -q "^$pid\$" <(container_pids "$id")
	kill -9 "$pid"
}

@test "exec: a paused container refuses exec but with --ignore-paused; a stopped one refuses it" {
	make_bundle sleep 1000
	id=$(new_id)
	start_sleeper berth "$id"
	berth pause "$id"
	run berth exec "$id" true
	[ "$status" -eq 255 ]
	assert_output_contains "cannot exec in a paused container (use --ignore-paused to override)"
	# The process waits in the frozen cgroup until the resume.
	berth exec --ignore-paused "$id" echo ran > "$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	local xpid=$!
	berth resume "$id"
	wait "$xpid"
	[ "$(cat "$BATS_TEST_TMPDIR/out")" = ran ]
	berth kill "$id" KILL
	wait_status berth "$id" stopped
	run berth exec "$id" true
	[ "$status" -eq 255 ]
	assert_output_contains "cannot exec in a stopped container"
}

@test "exec: into a created container, as runc allows" {
	make_bundle sleep 1000
	id=$(new_id)
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	run berth exec "$id" echo in-created
	assert_success
	[ "$output" = in-created ]
	[ "$(state_field berth "$id" .status)" = created ]
}

@test "exec: signals to berth reach the process, which berth's exit code reports" {
	make_bundle sleep 1000
	id=$(new_id)
	start_sleeper berth "$id"
	mkfifo "$BATS_TEST_TMPDIR/ready"
	"$BERTH_BIN" --root "$ROOT" exec "$id" sh -c 'trap "exit 7" TERM; echo ready; while :; do sleep 0.05; done' \
		> "$BATS_TEST_TMPDIR/ready" 3>&- &
	local xpid=$!
	read -r line < "$BATS_TEST_TMPDIR/ready"
	[ "$line" = ready ]
	kill -TERM "$xpid"
	local rc=0
	wait "$xpid" || rc=$?
	[ "$rc" -eq 7 ]
}

@test "exec: -t carries a pty in the foreground; --console-socket gets it detached; /dev/console stays the init's" {
	make_bundle sleep 1000
	id=$(new_id)
	start_sleeper berth "$id"
	before=$(berth exec "$id" cat /proc/self/mountinfo | grep -c /dev/console || true)
	run berth exec -t "$id" sh -c 'tty; stty size'
	assert_success
	[[ ${lines[0]} == /dev/pts/* ]]
	# Detached without a socket the terminal has nowhere to go.
	run berth exec -d -t "$id" true
	[ "$status" -eq 255 ]
	assert_output_contains "console-socket"
	local recv=$BERTH_TEST_CACHE/recvtty sock=$BATS_TEST_TMPDIR/c.sock
	[ -x "$recv" ] || ${CC:-cc} -O2 -o "$recv" "$BERTH_TOP/tests/integration/fixtures/recvtty.c"
	mkfifo "$BATS_TEST_TMPDIR/rdy"
	timeout 20 "$recv" "$sock" "$BATS_TEST_TMPDIR/rdy" > "$BATS_TEST_TMPDIR/tty.out" 2>&1 3>&- &
	local rpid=$!
	head -n1 "$BATS_TEST_TMPDIR/rdy" > /dev/null
	berth exec -d -t --console-socket "$sock" "$id" sh -c 'tty; echo via-socket'
	wait "$rpid"
	grep -q '^/dev/pts/' "$BATS_TEST_TMPDIR/tty.out"
	grep -q via-socket "$BATS_TEST_TMPDIR/tty.out"
	after=$(berth exec "$id" cat /proc/self/mountinfo | grep -c /dev/console || true)
	[ "$before" = "$after" ]
}

@test "exec: --preserve-fds passes exactly the fds asked for, and no fd of berth's" {
	make_bundle sleep 1000
	id=$(new_id)
	start_sleeper berth "$id"
	echo passed > "$BATS_TEST_TMPDIR/f"
	run berth exec --preserve-fds 1 "$id" sh -c 'cat <&3; ls /proc/self/fd' 3< "$BATS_TEST_TMPDIR/f"
	assert_success
	[ "${lines[0]}" = passed ]
	# 0-3, and ls's own directory fd
	[ "$(echo "${lines[@]:1}" | wc -w)" -le 5 ]
	run berth exec "$id" ls /proc/self/fd
	[ "$(echo "$output" | wc -w)" -le 4 ]
}

@test "exec: a failed exec leaves no process in the container and no state behind" {
	make_bundle sleep 1000
	id=$(new_id)
	start_sleeper berth "$id"
	init=$(state_field berth "$id" .pid)
	local entries; entries=$(ls "$ROOT/$id" | sort)
	for bad in "nope" "/bin" "--user x true" "--cwd rel true"; do
		run berth exec "$id" $bad
		[ "$status" -eq 255 ]
	done
	[ "$(container_pids "$id")" = "$init" ]
	[ "$(ls "$ROOT/$id" | sort)" = "$entries" ]
}

# A process that fails fast may be gone before berth opens its pidfd: the error must still be
# its own (here: the cwd), never "process N is gone". Before the fix 1 exec in 50 to 100 said
# that in a shell loop here; the race window is narrow, so this is a net, not a proof.
@test "exec: a process that fails at once reports its own error, every time" {
	make_bundle sleep 1000
	id=$(new_id)
	start_sleeper berth "$id"
	local i
	for i in $(seq 400); do
		runq berth exec --cwd /nonexistent "$id" true
		[ "$status" -eq 255 ] || { echo "exec $i: status $status: $output" >&2; return 1; }
		[[ $output == *"/process/cwd"* ]] || { echo "exec $i: $output" >&2; return 1; }
	done
}

@test "exec: berth-runc execs the same way, under a supervisor's reaper" {
	make_bundle sleep 1000
	id=$(new_id)
	q "$(dirname "$BERTH_BIN")/berth-runc" --root "$ROOT" run -d -b "$BUNDLE" "$id"
	run "$(dirname "$BERTH_BIN")/berth-runc" --root "$ROOT" exec "$id" sh -c 'exit 4'
	[ "$status" -eq 4 ]
	q berth kill "$id" KILL
}

@test "exec: a seccomp notify listener gets the exec'd process's fd, with its pid and the container's state" {
	local agent=$BATS_TEST_TMPDIR/seccomp_agent sock=$BATS_TEST_TMPDIR/agent.sock out=$BATS_TEST_TMPDIR/agent
	${CC:-cc} -O2 -Wall -o "$agent" "$BERTH_TOP/tests/security/helpers/seccomp_agent.c"
	make_bundle sleep 1000
	jq_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s, listenerMetadata: "meta",
		syscalls: [{names: ["mknodat", "mknod"], action: "SCMP_ACT_NOTIFY"}]}' --arg s "$sock"
	id=$(new_id)
	"$agent" "$sock" "$out.create"  # one connection: the create's
	start_sleeper berth "$id"
	[ -e "$out.create.done" ]
	"$agent" "$sock" "$out"  # the next: the exec's
	berth exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$id" sleep 1000
	for i in $(seq 100); do [ -e "$out.done" ] && break; sleep 0.05; done
	[ -e "$out.done" ]
	[ "$(jq -r .pid "$out")" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
	[ "$(jq -r .state.id "$out")" = "$id" ]
	[ "$(jq -r .metadata "$out")" = meta ]
	[ "$(jq -r '.fds[0]' "$out")" = seccompFd ]
	# The filter is the process's own.
	grep -q '^Seccomp:.2' "/proc/$(cat "$BATS_TEST_TMPDIR/pid")/status"
	# No listener any more: an exec is refused, naming it, and leaves no process.
	run berth exec "$id" true
	[ "$status" -eq 255 ]
	assert_output_contains "seccomp notify fd"
}
