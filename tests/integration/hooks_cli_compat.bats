#!/usr/bin/env bats
# hooks_cli_compat.bats -- the CLI where scripts rely on runc's behaviour (kill 0, unknown
# commands) and the OCI hooks as runtime-spec 1.2 words them (config.md "POSIX-platform
# Hooks", runtime.md "Lifecycle"). Each test says whether it follows runc 1.1.5, crun 1.8.1
# or the spec where the two differ.

load ../lib/common

# q and runq (tests/lib/common.bash) keep a created container's stdio off bats' pipes.

setup() {
	common_setup
	LOG=$BATS_TEST_TMPDIR/hooks.log
	: > "$LOG"
	# A host-side hook: appends "NAME cwd=... env=..." to $LOG, then exits with $2 (default 0).
	HOOK=$BATS_TEST_TMPDIR/hook.sh
	cat > "$HOOK" <<-EOF
		#!/bin/sh
		echo "\$1 cwd=\$(pwd) env=\$(env | grep -v '^PWD=\|^SHLVL=\|^_=' | sort | tr '\n' ' ')" >> "$LOG"
		exit \${2:-0}
	EOF
	chmod +x "$HOOK"
	export LOG HOOK
}

# A bundle with a private, writable rootfs running `sleep 1000`, its cgroups at a path of its
# own (so that the test can look for them in every hierarchy).
# hook_bundle [SUFFIX] -- several in one test need distinct suffixes.
hook_bundle() {
	BUNDLE=$BATS_TEST_TMPDIR/bundle${1:+-$1}
	make_bundle --copy sleep 1000 >/dev/null
	CGPATH=/berth-hooks-test-$$-$BATS_TEST_NUMBER${1:+-$1}
	jq_config --arg p "$CGPATH" '.root.readonly = false | .linux.cgroupsPath = $p'
}

# hook NAME [STATUS] -- the JSON of a $HOOK entry that logs NAME and exits with STATUS.
hook() {
	jq -cn --arg p "$HOOK" --arg n "$1" --arg s "${2:-0}" '{path: $p, args: ["hook.sh", $n, $s]}'
}

# Nothing of container ID is left: no state dir, cgroup, mount of its bundle, or process
# (the init and the shim both carry the id on their command lines).
assert_nothing_left() {
	local id=$1 d
	[ ! -e "$ROOT/$id" ] || { echo "state dir $ROOT/$id left" >&2; return 1; }
	for d in /sys/fs/cgroup/*"$CGPATH" /sys/fs/cgroup/*/*"$CGPATH"; do
		[ ! -e "$d" ] || { echo "cgroup $d left" >&2; return 1; }
	done
	if grep -F "$BUNDLE" /proc/self/mountinfo >&2; then
		echo "mounts of $BUNDLE left" >&2
		return 1
	fi
	[ "$(procs_naming "$id")" -eq 0 ] || { echo "processes naming $id left" >&2; return 1; }
}

# ---- CLI --------------------------------------------------------------------------------

@test "kill ID 0 checks that the container is alive, as runc" {
	make_bundle sleep 1000 >/dev/null
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q runc_ create -b "$BUNDLE" "$id"
	# runc: 0 to a created or running container succeeds and sends nothing
	run berth kill "$id" 0
	assert_success
	run runc_ kill "$id" 0
	assert_success
	q berth start "$id"
	q runc_ start "$id"
	run berth kill "$id" 0
	assert_success
	[ "$(state_field berth "$id" .status)" = running ]
	berth kill "$id" KILL
	runc_ kill "$id" KILL
	wait_status berth "$id" stopped
	wait_status runc_ "$id" stopped
	# runc: "container not running", exit 1
	run runc_ kill "$id" 0
	assert_status 1
	run berth kill "$id" 0
	assert_status 1
	assert_output_contains "container not running"
}

