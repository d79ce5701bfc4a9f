#!/usr/bin/env bats
# Fields berth used to refuse or ignore that runc or crun implement (issue 10, section 3):
# process.scheduler, process.ioPriority, linux.memoryPolicy, linux.personality, a user
# namespace without id mappings, the LSM labels; and `berth features` agreeing with what
# create accepts. Each test says which peer it follows (runc 1.1.5, crun 1.8.1 here).

load ../lib/common

# bundle running `sh -c SCRIPT`
sh_bundle() { make_bundle sh -c "$1" >/dev/null; }
run_berth() { runq berth run -b "$BUNDLE" "$(new_id)"; }

# mounts of this test (the host's table also changes with other tests running in parallel)
own_mounts() { grep -cF "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true; }

# expect_refused JSON_PATH -- create fails naming JSON_PATH and leaves no state dir,
# no mount and no process behind.
expect_refused() {
	local path=$1 id before
	id=$(new_id)
	before=$(own_mounts)
	runq berth create -b "$BUNDLE" "$id"
	assert_failure
	assert_output_contains "[config $path]"
	[ ! -e "$ROOT/$id" ]
	[ "$(own_mounts)" -eq "$before" ]
	[ "$(procs_naming "$ROOT")" -eq 0 ]
}

@test "process.scheduler is applied to the container process" {
	# runc 1.1.5 and crun 1.8.1 ignore the field here (policy stays SCHED_OTHER); berth follows
	# runtime-spec 1.2 as runc 1.2 and crun 1.9 implement it: sched_setattr before exec.
	sh_bundle 'grep "^policy " /proc/self/sched; cut -d" " -f19 /proc/self/stat'
	jq_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	run_berth
	assert_success
	[[ "${lines[0]}" =~ ^policy\ +:\ +3$ ]]  # SCHED_BATCH
	[ "${lines[1]}" = 7 ]
}

@test "process.scheduler: a value the kernel would refuse is refused naming the field" {
	sh_bundle true
	jq_config '.process.scheduler = {"policy": "SCHED_OTHER", "priority": 5}'
	expect_refused /process/scheduler/priority
	jq_config '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 9000, "deadline": 5000}'
	expect_refused /process/scheduler/runtime
}

@test "process.ioPriority is applied to the container process" {
	# runc 1.1.5 and crun 1.8.1 ignore it here (ionice says "none: prio 0"); runtime-spec 1.2.
	sh_bundle 'ionice'
	jq_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 3}'
	run_berth
	assert_success
	[ "$output" = "best-effort: prio 3" ]
	jq_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 8}'
	expect_refused /process/ioPriority/priority
}

@test "linux.personality LINUX32 makes uname report a 32-bit machine, as crun" {
	[ "$(uname -m)" = x86_64 ] || skip "needs an x86_64 host"
	# crun 1.8.1 prints i686 here; runc 1.1.5 ignores the field (x86_64).
	sh_bundle 'uname -m'
	jq_config '.linux.personality = {"domain": "LINUX32"}'
	run_berth
	assert_success
	[ "$output" = i686 ]
	jq_config '.linux.personality = {"domain": "LINUX32", "flags": ["ADDR_NO_RANDOMIZE"]}'
	expect_refused /linux/personality/flags/0
}

