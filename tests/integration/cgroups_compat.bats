#!/usr/bin/env bats
# cgroups_compat.bats -- cgroup behaviour that scripts and orchestrators
# written for runc rely on, each checked against runc 1.1.5 (and crun 1.8.1
# where they differ) on this machine's hybrid layout: the write order of a
# memory update, cpusets of missing or empty parents, joining a cgroup that
# holds processes, the default cgroup path, device access strings, and the
# kernel memory fields of a kernel that dropped kmem.

load ../lib/common
load ../lib/cgroups

@test "update --memory -1 with a swap limit set lifts both (memsw first), as runc 1.1.5" {
	make_bundle sleep 100 >/dev/null
	local name=berth-mem-$$-$BATS_TEST_NUMBER
	local m=/sys/fs/cgroup/memory$(own_cgroup memory | sed 's|/$||')
	[ -e "$m/memory.memsw.limit_in_bytes" ] || skip "no swap accounting (memory.memsw.*) on this host"
	jq_config --arg p "$name" '.linux.cgroupsPath = $p | .linux.resources.memory = {"limit": 67108864, "swap": 134217728}'
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	[ "$(cat "$m/$name/memory.memsw.limit_in_bytes")" = 134217728 ]
	run berth update --memory -1 "$id"
	assert_success
	local limit memsw
	limit=$(cat "$m/$name/memory.limit_in_bytes")
	memsw=$(cat "$m/$name/memory.memsw.limit_in_bytes")
	# runc 1.1.5 here leaves both at the page-rounded maximum.
	[ "$limit" -gt 4611686018427387904 ] && [ "$memsw" = "$limit" ] || { echo "limit $limit memsw $memsw" >&2; false; }
	# Down again (limit first), then a swap limit below the memory one is the kernel's EINVAL, named.
	run berth update --memory 33554432 --memory-swap 67108864 "$id"
	assert_success
	[ "$(cat "$m/$name/memory.limit_in_bytes")" = 33554432 ]
	[ "$(cat "$m/$name/memory.memsw.limit_in_bytes")" = 67108864 ]
	run berth update --memory-swap 16777216 "$id"
	assert_failure
	assert_output_contains "/memory/swap"
}

@test "cpuset: a leaf below an existing parent with an empty cpuset gets the cpus and mems from above, as runc 1.1.5" {
	make_bundle sh -c 'read c < /sys/fs/cgroup/cpuset/cpuset.cpus; read m < /sys/fs/cgroup/cpuset/cpuset.mems; echo "cpus=$c mems=$m"' >/dev/null
	local name=berth-cs-$$-$BATS_TEST_NUMBER
	local root=/sys/fs/cgroup/cpuset
	mkdir "$root/$name"  # made by hand: cpuset.cpus and cpuset.mems empty
	[ -z "$(cat "$root/$name/cpuset.cpus")" ]
	jq_config --arg p "/$name/a/ctr" '.linux.cgroupsPath = $p'
	run berth run -b "$BUNDLE" "$(new_id)"
	local cpus mems; cpus=$(cat "$root/$name/cpuset.cpus"); mems=$(cat "$root/$name/cpuset.mems")
	rm_cgroups "$name"
	assert_success
	[ "$output" = "cpus=$(cat $root/cpuset.cpus) mems=$(cat $root/cpuset.mems)" ]
	# runc 1.1.5 fills the hand-made parent the same way, top down.
	[ "$cpus" = "$(cat $root/cpuset.cpus)" ] && [ "$mems" = "$(cat $root/cpuset.mems)" ]
}

@test "join: a cgroup holding processes is joined with a warning naming it, as runc 1.1.5 (which warns \"container's cgroup is not empty\")" {
	make_bundle sleep 100 >/dev/null
	busy_pids_cgroup berth-join
	local name=$BUSY_NAME dir=$BUSY_DIR other=$BUSY_PID
	jq_config --arg p "/$name" '.linux.cgroupsPath = $p'
	local id; id=$(new_id)
	runq berth create -b "$BUNDLE" "$id" 3>&-
	local created=$status out=$output
	local pid; pid=$(berth state "$id" | jq -r .pid)
	local procs; procs=$(sort -n "$dir/cgroup.procs" | tr '\n' ' ')
	q berth delete -f "$id"
	local alive=no; kill -0 "$other" 2>/dev/null && alive=yes
	local kept=no; [ -d "$dir" ] && kept=yes
	busy_cgroup_remove
	[ "$created" = 0 ] || { echo "$out" >&2; false; }
	[[ "$out" == *"level=warning"*"joining the cgroup /sys/fs/cgroup/"*"/$name, which already holds 1 process(es)"* ]] || { echo "$out" >&2; false; }
	[[ " $procs" == *" $other "* && " $procs" == *" $pid "* ]] || { echo "procs: $procs (other $other, init $pid)" >&2; false; }
	# What it joined is not its own: the other process lives, the directory stays.
	[ "$alive" = yes ]
	[ "$kept" = yes ]
}

@test "join: the annotation org.berth.cgroups.join-busy still works: true joins quietly, false refuses" {
	make_bundle sleep 100 >/dev/null
	busy_pids_cgroup berth-ann
	jq_config --arg p "/$BUSY_NAME" '.linux.cgroupsPath = $p | .annotations["org.berth.cgroups.join-busy"] = "false"'
	runq berth create -b "$BUNDLE" "$(new_id)" 3>&-
	local refused=$status refusal=$output
	jq_config '.annotations["org.berth.cgroups.join-busy"] = "true"'
	local id; id=$(new_id)
	runq berth create -b "$BUNDLE" "$id" 3>&-
	local created=$status out=$output
	q berth delete -f "$id"
	busy_cgroup_remove
	[ "$refused" != 0 ] && [[ "$refusal" == *"already holds processes"*"/linux/cgroupsPath"* ]] || { echo "$refusal" >&2; false; }
	[ "$created" = 0 ] && [[ "$out" != *warning* ]] || { echo "$out" >&2; false; }
}