@test "an unknown command exits 1 naming it, also with -h and after global options" {
	local args
	for args in "frobnicate" "frobnicate -h" "frobnicate --help" "--root $ROOT frobnicate x" "--debug frobnicate"; do
		# runc: "No help topic for 'frobnicate'" (exit 3); crun: "unknown command" (exit 1).
		run runc $args
		assert_failure
		# shellcheck disable=SC2086
		run "$BERTH_BIN" $args
		assert_status 1
		assert_output_contains 'unknown command "frobnicate"'
		[[ "$output" != *"A subcommand is required"* ]]
		[[ "$output" != *"Usage:"* ]]
	done
	# a known command still gets its help
	run "$BERTH_BIN" kill -h
	assert_success
	assert_output_contains "container-id"
}

@test "checkpoint and restore say they are not supported yet instead of asking for a subcommand" {
	local args
	for args in "checkpoint" "checkpoint ID" "restore -h" "--root $ROOT checkpoint ID"; do
		# shellcheck disable=SC2086
		run "$BERTH_BIN" $args
		assert_status 1
		assert_output_contains "is not supported yet"
		[[ "$output" != *"A subcommand is required"* ]]
	done
	# exec without an id says what it lacks
	run "$BERTH_BIN" exec
	assert_status 1
	assert_output_contains "a container id is required"
}

# ---- hooks: failures --------------------------------------------------------------------

@test "hooks: a failing poststart hook is a warning, later ones run and the container keeps running" {
	# runtime-spec 1.2 and crun 1.8.1. (runc 1.1.5 runs poststart in create and destroys the
	# container when one fails; the spec since 1.3 fails the start.)
	hook_bundle
	jq_config --argjson a "$(hook ps1 3)" --argjson b "$(hook ps2)" --argjson c "$(hook ps3 4)" \
		'.hooks.poststart = [$a, $b, $c]'
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	runq berth start "$id"
	assert_success
	assert_output_contains "warning"
	assert_output_contains "poststart hook $HOOK failed with status 3 [config /hooks/poststart/0]"
	assert_output_contains "poststart hook $HOOK failed with status 4 [config /hooks/poststart/2]"
	[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "ps1 ps2 ps3 " ]
	[ "$(state_field berth "$id" .status)" = running ]
	local pid; pid=$(state_field berth "$id" .pid)
	kill -0 "$pid"
	q berth delete -f "$id"
	assert_nothing_left "$id"
}

@test "hooks: every poststop hook runs when earlier ones fail; delete succeeds and removes everything" {
	# runtime-spec 1.2 and crun 1.8.1 (runc 1.1.5 stops at the first failing poststop hook).
	hook_bundle
	jq_config --argjson a "$(hook pst1 3)" --argjson b "$(hook pst2)" --argjson c "$(hook pst3 5)" \
		--argjson d "$(hook pst4)" '.hooks.poststop = [$a, $b, $c, $d]'
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	q berth start "$id"
	runq berth delete -f "$id"
	assert_success
	assert_output_contains "poststop hook $HOOK failed with status 3 [config /hooks/poststop/0]"
	assert_output_contains "poststop hook $HOOK failed with status 5 [config /hooks/poststop/2]"
	[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "pst1 pst2 pst3 pst4 " ]
	assert_nothing_left "$id"
}

@test "hooks: a failing prestart, createRuntime or createContainer hook fails create and leaves nothing" {
	# runtime-spec 1.2 lifecycle steps 3-5; runc 1.1.5 and crun 1.8.1 fail create too.
	local kind id
	for kind in prestart createRuntime createContainer; do
		hook_bundle "$kind"
		jq_config --arg k "$kind" --argjson a "$(hook "$kind-1")" --argjson b "$(hook "$kind-2" 7)" \
			--argjson c "$(hook "$kind-3")" '.hooks[$k] = [$a, $b, $c]'
		id=$(new_id)
		: > "$LOG"
		runq berth create -b "$BUNDLE" "$id"
		assert_status 1
		assert_output_contains "$kind hook $HOOK failed with status 7 [config /hooks/$kind/1]"
		[[ "$output" != *ECANCELED* ]]
		[ "$(cut -d' ' -f1 "$LOG" | tr '\n' ' ')" = "$kind-1 $kind-2 " ]
		run berth state "$id"
		assert_output_contains "container does not exist"
		assert_nothing_left "$id"
	done
}

