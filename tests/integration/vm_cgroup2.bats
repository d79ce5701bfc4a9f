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
	# Bundles for berth's cgroup isolators on v2, each one resource.
	vm_bundle() {  # NAME JQ_FILTER SH_SCRIPT
		"$BERTH_LIB/make-bundle.sh" "$d/$1" /bin/sh -c "$3" >/dev/null
		jq "$2" "$d/$1/config.json" > "$d/$1/c.json" && mv "$d/$1/c.json" "$d/$1/config.json"
	}
	local mknod_caps='.process.capabilities |= with_entries(.value += ["CAP_MKNOD", "CAP_SYSLOG"]) | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
	local mknod_sh='mknod /tmp/kmsg c 1 11 && head -c 1 /tmp/kmsg >/dev/null 2>/tmp/err; cat /tmp/err; echo done'
	vm_bundle pids '.linux.resources.pids = {"limit": 1}' \
		'read v < /sys/fs/cgroup/pids.max; echo "pids.max=$v"; (true) && echo forked'
	vm_bundle mem '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}' \
		'read v < /sys/fs/cgroup/memory.max; echo "memory.max=$v"; dd if=/dev/zero of=/dev/null bs=64M count=1 && echo survived; cat /sys/fs/cgroup/memory.events'
	vm_bundle cpu '.linux.resources.cpu = {"quota": 10000, "period": 100000, "shares": 512}' \
		'cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight; timeout 1 sh -c "while :; do :; done"; cat /sys/fs/cgroup/cpu.stat'
	vm_bundle dev "$mknod_caps" "$mknod_sh"
	vm_bundle devok "$mknod_caps"' | .linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "r"}]' "$mknod_sh"
	vm_bundle cgns '.linux.namespaces += [{"type": "cgroup"}]' 'cat /proc/self/cgroup'
	vm_bundle sleeper '.' 'sleep 1000 & exec sleep 1001'
	# Answers each line on the fifo /io/req with whether /dev/kmsg (c 1:11) opens for
	# writing (no capability needed for that; the device program decides).
	vm_bundle devupd "$mknod_caps"' | .mounts += [{"destination": "/io", "type": "bind", "source": "/tmp/berth-vm-devupd", "options": ["rbind", "rw"]}]' \
		'mknod /tmp/kmsg c 1 11 || exit 1; while read x < /io/req; do (: > /tmp/kmsg && echo opened) > /io/resp 2>&1; done'
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
		# berth's cgroup isolators: one container per resource, each its own cgroup.
		berth_in() {  # BUNDLE ID
			"$BERTH_BIN" --root /run/berth-vm-test run --bundle "$d/\$1" "\$2"
		}
		# The shim's record of the OOM kill (memory.events, named by the cgroups
		# isolator's watch) in state, once the container has stopped.
		berth_oom_state() {
			local b="$BERTH_BIN --root /run/berth-vm-test"
			\$b run --keep --bundle "$d/mem" vm-oomstate
			\$b state vm-oomstate | jq -c '{oomKilled, limitations}'
			tr '\\0' '\\n' < /proc/\$(jq .shimPid /run/berth-vm-test/vm-oomstate/state.json)/cmdline | grep -- --watch=
			\$b delete vm-oomstate
		}
		berth_left() {  # what berth left in the cgroup tree
			find /sys/fs/cgroup -mindepth 1 -type d -name 'vm-*'
		}
		# pause/resume through cgroup.freeze, ps, delete --force of a paused one, kill --all.
		berth_pause() {
			local r=/run/berth-vm-test id=vm-pause leaf i
			local b="$BERTH_BIN --root \$r"
			\$b create --bundle "$d/sleeper" \$id && \$b start \$id || return 1
			leaf=\$(jq -r '.isolators.cgroups[] | select(.kind == "leaf") | .mount + .path' \$r/\$id/state.json)
			for i in \$(seq 100); do [ "\$(\$b ps -f json \$id | jq length)" = 2 ] && break; sleep 0.1; done
			echo "ps: \$(\$b ps -f json \$id | jq length) pids"
			\$b pause \$id || return 1
			echo "paused: \$(\$b state \$id | jq -r .status) freeze=\$(cat \$leaf/cgroup.freeze) \$(grep frozen \$leaf/cgroup.events)"
			\$b resume \$id || return 1
			echo "resumed: \$(\$b state \$id | jq -r .status) freeze=\$(cat \$leaf/cgroup.freeze) \$(grep frozen \$leaf/cgroup.events)"
			\$b pause \$id && \$b delete --force \$id && echo "deleted paused"
			[ -e "\$leaf" ] && echo "leaf left" || echo "leaf gone"
			id=vm-killall
			\$b create --bundle "$d/sleeper" \$id && \$b start \$id && \$b kill --all \$id KILL || return 1
			for i in \$(seq 100); do [ "\$(\$b state \$id | jq -r .status)" = stopped ] && break; sleep 0.1; done
			echo "kill --all: \$(\$b state \$id | jq -r .status)"
			\$b delete \$id
		}
		# events --stats on v2: the stats event of a running container (cpu.stat,
		# memory.current, pids.current of its cgroup2 leaf).
		berth_events() {
			local r=/run/berth-vm-test id=vm-events
			local b="$BERTH_BIN --root \$r"
			\$b create --bundle "$d/sleeper" \$id && \$b start \$id || return 1
			\$b events --stats \$id; local rc=\$?
			\$b delete --force \$id
			return \$rc
		}
		# update of the device rules of a live container: the new BPF program replaces
		# the old one on its leaf (allow, resend, deny again).
		berth_devupd() {
			local r=/run/berth-vm-test id=vm-devupd io=/tmp/berth-vm-devupd
			local b="$BERTH_BIN --root \$r"
			local deny='{"allow": false, "access": "rwm"}' allow='{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}'
			probe() { timeout 10 sh -c 'echo go > "\$1" && cat "\$2"' probe \$io/req \$io/resp; }
			mkdir -p \$io && mkfifo \$io/req \$io/resp || return 1
			\$b create --bundle "$d/devupd" \$id && \$b start \$id || return 1
			echo "before: \$(probe)"
			echo "{\"devices\": [\$deny, \$allow]}" | \$b update -r - \$id && echo "allow: \$(probe)"
			echo "{\"devices\": [\$deny, \$allow]}" | \$b update -r - \$id && echo "resend: \$(probe)"
			echo "{\"devices\": [\$deny]}" | \$b update -r - \$id && echo "deny: \$(probe)"
			echo "state: \$(\$b state \$id | jq -r .status)"
			\$b delete --force \$id
		}
		check cgroups cgroups
		check berth_run berth_run
		check memory_max memory_max
		check berth_pids berth_in pids vm-pids
		check berth_mem berth_in mem vm-mem
		check berth_cpu berth_in cpu vm-cpu
		check berth_dev berth_in dev vm-dev
		check berth_devok berth_in devok vm-devok
		check berth_cgns berth_in cgns vm-cgns
		check berth_pause berth_pause
		check berth_events berth_events
		check berth_oom_state berth_oom_state
		check berth_devupd berth_devupd
		check berth_left berth_left
	EOF
	local rc=0
	# Bounded well inside run-all.sh's 300 s per file (a hung boot is retried once), so
	# that a stuck VM is reported and stopped here rather than left running.
	BERTH_VM_BOOT_TIMEOUT=60 BERTH_VM_TIMEOUT=180 \
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

