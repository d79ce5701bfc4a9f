# cgroups.bash -- helpers of the cgroup suites (load after common):
#   load ../lib/common
#   load ../lib/cgroups

# cgroup_dirs NAME -- every directory called NAME in any mounted hierarchy.
cgroup_dirs() {
	find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -type d -name "$1" 2>/dev/null || true  # a directory removed meanwhile fails find
}

# own_cgroup CONTROLLER -- our cgroup in a v1 hierarchy.
own_cgroup() {
	awk -F: -v c="$1" '$2 == c { print $3 }' /proc/self/cgroup
}

# rm_cgroups NAME -- rmdir NAME (and what is below it) in every hierarchy,
# for the directories a test made by hand (or runc leaves behind).
rm_cgroups() {
	local d
	for d in $(cgroup_dirs "$1"); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true; done
}

# busy_pids_cgroup PREFIX -- a pids cgroup made by hand and holding a process of
# ours (a sleep), as a pod's or another runtime's would. Sets BUSY_NAME (the
# cgroupsPath without its leading /), BUSY_DIR and BUSY_PID; busy_cgroup_remove
# kills the process and removes the cgroup.
busy_pids_cgroup() {
	BUSY_NAME=$1-$$-$BATS_TEST_NUMBER
	BUSY_DIR=/sys/fs/cgroup/pids/$BUSY_NAME
	mkdir "$BUSY_DIR"
	sleep 1000 3>&- &
	BUSY_PID=$!
	echo "$BUSY_PID" > "$BUSY_DIR/cgroup.procs"
}

busy_cgroup_remove() {
	kill -9 "$BUSY_PID"
	wait "$BUSY_PID" 2>/dev/null || true
	rm_cgroups "$BUSY_NAME"
}
