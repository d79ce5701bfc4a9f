#!/usr/bin/env bats
# cgroups.bats -- the cgroups isolator on this machine's hybrid layout: the
# container's cgroup in every hierarchy, linux.resources.pids enforced, the
# cgroupsPath rules (absolute, relative to our own cgroup, the id by default),
# a cgroup namespace rooted at the container's cgroup, and nothing left in
# any hierarchy after delete, a failed create, or a container without a pid
# namespace that leaves processes behind.

load ../lib/common
load ../lib/cgroups

@test "cgroups: pids.limit is enforced and visible inside as the container's own pids.max" {
	# Builtins only until the fork: with a limit of 1 the shell cannot start cat.
	make_bundle sh -c 'read v < /sys/fs/cgroup/pids/pids.max; echo "max=$v"; (true) && echo forked || echo "no fork"' >/dev/null
	jq_config '.linux.resources.pids = {"limit": 1}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_output_contains "max=1"
	assert_output_contains "can't fork"
	[[ "$output" != *forked* ]]
}

@test "cgroups: an absolute cgroupsPath is made in every hierarchy, holds the init, and is gone after delete" {
	make_bundle sleep 100 >/dev/null
	local id path h n=0
	id=$(new_id)
	path=/berth-test-$$-$BATS_TEST_NUMBER/ctr
	jq_config --arg p "$path" '.linux.cgroupsPath = $p | .linux.resources.pids = {"limit": 50}'
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	local pid; pid=$(state_field berth "$id" .pid)
	for h in pids memory cpu cpuset devices freezer blkio systemd unified; do
		[ -d "/sys/fs/cgroup/$h$path" ] || { echo "no $h$path" >&2; return 1; }
		grep -qx "$pid" "/sys/fs/cgroup/$h$path/cgroup.procs" || { echo "init not in $h" >&2; return 1; }
		n=$((n + 1))
	done
	[ "$(cat /sys/fs/cgroup/pids$path/pids.max)" = 50 ]
	# The shim is not in the container's cgroup: it must outlive an OOM kill or a pids limit.
	local shim; shim=$(jq -r .shimPid < "$ROOT/$id/state.json")
	[ "$shim" -gt 0 ]
	! grep -qx "$shim" "/sys/fs/cgroup/pids$path/cgroup.procs"
	run berth delete --force "$id"
	assert_success
	for h in pids memory cpu cpuset devices freezer blkio systemd unified; do
		[ ! -e "/sys/fs/cgroup/$h/berth-test-$$-$BATS_TEST_NUMBER" ] || { echo "$h left" >&2; return 1; }
	done
}

@test "cgroups: a relative cgroupsPath goes below our own cgroup, the id is the default" {
	make_bundle sleep 100 >/dev/null
	local id own; id=$(new_id)
	own=$(own_cgroup memory)
	jq_config --arg p "rel-$$/x" '.linux.cgroupsPath = $p'
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	[ -d "/sys/fs/cgroup/memory${own%/}/rel-$$/x" ]
	local id2; id2=$(new_id)
	jq_config 'del(.linux.cgroupsPath)'
	runq berth create -b "$BUNDLE" "$id2"
	assert_success
	# Whatever the --root: our own cgroup plus the id, as runc.
	[ -d "/sys/fs/cgroup/memory${own%/}/$id2" ]
	[ -d "/sys/fs/cgroup/pids$(own_cgroup pids | sed 's|/$||')/$id2" ]
	q berth delete --force "$id"
	q berth delete --force "$id2"
	[ ! -e "/sys/fs/cgroup/memory${own%/}/rel-$$" ]
	[ -z "$(cgroup_dirs "$id2")" ]
}

@test "cgroups: with a cgroup namespace the container sees its own cgroup as the root" {
	make_bundle cat /proc/self/cgroup >/dev/null
	jq_config '.linux.namespaces += [{"type": "cgroup"}]'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_success
	# Every hierarchy, v1 and v2, reads "/" inside.
	[ -n "$output" ]
	[ -z "$(echo "$output" | awk -F: '$3 != "/"')" ] || { echo "$output" >&2; return 1; }
}

@test "cgroups: a failed create leaves no cgroup in any hierarchy" {
	make_bundle /nonexistent-binary >/dev/null
	local id; id=$(new_id)
	jq_config '.linux.resources.pids = {"limit": 10}'
	run berth run -b "$BUNDLE" "$id"
	assert_failure
	[ -z "$(cgroup_dirs "$id*")" ]
	[ ! -e "$ROOT/$id" ]
}