@test "linux.memoryPolicy is applied; a node the host does not have is refused by name" {
	# runc 1.1.5 and crun 1.8.1 ignore the field; runtime-spec 1.2 (crun 1.23+ implements it).
	local online; online=$(cat /sys/devices/system/node/online 2>/dev/null || echo 0)
	local first=${online%%[-,]*} last=${online##*[-,]}
	sh_bundle 'grep -m1 busybox /proc/self/numa_maps'
	jq_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": $n}' --arg n "$first"
	run_berth
	assert_success
	assert_output_contains " bind:$first "
	jq_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": $n}' --arg n "$((last + 1))"
	expect_refused /linux/memoryPolicy/nodes
	assert_output_contains "is not online on this host"
	jq_config '.linux.memoryPolicy = {"mode": "MPOL_LOCAL", "nodes": "0"}'
	expect_refused /linux/memoryPolicy/nodes
}

@test "a new user namespace without id mappings maps root to the runtime's ids, as crun" {
	# crun 1.8.1 maps container 0 to the caller's uid and gid, size 1; runc 1.1.5 refuses
	# ("User namespaces enabled, but no uid mappings found"). Both berth and crun fail on the
	# default devpts gid=5 (unmapped), so the bundle drops that option.
	sh_bundle 'cat /proc/self/uid_map /proc/self/gid_map; id -u'
	jq_config '.linux.namespaces += [{"type": "user"}]
		| (.mounts[] | select(.destination == "/dev/pts") | .options) |= map(select(. != "gid=5"))'
	run_berth
	assert_success
	local ours=$output
	[ "$(echo "$ours" | awk 'NR<=2 {print $1, $2, $3}' | sort -u)" = "0 $(id -u) 1" ]
	runq crun_ run -b "$BUNDLE" "$(new_id)"
	assert_success
	[ "$output" = "$ours" ]
}

@test "apparmorProfile and selinuxLabel are refused by name on this LSM-less host, as runc; mountLabel is a warning, as crun" {
	[ "$("$BERTH_BIN" features | jq .linux.apparmor.enabled)" = false ] || skip "AppArmor is loaded"
	[ "$("$BERTH_BIN" features | jq .linux.selinux.enabled)" = false ] || skip "SELinux is loaded"
	# runc 1.1.5 here: "apparmor failed to apply profile: write /proc/self/attr/exec: invalid
	# argument", "selinux label is specified in config, but selinux is disabled or not
	# supported", and mountLabel fails the /dev tmpfs mount (context=...: invalid argument).
	# crun 1.8.1 refuses the first two and ignores mountLabel; berth follows crun there with a
	# warning naming the field (the runtime-tools linux_mount_label test, which crun passes).
	sh_bundle true
	jq_config '.process.apparmorProfile = "berth-test-profile"'
	expect_refused /process/apparmorProfile
	assert_output_contains "AppArmor is not enabled on this host"
	jq_config 'del(.process.apparmorProfile) | .process.selinuxLabel = "system_u:system_r:container_t:s0:c1,c2"'
	expect_refused /process/selinuxLabel
	jq_config 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0:c1,c2"'
	run_berth
	assert_success
	assert_output_contains "ignored: SELinux is not enabled on this host [config /linux/mountLabel]"
	# empty labels ask for nothing
	jq_config '.linux.mountLabel = "" | .process.apparmorProfile = "" | .process.selinuxLabel = ""'
	run_berth
	assert_success
}

# ---- berth features agrees with what create accepts -------------------------------------
# runc 1.1.5 has `features` (crun 1.8.1 does not): berth lists less where it refuses
# (remount, acl, iversion, loud, silent, the systemd cgroup drivers) and more where
# it implements (time namespace, memoryPolicy, idmap mounts, seccomp flags); apparmor and
# selinux say whether this host can apply the labels (runc says true, then fails at create).

features() { "$BERTH_BIN" features; }

# create_ok -- create $BUNDLE (must succeed), then delete it
create_ok() {
	local id; id=$(new_id)
	runq berth create -b "$BUNDLE" "$id"
	assert_success
	q berth delete -f "$id"
}

@test "features: every listed mount option is accepted by create, on a bind and on a tmpfs (tmpcopyup: a tmpfs only)" {
	make_bundle --copy true >/dev/null
	mkdir -p "$BUNDLE/src"
	features | jq -r '.mountOptions[]' > "$BATS_TEST_TMPDIR/opts"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/opts")" -gt 40 ]
	jq_config --rawfile opts "$BATS_TEST_TMPDIR/opts" '
		($opts | split("\n") | map(select(. != ""))) as $o
		| .mounts += [$o | to_entries[] | select(.value != "tmpcopyup")
			| {destination: "/m/b\(.key)", type: "bind", source: "src", options: ["rbind", .value]}]
		| .mounts += [$o | to_entries[] | select(.value != "bind" and .value != "rbind")
			| {destination: "/m/t\(.key)", type: "tmpfs", source: "tmpfs", options: [.value]}]'
	create_ok
}