@test "hooks: a failing startContainer hook fails start and stops the container; delete leaves nothing" {
	# runtime-spec 1.2 step 7 ("generate an error, stop the container"). runc 1.1.5 and crun
	# 1.8.1 print the error but exit 0 from start; like them berth keeps the stopped
	# container's state until delete.
	hook_bundle
	printf '#!/bin/sh\necho "$1" >> /tmp/start-hooks.log\nexit "$2"\n' > "$BUNDLE/rootfs/sc.sh"
	chmod +x "$BUNDLE/rootfs/sc.sh"
	jq_config '.hooks.startContainer = [{path: "/sc.sh", args: ["sc.sh", "sc1", "0"]},
		{path: "/sc.sh", args: ["sc.sh", "sc2", "9"]}, {path: "/sc.sh", args: ["sc.sh", "sc3", "0"]}]'
	local id; id=$(new_id)
	q berth create -b "$BUNDLE" "$id"
	local pid; pid=$(state_field berth "$id" .pid)
	runq berth start "$id"
	assert_status 1
	assert_output_contains "startContainer hook /sc.sh failed with status 9 [config /hooks/startContainer/1]"
	[ "$(cat "$BUNDLE/rootfs/tmp/start-hooks.log" | tr '\n' ' ')" = "sc1 sc2 " ]
	# stopped when start returns: the user's program never ran
	[ "$(state_field berth "$id" .status)" = stopped ]
	! kill -0 "$pid" 2>/dev/null
	q berth delete "$id"
	assert_nothing_left "$id"
}

# ---- hooks: environment and working directory ---------------------------------------------

@test "hooks: without env a runtime hook inherits berth's environment, with env [] it gets none" {
	# runc 1.1.5 and crun 1.8.1 (Go's exec.Cmd with a nil Env).
	hook_bundle
	jq_config --argjson a "$(hook cr-inherit)" --argjson b "$(hook cr-empty)" --argjson c "$(hook ps-inherit)" \
		--argjson d "$(hook pst-set)" \
		'.hooks.createRuntime = [$a, ($b + {env: []})] | .hooks.poststart = [$c]
		 | .hooks.poststop = [$d + {env: ["ONLY=this"]}]'
	local id; id=$(new_id)
	BERTH_HOOK_MARK=from-the-caller q berth create -b "$BUNDLE" "$id"
	BERTH_HOOK_MARK=from-the-starter q berth start "$id"
	q berth delete -f "$id"
	cat "$LOG"
	grep -q '^cr-inherit .*BERTH_HOOK_MARK=from-the-caller' "$LOG"
	grep -q '^cr-empty cwd=[^ ]* env=$' "$LOG"
	grep -q '^ps-inherit .*BERTH_HOOK_MARK=from-the-starter' "$LOG"
	grep -q '^pst-set cwd=[^ ]* env=ONLY=this $' "$LOG"
}