@test "cgroups: without a pid namespace, delete kills what the init left in the cgroup and removes it" {
	make_bundle >/dev/null
	local id; id=$(new_id)
	jq_config '.linux.namespaces |= map(select(.type != "pid"))'
	jq_config '.process.args = ["sh", "-c", "sleep 1000 & echo started"]'
	runq berth run --keep -b "$BUNDLE" "$id"
	assert_success
	# The init exited; its child lives on in the container's cgroup.
	local dir; dir=$(cgroup_dirs "$id" | grep '/pids/')
	local left; left=$(cat "$dir/cgroup.procs")
	[ -n "$left" ]
	run berth delete "$id"
	assert_success
	[ -z "$(cgroup_dirs "$id")" ]
	# Dead: gone, or a zombie waiting for whoever inherited it.
	local p st
	for p in $left; do
		st=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1)
		[ -z "$st" ] || [ "$st" = Z ] || { echo "$p is alive ($st)" >&2; return 1; }
	done
}

# A cgroup that already holds processes is joined with a warning (as runc
# 1.1): cgroups_compat.bats.

@test "cgroups: the join-busy annotation joins a busy cgroup on purpose; delete leaves it and its other members" {
	make_bundle sleep 100 >/dev/null
	busy_pids_cgroup berth-join
	local dir=$BUSY_DIR other=$BUSY_PID
	jq_config --arg p "/$BUSY_NAME" '.linux.cgroupsPath = $p | .annotations["org.berth.cgroups.join-busy"] = "yes"'
	local id; id=$(new_id)
	runq berth create -b "$BUNDLE" "$id" 3>&-
	assert_failure
	assert_output_contains "/annotations/org.berth.cgroups.join-busy"
	jq_config '.annotations["org.berth.cgroups.join-busy"] = "true"'
	runq berth create -b "$BUNDLE" "$id" 3>&-
	local created=$status out=$output
	local pid; pid=$(berth state "$id" | jq -r .pid)
	local procs; procs=$(cat "$dir/cgroup.procs" | sort -n | tr '\n' ' ')
	q berth delete -f "$id"
	local alive=no; kill -0 "$other" 2>/dev/null && alive=yes
	local kept=no; [ -d "$dir" ] && kept=yes
	busy_cgroup_remove
	[ "$created" = 0 ] || { echo "$out" >&2; false; }
	[[ " $procs" == *" $other "* && " $procs" == *" $pid "* ]] || { echo "procs: $procs (other $other, init $pid)" >&2; false; }
	[ "$alive" = yes ]
	[ "$kept" = yes ]
}

@test "cgroups: a pids limit of 0 leaves pids.max alone and -1 is max, as runc" {
	make_bundle cat /sys/fs/cgroup/pids/pids.max >/dev/null
	jq_config '.linux.resources.pids = {"limit": -1}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_success
	[ "$output" = max ]
	jq_config '.linux.resources.pids = {"limit": 0}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_success
	[ "$output" = max ]
}

@test "cgroups: a memory hog over linux.resources.memory.limit is OOM-killed; the limit reads back inside" {
	make_bundle sh -c 'read v < /sys/fs/cgroup/memory/memory.limit_in_bytes; echo "limit=$v"; dd if=/dev/zero of=/dev/null bs=64M count=1 && echo survived' >/dev/null
	jq_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_output_contains "limit=16777216"
	[[ "$output" != *survived* ]]
	# Without the limit the same program survives.
	jq_config 'del(.linux.resources.memory)'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_contains "survived"
}

@test "cgroups: a 512 KiB memory limit still starts the container" {
	make_bundle echo tiny >/dev/null
	jq_config '.linux.resources.memory = {"limit": 524288}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_success
	[ "$output" = tiny ]
}

@test "cgroups: cpu shares, quota, period and cpuset land in the container's cgroup files" {
	make_bundle sh -c 'cd /sys/fs/cgroup; read a < cpu/cpu.shares; read b < cpu/cpu.cfs_quota_us; read c < cpu/cpu.cfs_period_us; read d < cpuset/cpuset.cpus; echo "$a $b $c $d"' >/dev/null
	jq_config '.linux.resources.cpu = {"shares": 512, "quota": 25000, "period": 50000, "cpus": "0"}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_success
	[ "$output" = "512 25000 50000 0" ]
}