@test "join: deleting the container that made a shared cgroup kills nothing of the one that joined it; the joiner's delete removes it" {
	# Two containers, one cgroupsPath: the maker's delete -f must not
	# cgroup.kill or rmdir what the joiner still runs (its rmdir meets
	# EBUSY). runc 1.1.5's delete leaves the busy cgroup too, with errors,
	# and nobody removes it later.
	make_bundle sh -c 'sleep 1000 & exec sleep 1001' >/dev/null
	local name=berth-shr-$$-$BATS_TEST_NUMBER
	jq_config --arg p "/$name/ctr" '.linux.cgroupsPath = $p'
	local maker joiner; maker=$(new_id); joiner=$(new_id)
	q berth run -d -b "$BUNDLE" "$maker"
	runq berth run -d -b "$BUNDLE" "$joiner"
	assert_success
	assert_output_contains "joining the cgroup"
	local jpid; jpid=$(berth state "$joiner" | jq -r .pid)
	local u=/sys/fs/cgroup/unified/$name/ctr
	q berth delete -f "$maker"
	kill -0 "$jpid"
	[ "$(state_field berth "$joiner" .status)" = running ]
	[ -d "$u" ]
	grep -qx "$jpid" "$u/cgroup.procs"
	q berth delete -f "$joiner"
	# The maker left its directories to the joiner, whose delete removed them.
	[ -z "$(cgroup_dirs "$name")" ]
}

@test "default cgroup path: runc's (our own cgroup plus the id), whatever the --root" {
	# runc 1.1.5 here: no cgroupsPath puts the init in <own cgroup>/<id> in every
	# hierarchy, whatever its --root, so one id under two roots shares a cgroup.
	make_bundle sleep 100 >/dev/null
	jq_config 'del(.linux.cgroupsPath)'
	local id; id=$(new_id dflt)
	q runc_ run -d -b "$BUNDLE" "$id"
	local rpid; rpid=$(runc_ state "$id" | jq -r .pid)
	grep -q ":memory:$(own_cgroup memory | sed 's|/$||')/$id\$" "/proc/$rpid/cgroup"
	local want; want=$(grep ":memory:" "/proc/$rpid/cgroup")
	q runc_ delete -f "$id"
	q berth run -d -b "$BUNDLE" "$id"
	local bpid; bpid=$(berth state "$id" | jq -r .pid)
	[ "$(grep ":memory:" "/proc/$bpid/cgroup")" = "$want" ] || { grep ":memory:" "/proc/$bpid/cgroup" >&2; false; }
}

@test "devices: access is r, w, m in any order and repeated, as runc 1.1.5; empty or absent is refused naming the field" {
	make_bundle >/dev/null
	local a
	for a in mwr rrw; do
		jq_config --arg a "$a" '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3, "access": $a}]'
		run berth run -b "$BUNDLE" "$(new_id)"
		assert_success
	done
	jq_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 3}]'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/linux/resources/devices/1/access"
	jq_config '.linux.resources.devices[1].access = ""'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/linux/resources/devices/1/access"
	# runc drops an unknown letter unsaid ("rwx" is "rw"); crun's write fails: refused by name.
	jq_config '.linux.resources.devices[1].access = "rwx"'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_failure
	assert_output_contains "/linux/resources/devices/1/access"
}

# host_keeps_kmem -- a v1 memory cgroup of our own takes a kmem limit (Linux
# 6.1 dropped it: the file stays, writes are ignored).
host_keeps_kmem() {
	local d=/sys/fs/cgroup/memory$(own_cgroup memory | sed 's|/$||')/berth-kmem-$$-$BATS_TEST_NUMBER v=
	mkdir "$d" 2>/dev/null || return 1
	echo 50593792 > "$d/memory.kmem.limit_in_bytes" 2>/dev/null && v=$(cat "$d/memory.kmem.limit_in_bytes")
	rmdir "$d"
	[ "$v" = 50593792 ]
}

@test "memory.kernel where the kernel has no kmem limit is accepted with a warning naming it, as runc 1.1.5; kernelTCP is set" {
	[ -d /sys/fs/cgroup/memory ] || skip "no v1 memory hierarchy"
	make_bundle sh -c 'cat /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes 2>/dev/null; true' >/dev/null
	jq_config '.linux.resources.memory = {"kernel": 50593792, "kernelTCP": 8388608}'
	run berth run -b "$BUNDLE" "$(new_id)"
	assert_success
	if host_keeps_kmem; then
		[[ "$output" != *"memory/kernel]"* ]]
	else
		# This machine (Linux 6.x): runc 1.1.5 says "Kernel memory settings are ignored".
		assert_output_contains "level=warning"
		assert_output_contains "no kernel memory limit"
		assert_output_contains "[config /linux/resources/memory/kernel]"
	fi
	if [ -e /sys/fs/cgroup/memory/memory.kmem.tcp.limit_in_bytes ]; then
		assert_output_contains "8388608"
		[[ "$output" != *"memory/kernelTCP"* ]]
	fi
}
