#!/usr/bin/env bats
# vm_cgroup2.bats -- berth on a pure cgroup v2 host, in the qemu VM of tests/vm/run.sh.
# The VM boots once for the whole file (setup_file): it runs one guest script that does
# every check and leaves each one's output and status in $BATS_FILE_TMPDIR/out, shared
# live and writable with the guest (run.sh --share); the tests then read those files.
# Everything skips when run.sh exits 77 (qemu or the kernel not available here).

load ../lib/common

setup_file() {
	local d=$BATS_FILE_TMPDIR
	mkdir -p "$d/out"
	# A busybox bundle made on the host; the guest sees it through run.sh's share of /.
	"$BERTH_LIB/make-bundle.sh" "$d/bundle" /bin/sh -c 'echo vm-marker-$((6 * 7)); exit 7' >/dev/null
	cat > "$d/guest.sh" <<-EOF
		# One check per function; each leaves out/NAME.out (stdout+stderr) and out/NAME.rc.
		out=$d/out
		check() { local n=\$1; shift; "\$@" > "\$out/\$n.out" 2>&1 < /dev/null; echo \$? > "\$out/\$n.rc"; }

		cgroups() {
			echo "controllers: \$(cat /sys/fs/cgroup/cgroup.controllers)"
			echo "fstype: \$(stat -f -c %T /sys/fs/cgroup)"
			echo "v1 mounts: \$(grep -c ' - cgroup ' /proc/self/mountinfo)"
			echo "self: \$(cat /proc/self/cgroup | tr '\n' ' ')"
			mkdir -p /tmp/berth-vm-v1
			mount -t cgroup -o memory cgroup /tmp/berth-vm-v1 2>/dev/null &&
				echo "v1 memory mount: allowed" || echo "v1 memory mount: refused"
		}
		berth_run() {
			"$BERTH_BIN" --root /run/berth-vm-test run --bundle "$d/bundle" vm-\$\$
		}
		# dd's 64 MiB buffer (touched by the copy) in a child cgroup with memory.max:
		# killed by the OOM killer at 16M, fine at max. Prints dd's status per limit.
		memory_max() {
			local cg=/sys/fs/cgroup/berth-vm-mem lim
			mkdir "\$cg" || return 1
			for lim in max 16M; do
				echo "\$lim" > "\$cg/memory.max" || return 1
				sh -c 'echo \$\$ > '"\$cg"'/cgroup.procs && exec dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null'
				echo "\$lim: \$?"
			done
			grep oom_kill "\$cg/memory.events"
		}
		check cgroups cgroups
		check berth_run berth_run
		check memory_max memory_max
	EOF
	local rc=0
	"$BERTH_TOP/tests/vm/run.sh" --share "$d/out" bash "$d/guest.sh" > "$d/vm.log" 2>&1 || rc=$?
	echo "$rc" > "$d/vm.rc"
}

# vm_result NAME -- set output/status from the guest's check NAME; skip when the VM
# could not run here, fail when it broke.
vm_result() {
	local d=$BATS_FILE_TMPDIR rc
	rc=$(cat "$d/vm.rc")
	[ "$rc" != 77 ] || skip "$(tail -n1 "$d/vm.log")"
	if [ ! -f "$d/out/$1.rc" ]; then
		echo "the VM gave no result for $1 (run.sh exit $rc):" >&2
		cat "$d/vm.log" >&2
		return 1
	fi
	output=$(cat "$d/out/$1.out")
	status=$(cat "$d/out/$1.rc")
}

@test "vm: the guest is a pure cgroup v2 host with memory and pids" {
	vm_result cgroups
	assert_success
	assert_output_contains "fstype: cgroup2fs"
	local ctl; ctl=" $(sed -n 's/^controllers: //p' <<<"$output") "
	[[ "$ctl" == *" memory "* && "$ctl" == *" pids "* ]] || { echo "$output" >&2; false; }
	assert_output_contains "v1 mounts: 0"
	assert_output_contains "self: 0::/ "
	assert_output_contains "v1 memory mount: refused"
}

@test "vm: berth run of a busybox bundle works on cgroup v2 and passes the exit status" {
	vm_result berth_run
	assert_status 7
	assert_output_contains "vm-marker-42"
}

@test "vm: memory.max in a child cgroup OOM-kills a process that exceeds it" {
	vm_result memory_max
	assert_success
	assert_output_contains "max: 0"
	assert_output_contains "16M: 137"
	[[ "$output" =~ oom_kill\ [1-9] ]] || { echo "$output" >&2; false; }
}