@test "cgroups: a field the host ignores or lacks is an error naming it, and nothing is left" {
	make_bundle >/dev/null
	local id; id=$(new_id)
	# rdma: no v1 hierarchy and not in cgroup2's controllers on this machine.
	# (memory.kernel, which this kernel ignores, is accepted with a warning
	# as runc 1.1 does: cgroups_compat.bats.)
	if [ -d /sys/fs/cgroup/rdma ] || grep -qw rdma /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
		skip "this host has an rdma controller"
	fi
	jq_config '.linux.resources.rdma = {"mlx5_1": {"hcaHandles": 3}}'
	run berth run -b "$BUNDLE" "$id"
	assert_failure
	assert_output_contains "/linux/resources/rdma"
	[ -z "$(cgroup_dirs "$id")" ]
	[ ! -e "$ROOT/$id" ]
}

@test "cgroups: the default spec's device rules deny a device the container can make, a rule allows it" {
	# CAP_MKNOD to make the node; the devices cgroup decides whether it opens.
	make_bundle sh -c 'mknod /tmp/kmsg c 1 11 && head -c 1 /tmp/kmsg >/dev/null 2>/tmp/err; cat /tmp/err; echo done' >/dev/null
	jq_config '.process.capabilities |= with_entries(.value += ["CAP_MKNOD", "CAP_SYSLOG"]) | .mounts += [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]'
	jq -e '.linux.resources.devices[0] == {"allow": false, "access": "rwm"}' "$BUNDLE/config.json"
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_output_contains "Operation not permitted"
	jq_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "r"}]'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_output_contains "done"
	[[ "$output" != *"Operation not permitted"* ]]
}

@test "update: runc's flags, -r FILE and -r - change a live container's limits" {
	make_bundle sleep 100 >/dev/null
	local id; id=$(new_id)
	jq_config --arg p "/berth-upd-$$-$BATS_TEST_NUMBER" '.linux.cgroupsPath = $p | .linux.resources.pids = {"limit": 10} | .linux.resources.memory = {"limit": 67108864}'
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	local cg=berth-upd-$$-$BATS_TEST_NUMBER
	run berth update --pids-limit 20 --memory 128m --memory-swap 256m --cpu-quota 30000 --cpu-period 100000 --cpu-share 256 "$id"
	assert_success
	[ "$(cat /sys/fs/cgroup/pids/$cg/pids.max)" = 20 ]
	[ "$(cat /sys/fs/cgroup/memory/$cg/memory.limit_in_bytes)" = 134217728 ]
	[ "$(cat /sys/fs/cgroup/memory/$cg/memory.memsw.limit_in_bytes)" = 268435456 ]
	[ "$(cat /sys/fs/cgroup/cpu/$cg/cpu.cfs_quota_us)" = 30000 ]
	[ "$(cat /sys/fs/cgroup/cpu/$cg/cpu.shares)" = 256 ]
	echo '{"pids": {"limit": 30}, "memory": {"limit": 33554432}}' > "$BATS_TEST_TMPDIR/r.json"
	run berth update -r "$BATS_TEST_TMPDIR/r.json" "$id"
	assert_success
	[ "$(cat /sys/fs/cgroup/pids/$cg/pids.max)" = 30 ]
	[ "$(cat /sys/fs/cgroup/memory/$cg/memory.limit_in_bytes)" = 33554432 ]
	run berth update -r - "$id" <<<'{"cpu": {"shares": 768}}'
	assert_success
	[ "$(cat /sys/fs/cgroup/cpu/$cg/cpu.shares)" = 768 ]
	# Errors name the field of the document, or the flag.
	run berth update -r - "$id" <<<'{"memory": {"limit": "lots"}}'
	assert_failure
	assert_output_contains "/memory/limit"
	run berth update --memory 12zz "$id"
	assert_failure
	assert_output_contains "--memory"
	run berth update --blkio-weight 500 "$id"
	assert_failure
	assert_output_contains "--blkio-weight"
	# Nothing changed by the refused calls.
	[ "$(cat /sys/fs/cgroup/memory/$cg/memory.limit_in_bytes)" = 33554432 ]
	q berth delete --force "$id"
	run berth update --pids-limit 5 "$id"
	assert_failure
}