@test "vm: berth enforces pids.limit on cgroup v2" {
	vm_result berth_pids
	assert_output_contains "pids.max=1"
	assert_output_contains "can't fork"
	[[ "$output" != *forked* ]]
}

@test "vm: berth's memory limit on v2 OOM-kills a hog, seen in the container's memory.events" {
	vm_result berth_mem
	assert_output_contains "memory.max=16777216"
	[[ "$output" != *survived* ]]
	[[ "$output" =~ oom_kill\ [1-9] ]] || { echo "$output" >&2; false; }
}

@test "vm: the OOM kill on v2 is recorded by the shim from memory.events: state says oomKilled" {
	vm_result berth_oom_state
	[[ "$output" =~ \{\"oomKilled\":true,\"limitations\":\{\"oom\":[1-9] ]] || { echo "$output" >&2; false; }
	[[ "$output" =~ oom.oom_kill.0./sys/fs/cgroup/.*/memory.events ]] || { echo "$output" >&2; false; }
}

@test "vm: berth's cpu quota on v2 throttles a busy loop (cpu.stat nr_throttled)" {
	vm_result berth_cpu
	assert_output_contains "10000 100000"
	assert_output_contains "20"  # cpu.weight of shares 512
	[[ "$output" =~ nr_throttled\ [1-9] ]] || { echo "$output" >&2; false; }
}

@test "vm: berth's BPF device program on v2 denies a device the rules do not allow, and allows one they do" {
	vm_result berth_dev
	assert_output_contains "Operation not permitted"
	vm_result berth_devok
	assert_output_contains "done"
	[[ "$output" != *"Operation not permitted"* ]]
}

@test "vm: with a cgroup namespace on v2 the container's cgroup is its root" {
	vm_result berth_cgns
	assert_success
	[ "$output" = "0::/" ]
}

@test "vm: berth leaves no cgroup behind on v2" {
	vm_result berth_left
	assert_success
	[ -z "$output" ]
}

@test "vm: pause/resume through cgroup.freeze on v2; delete --force of a paused container; kill --all" {
	vm_result berth_pause
	assert_success
	assert_output_contains "ps: 2 pids"
	assert_output_contains "paused: paused freeze=1 frozen 1"
	assert_output_contains "resumed: running freeze=0 frozen 0"
	assert_output_contains "deleted paused"
	assert_output_contains "leaf gone"
	assert_output_contains "kill --all: stopped"
}

@test "vm: events --stats on cgroup v2 reports memory in use and the container's pids" {
	vm_result berth_events
	assert_success
	local d; d=$(jq -c .data <<<"$output") || { echo "$output" >&2; false; }
	[ "$(jq .memory.usage.usage <<<"$d")" -gt 0 ]
	[ "$(jq .pids.current <<<"$d")" -ge 1 ]
	[ "$(jq .cpu.usage.total <<<"$d")" -gt 0 ]
	[ "$(jq -r .type <<<"$output")" = stats ]
}

@test "vm: update changes the device rules of a live container on v2 (the BPF program is replaced)" {
	vm_result berth_devupd
	assert_success
	assert_output_contains "before: "
	[[ "$(grep '^before: ' <<<"$output")" == *"Operation not permitted"* ]] || { echo "$output" >&2; false; }
	assert_output_contains "allow: opened"
	assert_output_contains "resend: opened"
	[[ "$(grep '^deny: ' <<<"$output")" == *"Operation not permitted"* ]] || { echo "$output" >&2; false; }
	assert_output_contains "state: running"
}
