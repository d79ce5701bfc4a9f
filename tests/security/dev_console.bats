#!/usr/bin/env bats
# /dev/console redirected (runc CVE-2025-52565).
#
# The console bind-mount source was found by a path under /dev/pts that a racer could
# swap. berth gets the pty peer by fd (TIOCGPTPEER on the opened master) and binds it
# over an /dev/console opened inside the root; the master goes to --console-socket.
#
# Pending: `berth exec -t` (a pty for a joining process) once `exec` exists.

load ../lib/common
load helpers/security

# (stat -L: where a racer left /dev/console a symlink, what it resolves to in the root)
# "bound=/N": the single pty bind-mounted as the console (found in mountinfo, so that a
# racer renaming the dentry afterwards does not matter) is pts N of the container.
CMD='tty; stat -L -c "console=%t:%T" /dev/console; stat -L -c "stdin=%t:%T" /proc/self/fd/0
awk '"'"'{ for (i = 7; $i != "-"; i++); if ($(i + 1) == "devpts" && $4 != "/") print "bound=" $4 }'"'"' /proc/self/mountinfo'

# console_run ID -- create with a console receiver, start, and wait until the pty is
# closed; the container's terminal output is in $BATS_TEST_TMPDIR/scratch-tty-ID.
console_run() {
	local id=$1 out=$BATS_TEST_TMPDIR/scratch-tty-$1 sock=$BATS_TEST_TMPDIR/$1.sock rpid
	rpid=$("$RECVTTY" "$sock" "$out" 3>&-)
	# A create that fails never connects: stop the receiver (or it outlives the test).
	"$BERTH_BIN" --root "$ROOT" create --console-socket "$sock" --bundle "$BUNDLE" "$id" \
		> "$BATS_TEST_TMPDIR/create-$id.log" 2>&1 3>&- || { kill "$rpid" 2>/dev/null; return 1; }
	"$BERTH_BIN" --root "$ROOT" start "$id"
	local i
	for i in $(seq 200); do [ -e "$out.done" ] && return 0; sleep 0.05; done
	kill "$rpid" 2>/dev/null
	echo "console receiver for $id did not finish" >&2
	return 1
}

setup() {
	sec_setup
	RECVTTY=$(sec_helper recvtty)
}

@test "dev_console: with terminal: true, /dev/console and stdio are the pty (major 136)" {
	sec_bundle sh -c "$CMD"
	jq_config '.process.terminal = true'
	id=$(new_id)
	console_run "$id"
	out=$(tr -d '\r' < "$BATS_TEST_TMPDIR/scratch-tty-$id")
	echo "$out" >&2
	[[ $out == *"/dev/pts/"* ]]
	[[ $out == *"console=88:"* ]]
	[[ $out == *"stdin=88:"* ]]
	# the same pty: console and stdin have the same minor
	c=$(grep -o 'console=88:[0-9a-f]*' <<<"$out"); s=$(grep -o 'stdin=88:[0-9a-f]*' <<<"$out")
	[ "${c#console=}" = "${s#stdin=}" ]
	# stat's %T is hex; the pts name is the minor in decimal.
	[[ $out == *"bound=/$((16#${c##*:}))"* ]]
	berth delete -f "$id"
	assert_host_untouched
}

@test "dev_console: a racer swapping /dev/pts and /dev/console for symlinks to the host" {
	racer=$(sec_helper swap_racer)
	seed=$(sec_seed)
	sec_bundle sh -c "$CMD"
	jq_config '.process.terminal = true | .mounts |= map(select(.destination != "/dev"))'
	mkdir -p "$ROOTFS/dev"
	: > "$ROOTFS/dev/console"
	sec_bg "$BATS_TEST_TMPDIR/racer.out" "$racer" "$seed" "$BATS_TEST_TMPDIR/scratch-stop" "$ROOTFS/dev" \
		pts "$HOSTDIR" console "$HOSTDIR/console"
	wait_for_line "$BATS_TEST_TMPDIR/racer.out" '^ready'
	ok=0 failed=0
	for i in $(seq 20); do
		id=$(new_id)
		if console_run "$id"; then
			ok=$((ok + 1))
			out=$(tr -d '\r' < "$BATS_TEST_TMPDIR/scratch-tty-$id")
			# /dev/console is the pty (wherever the racer moved the devpts inside the
			# root, the tty is a pts of this container's devpts)
			# The racer keeps renaming after the start, so /dev/console may no longer
			# name it; the console mount is still this container's pty.
			# The pts is the one on stdin (not tty(1)'s name for it, which reads the
			# devpts the racer keeps renaming: it may say /dev/console).
			s=$(grep -o 'stdin=88:[0-9a-f]*' <<<"$out") || { echo "iteration $i: $out" >&2; return 1; }
			[[ $out == *"bound=/$((16#${s##*:}))"* ]] || { echo "iteration $i: $out" >&2; return 1; }
		else
			failed=$((failed + 1))
			# a clean error, not a crash
			grep -q 'level=error' "$BATS_TEST_TMPDIR/create-$id.log" || { cat "$BATS_TEST_TMPDIR/create-$id.log" >&2; return 1; }
		fi
		"$BERTH_BIN" --root "$ROOT" delete -f "$id" >/dev/null 2>&1 || true
		[ ! -e "$HOSTDIR/console" ] && [ ! -e "$HOSTDIR/ptmx" ] && [ ! -e "$HOSTDIR/0" ]
	done
	touch "$BATS_TEST_TMPDIR/scratch-stop"
	for i in $(seq 100); do grep -q '^swaps=' "$BATS_TEST_TMPDIR/racer.out" && break; sleep 0.05; done
	echo "# seed=$seed: $ok consoles made, $failed creates failed cleanly; racer $(tail -1 "$BATS_TEST_TMPDIR/racer.out")" >&3
	[ -z "$(ls -A "$HOSTDIR" | grep -vxE 'etc|sys|sentinel')" ]
	no_mounts_under "$HOSTDIR"
	assert_host_untouched
}