@test "cgroups: create below a frozen cgroup is refused, naming it, instead of hanging" {
	make_bundle >/dev/null
	local parent=/sys/fs/cgroup/freezer/berth-frz-$$-$BATS_TEST_NUMBER id
	id=$(new_id)
	mkdir "$parent"
	echo FROZEN > "$parent/freezer.state"
	jq_config --arg p "/berth-frz-$$-$BATS_TEST_NUMBER/c" '.linux.cgroupsPath = $p'
	# timeout: the failure this guards against is a hang.
	runq timeout 20 "$BERTH_BIN" --root "$ROOT" create -b "$BUNDLE" "$id"
	echo THAWED > "$parent/freezer.state"
	rmdir "$parent"
	assert_failure
	[ "$status" -ne 124 ]
	assert_output_contains "frozen"
	[ ! -e "$ROOT/$id" ]
	[ -z "$(cgroup_dirs "berth-frz-$$-$BATS_TEST_NUMBER")" ]
}

@test "cgroups: blockIO throttles land in blkio (v1); a weight lands where the host has a weight file, else is refused by name" {
	local dev; dev=$(lsblk -dno MAJ:MIN "$(findmnt -no SOURCE / | sed 's/[0-9]*$//')" 2>/dev/null | tr -d ' ')
	[ -n "$dev" ] || dev=$(lsblk -dno MAJ:MIN | head -1 | tr -d ' ')
	local major=${dev%:*} minor=${dev#*:}
	make_bundle sh -c 'cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device /sys/fs/cgroup/blkio/blkio.throttle.write_iops_device' >/dev/null
	jq_config --argjson ma "$major" --argjson mi "$minor" '.linux.resources.blockIO = {
		"throttleReadBpsDevice": [{"major": $ma, "minor": $mi, "rate": 1048576}],
		"throttleWriteIOPSDevice": [{"major": $ma, "minor": $mi, "rate": 100}]}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_success
	assert_output_contains "$major:$minor 1048576"
	assert_output_contains "$major:$minor 100"
	# A weight: blkio.weight (CFQ, gone since Linux 5.0), else blkio.bfq.weight
	# (the BFQ scheduler). Hosts differ: with neither (schedulers none,
	# mq-deadline, kyber) the weight is refused naming the field, as runc
	# 1.1.5 and crun 1.8.1 both refuse it here (ENOENT on the file).
	make_bundle sh -c 'cat /sys/fs/cgroup/blkio/blkio.bfq.weight 2>/dev/null || cat /sys/fs/cgroup/blkio/blkio.weight' >/dev/null
	jq_config '.linux.resources.blockIO = {"weight": 300}'
	local id; id=$(new_id)
	run berth run -b "$BUNDLE" "$id"
	if [ -e /sys/fs/cgroup/blkio/blkio.bfq.weight ] || [ -e /sys/fs/cgroup/blkio/blkio.weight ]; then
		assert_success
		assert_output_contains "300"
	else
		assert_failure
		assert_output_contains "/linux/resources/blockIO/weight"
		[ ! -e "$ROOT/$id" ]
	fi
}

@test "cgroups: hugepageLimits on this hybrid host go to the cgroup2 mount, where hugetlb lives" {
	grep -qw hugetlb /sys/fs/cgroup/unified/cgroup.controllers
	make_bundle sleep 100 >/dev/null
	local id; id=$(new_id)
	jq_config --arg p "/berth-huge-$$-$BATS_TEST_NUMBER" '.linux.cgroupsPath = $p | .linux.resources.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]'
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	[ "$(cat /sys/fs/cgroup/unified/berth-huge-$$-$BATS_TEST_NUMBER/hugetlb.2MB.max)" = 4194304 ]
	q berth delete --force "$id"
	[ ! -e /sys/fs/cgroup/unified/berth-huge-$$-$BATS_TEST_NUMBER ]
}

@test "cgroups: unified keys are written in the cgroup2 leaf; a key whose file is missing is named" {
	make_bundle sleep 100 >/dev/null
	local id; id=$(new_id)
	jq_config --arg p "/berth-uni-$$-$BATS_TEST_NUMBER" '.linux.cgroupsPath = $p | .linux.resources.unified = {"hugetlb.2MB.max": "2097152"}'
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	[ "$(cat /sys/fs/cgroup/unified/berth-uni-$$-$BATS_TEST_NUMBER/hugetlb.2MB.max)" = 2097152 ]
	q berth delete --force "$id"
	id=$(new_id)
	jq_config '.linux.resources.unified = {"memory.high": "100M"}'
	run berth run -b "$BUNDLE" "$id"
	assert_failure
	assert_output_contains "/linux/resources/unified/memory.high"
	[ -z "$(cgroup_dirs "berth-uni-$$-$BATS_TEST_NUMBER")" ]
}