@test "hooks: container-namespace hooks without env get the process env, never the host's" {
	# runc 1.1.5: its init runs createContainer and startContainer hooks with process.env
	# (crun 1.8.1 passes its own environment to createContainer hooks).
	hook_bundle
	printf '#!/bin/sh\necho "$1 env=$(env | grep -v "^PWD=\\|^SHLVL=\\|^HOME=" | sort | tr "\\n" " ")" >> /tmp/env.log\n' \
		> "$BUNDLE/rootfs/env.sh"
	chmod +x "$BUNDLE/rootfs/env.sh"
	jq_config --argjson a "$(hook cc)" \
		'.process.env = ["PATH=/bin:/usr/bin", "IN_CONTAINER=yes"]
		 | .hooks.createContainer = [$a] | .hooks.startContainer = [{path: "/env.sh", args: ["env.sh", "sc"]}]'
	local id; id=$(new_id)
	BERTH_HOOK_MARK=host q berth create -b "$BUNDLE" "$id"
	BERTH_HOOK_MARK=host q berth start "$id"
	cat "$LOG" "$BUNDLE/rootfs/tmp/env.log"
	grep -q '^cc cwd=[^ ]* env=IN_CONTAINER=yes PATH=/bin:/usr/bin $' "$LOG"
	grep -q '^sc env=IN_CONTAINER=yes PATH=/bin:/usr/bin $' "$BUNDLE/rootfs/tmp/env.log"
}

@test "hooks: createContainer hooks run with the container's rootfs as their cwd, as runc" {
	# runc 1.1.5 chdirs to the rootfs before them (crun 1.8.1 leaves its own cwd).
	hook_bundle
	jq_config --argjson a "$(hook cc)" '.hooks.createContainer = [$a]'
	local id; id=$(new_id)
	(cd "$BATS_TEST_TMPDIR" && q berth create -b "$BUNDLE" "$id")
	cat "$LOG"
	grep -q "^cc cwd=$BUNDLE/rootfs env=" "$LOG"
}

# ---- hooks: seccomp -----------------------------------------------------------------------

# startContainer hook that makes a directory (the filter below denies mkdir) and records
# who ran it.
seccomp_bundle() {  # NO_NEW_PRIVS UID
	hook_bundle "$1-$2"
	printf '#!/bin/sh\nmkdir /tmp/sc-made && echo "uid=$(id -u) $(grep CapEff /proc/self/status)" > /tmp/sc-made/who\n' \
		> "$BUNDLE/rootfs/sc.sh"
	chmod +x "$BUNDLE/rootfs/sc.sh"
	chmod 1777 "$BUNDLE/rootfs/tmp"
	jq_config --argjson nnp "$1" --argjson uid "$2" '.process.noNewPrivileges = $nnp | .process.user.uid = $uid
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86_64"],
		    syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}
		| .hooks.startContainer = [{path: "/sc.sh"}]'
}

@test "hooks: startContainer hooks run before the seccomp filter, as the process user" {
	# Issue 10's rule, not runc's or crun's: runc 1.1.5 and crun 1.8.1 load the filter before
	# these hooks, so a filter denying mkdir fails this hook there. Like runc, the hooks run
	# with the process's uid and capabilities, never the init's full set.
	local nnp uid id pid
	for nnp in false true; do
		for uid in 0 1000; do
			seccomp_bundle "$nnp" "$uid"
			id=$(new_id)
			q berth create -b "$BUNDLE" "$id"
			runq berth start "$id"
			assert_success
			[ "$(state_field berth "$id" .status)" = running ]
			cat "$BUNDLE/rootfs/tmp/sc-made/who"
			grep -q "^uid=$uid " "$BUNDLE/rootfs/tmp/sc-made/who"
			# the container's own capabilities (the default spec's three for root, none for
			# uid 1000), not the init's before it dropped them
			if [ "$uid" = 0 ]; then
				grep -q "CapEff:.0000000020000420$" "$BUNDLE/rootfs/tmp/sc-made/who"
			else
				grep -q "CapEff:.0000000000000000$" "$BUNDLE/rootfs/tmp/sc-made/who"
			fi
			# the filter is on for the user's program
			pid=$(state_field berth "$id" .pid)
			[ "$(awk '/^Seccomp:/ {print $2}' "/proc/$pid/status")" = 2 ]
			q berth delete -f "$id"
			assert_nothing_left "$id"
		done
	done
}