@test "features: listed namespaces, capabilities, seccomp actions, archs and flags are accepted" {
	make_bundle true >/dev/null
	jq_config --argjson f "$(features)" '
		.linux.namespaces = [$f.linux.namespaces[] | {type: .}]
		| (.mounts[] | select(.destination == "/dev/pts") | .options) |= map(select(. != "gid=5"))
		| .process.capabilities = {bounding: $f.linux.capabilities}
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: $f.linux.seccomp.archs,
			syscalls: [$f.linux.seccomp.actions[] | select(. != "SCMP_ACT_NOTIFY")
				| {names: ["getcpu"], action: ., errnoRet: (if . == "SCMP_ACT_ERRNO" then 1 else null end)}]}'
	create_ok
	# flags one at a time (the kernel refuses some combinations)
	local flag
	for flag in $(features | jq -r '.linux.seccomp.supportedFlags[]'); do
		jq_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", flags: [$fl]}' --arg fl "$flag"
		create_ok
	done
}

@test "features: listed memory policies and idmap mounts are accepted; what is disabled is refused" {
	make_bundle --copy true >/dev/null
	local mode
	for mode in $(features | jq -r '.linux.memoryPolicy.modes[]'); do
		case $mode in MPOL_DEFAULT | MPOL_LOCAL) n='' ;; *) n=0 ;; esac
		jq_config '.linux.memoryPolicy = ({mode: $m} + (if $n == "" then {} else {nodes: $n} end))' --arg m "$mode" --arg n "$n"
		create_ok
	done
	jq_config 'del(.linux.memoryPolicy)'
	if [ "$(features | jq .linux.mountExtensions.idmap.enabled)" = true ]; then
		mkdir -p "$BUNDLE/src"
		jq_config '.mounts += [{destination: "/idm", type: "bind", source: "src", options: ["rbind", "idmap"],
			uidMappings: [{containerID: 0, hostID: 100000, size: 1000}],
			gidMappings: [{containerID: 0, hostID: 100000, size: 1000}]}]'
		create_ok
		jq_config '.mounts |= map(select(.destination != "/idm"))'
	fi
	# disabled in features -> refused by name
	[ "$(features | jq .linux.intelRdt.enabled)" = false ]
	jq_config '.linux.intelRdt = {closID: "x"}'
	expect_refused /linux/intelRdt
	[ "$(features | jq .linux.netDevices.enabled)" = false ]
	jq_config 'del(.linux.intelRdt) | .linux.netDevices = {eth9: {}}'
	expect_refused /linux/netDevices
	jq_config 'del(.linux.netDevices)'
	if [ "$(features | jq .linux.apparmor.enabled)" = false ]; then
		jq_config '.process.apparmorProfile = "p"'
		expect_refused /process/apparmorProfile
		jq_config 'del(.process.apparmorProfile)'
	fi
	if [ "$(features | jq .linux.selinux.enabled)" = false ]; then
		jq_config '.process.selinuxLabel = "l"'
		expect_refused /process/selinuxLabel
	fi
}

# ps, pgrep, podman top and probes find a process by its name: as with runc, it is the
# name the program was run by (busybox's applets are links to one file).
@test "the container's process is named after the path it runs (comm), as with runc" {
	make_bundle sh -c 'cat /proc/self/comm; exec sleep 0' >/dev/null
	run berth run -b "$BUNDLE" "$(new_id)" </dev/null
	assert_success
	[ "$output" = cat ]
	local ours=$output
	run runc_ run -b "$BUNDLE" "$(new_id)" </dev/null
	[ "$output" = "$ours" ]
	make_bundle sleep 1000 >/dev/null
	local id; id=$(new_id)
	q berth run -d -b "$BUNDLE" "$id"
	[ "$(cat "/proc/$(state_field berth "$id" .pid)/comm")" = sleep ]
}