@test "cgroups: an OOM kill is recorded by the shim, and state says oomKilled once stopped" {
	make_bundle sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1' >/dev/null
	local id; id=$(new_id)
	jq_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	runq berth run --keep -b "$BUNDLE" "$id"
	assert_failure
	run berth state "$id"
	assert_success
	[ "$(jq -r .status <<<"$output")" = stopped ]
	[ "$(jq -r .oomKilled <<<"$output")" = true ]
	[ "$(jq -r .limitations.oom <<<"$output")" -ge 1 ]
	grep -q '"oomKilled":true' "$ROOT/$id/exit.json"
	# berth wait says so too, long after the exit.
	run berth wait "$id"
	assert_success
	[ "$(jq -r .oomKilled <<<"$output")" = true ]
	[ "$(jq -r .limitations.oom <<<"$output")" -ge 1 ]
	# What the cgroups isolator's watch named, and the shim read at exit.
	tr '\0' '\n' < "/proc/$(jq .shimPid "$ROOT/$id/state.json")/cmdline" |
		grep -q "^--watch=oom	oom_kill	0	/sys/fs/cgroup/memory/.*/memory.oom_control$"
	q berth delete "$id"
	# Without the limit: no such key.
	jq_config 'del(.linux.resources.memory) | .process.args = ["true"]'
	id=$(new_id)
	runq berth run --keep -b "$BUNDLE" "$id"
	assert_success
	run berth state "$id"
	[ "$(jq -r '.oomKilled // "absent"' <<<"$output")" = absent ]
	[ "$(jq -r '.limitations // "absent"' <<<"$output")" = absent ]
	q berth delete "$id"
}

@test "cgroups: forks refused at pids.max are recorded as a pids limitation in the exit record and state" {
	# Three background sleeps: the third fork (the limit counts the shell) fails.
	make_bundle sh -c 'sleep 100 & sleep 100 & sleep 100 & wait' >/dev/null
	local id; id=$(new_id)
	jq_config '.linux.resources.pids = {"limit": 3}'
	runq berth run --keep -b "$BUNDLE" "$id"
	run berth state "$id"
	assert_success
	[ "$(jq -r .status <<<"$output")" = stopped ]
	[ "$(jq -r .limitations.pids <<<"$output")" -ge 1 ]
	[ "$(jq -r '.oomKilled // "absent"' <<<"$output")" = absent ]
	q berth delete "$id"
}

@test "cgroups: update, stats and pause refuse a container whose init was moved out of its cgroup, naming it" {
	make_bundle sleep 100 >/dev/null
	local id; id=$(new_id)
	jq_config '.linux.resources.pids = {"limit": 50}'
	runq berth run -d -b "$BUNDLE" "$id" 3>&-
	assert_success
	local pid; pid=$(berth state "$id" | jq -r .pid)
	local leaf; leaf=$(journal_dirs "$id" leaf /sys/fs/cgroup/pids)
	[ -n "$leaf" ]
	run berth update --pids-limit 60 "$id"
	assert_success
	[ "$(cat "$leaf/pids.max")" = 60 ]
	# Someone else moves the init to the hierarchy's root.
	echo "$pid" > /sys/fs/cgroup/pids/cgroup.procs
	run berth update --pids-limit 70 "$id"
	assert_failure
	assert_output_contains "pid $pid"
	assert_output_contains "no longer in its cgroup $leaf"
	[ "$(cat "$leaf/pids.max")" = 60 ]
	run berth stats "$id"
	assert_failure
	assert_output_contains "no longer in its cgroup $leaf"
	# pause would freeze a cgroup without the init: it says so instead,
	# naming the freezer cgroup the init left.
	local fleaf; fleaf=$(journal_dirs "$id" leaf /sys/fs/cgroup/freezer)
	echo "$pid" > /sys/fs/cgroup/freezer/cgroup.procs
	run berth pause "$id"
	assert_failure
	assert_output_contains "no longer in its cgroup $fleaf"
	[ "$(berth state "$id" | jq -r .status)" = running ]
	echo "$pid" > "$fleaf/cgroup.procs"
	# Put it back for delete's sake, as the test made the mess.
	echo "$pid" > "$leaf/cgroup.procs"
	q berth delete -f "$id"
	[ ! -d "$leaf" ]
}
