#!/usr/bin/env bats
# Runtime binary overwritten (runc CVE-2019-5736; crun and youki fixed the same).
#
# The container must never get a writable handle on the host's berth binary. berth's
# container init is a clone of the CLI (its /proc/PID/exe is bin/berth) that is made
# non-dumpable before anything else and execs only the user's program; it refuses a
# program (or a chain of "#!" interpreters) that is the berth binary itself.
#
# Pending: the same attacks through `berth exec` (the joining process) once `exec` exists.

load ../lib/common
load helpers/security

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

@test "runtime_binary_overwrite: a #!/proc/self/exe entrypoint (and a chain of #!) is refused" {
	sec_bundle /evil.sh
	printf '#!/proc/self/exe\n' > "$ROOTFS/evil.sh"
	printf '#!/evil.sh\n' > "$ROOTFS/evil2.sh"
	printf '#! /evil2.sh -x\n' > "$ROOTFS/evil3.sh"
	chmod 755 "$ROOTFS"/evil*.sh
	run berth create --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "refusing to execute the runtime binary"
	jq_config '.process.args = ["/evil3.sh"]'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "refusing to execute the runtime binary"
	# Found through $PATH, too.
	cp "$ROOTFS/evil.sh" "$ROOTFS/bin/evil"
	jq_config '.process.args = ["evil"]'
	run berth run --bundle "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "refusing to execute the runtime binary"
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
	# #!/proc/self/exe entrypoint (refused), half with a harmless one (run to the end).
	BUNDLE=$BATS_TEST_TMPDIR/bundle-b
	sec_bundle /evil.sh
	printf '#!/proc/self/exe\n' > "$ROOTFS/evil.sh"
	chmod 755 "$ROOTFS/evil.sh"
	jq_config '(.linux.namespaces[] | select(.type == "pid")) |= (.path = $p)' --arg p "/proc/$apid/ns/pid"
	refused=0
	for i in $(seq 10); do
		jq_config '.process.args = ["/evil.sh"]'
		run berth run --bundle "$BUNDLE" "$(new_id b)"
		[ "$status" -ne 0 ] && [[ $output == *"refusing to execute the runtime binary"* ]] && refused=$((refused + 1))
		jq_config '.process.args = ["/bin/true"]'
		run berth run --bundle "$BUNDLE" "$(new_id b)"
		assert_success
	done
	[ "$refused" -eq 10 ]

	touch "$A/rootfs/stop"
	for i in $(seq 200); do grep -q '^seen=' "$BATS_TEST_TMPDIR/racer.out" && break; sleep 0.05; done
	cat "$BATS_TEST_TMPDIR/racer.out" >&3 || true
	summary=$(grep '^seen=' "$BATS_TEST_TMPDIR/racer.out")
	[[ $summary == *" wr_ok=0 "* ]]
	[[ $summary == *" reopen_ok=0" ]]
	# The racer did see B's processes come and go (else it tested nothing).
	seen=${summary#seen=}; seen=${seen%% *}
	[ "$seen" -gt 0 ]
	assert_host_untouched
}
