#!/usr/bin/env bats
# engines_cri.bats -- the Kubernetes CRI path: containerd 1.6's CRI plugin (Debian's
# containerd) driven the way the kubelet drives it, by a small CRI client
# (tests/cri/cri_client.py, runtime.v1 over gRPC, no kubelet), with two runtime handlers
# (Kubernetes RuntimeClasses), both containerd's runc shim v2: `runc` (/usr/sbin/runc) and
# `berth` (bin/berth-runc). Each test runs the same calls with either handler, checks the
# answers, and checks that both handlers gave the same ones (note/same_for_both).
# containerd runs on a private root, state, socket and config under $BATS_FILE_TMPDIR,
# inside its own network and mount namespaces (`unshare -m -n`, lo up), so that the CNI
# network (one bridge + host-local conflist, 10.213.0.0/24, the IPAM records in the private
# dir) never touches the host's, and the pods' rootfs and netns mounts are never the host's
# (other tests count the host's mounts); restrict_oom_score_adj and disable_apparmor as this machine needs
# (shared/engines/cri.md). Images: the sandbox's is a tiny static pause built here, the
# containers' the test busybox rootfs, both OCI archives (tests/lib/make-oci-archive.sh)
# imported into containerd's k8s.io namespace. Each handler keeps its runtime's state in
# its own Root; every test stops and removes its pods, and nothing of them may be left:
# runtime state, shims, containers' cgroups.

load ../lib/common

BERTH_RUNC=${BERTH_BIN%/*}/berth-runc
CRI_CLIENT=$BERTH_TOP/tests/cri/cri_client.py
PAUSE_IMAGE=localhost/berth-test-pause:1
IMAGE=localhost/berth-test-busybox:1
HANDLERS=(runc berth)

# cri CMD... -- one CRI call (tests/cri/cri_client.py); prints its JSON answer
cri() { timeout 120 "$CRI_PYTHON" "$CRI_CLIENT" --socket "$CRI/containerd.sock" --gen "$CRI/gen" "$@"; }

# A python3 with Debian's grpc and protobuf modules (a python3 first in PATH may lack them).
cri_python() {
	local py
	for py in python3 /usr/bin/python3; do
		"$py" -c 'import grpc, google.protobuf' >/dev/null 2>&1 && { command -v "$py"; return 0; }
	done
	return 1
}

setup_file() {
	command -v containerd >/dev/null && command -v ctr >/dev/null && command -v protoc >/dev/null &&
		command -v unshare >/dev/null && command -v ip >/dev/null || return 0
	CRI_PYTHON=$(cri_python) || return 0
	export CRI_PYTHON CRI=$BATS_FILE_TMPDIR/cri
	# Pods' cgroups: /<CRI_CGROUP>/pod<uid>/<id> in every hierarchy (cgroupfs driver).
	export CRI_CGROUP=berth-cri-test-$$
	mkdir -p "$CRI/root" "$CRI/state" "$CRI/net.d" "$CRI/logs" "$CRI/pause/bin"
	cat > "$CRI/config.toml" <<-EOF
		version = 2
		root = "$CRI/root"
		state = "$CRI/state"
		disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
		[grpc]
		  address = "$CRI/containerd.sock"
		[ttrpc]
		  address = "$CRI/containerd.sock.ttrpc"
		[debug]
		  address = ""
		  level = "info"
		[metrics]
		  address = ""
		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$PAUSE_IMAGE"
		  disable_apparmor = true
		  restrict_oom_score_adj = true
		  enable_selinux = false
		  netns_mounts_under_state_dir = true
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "$CRI/net.d"
		    max_conf_num = 1
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    snapshotter = "overlayfs"
		    default_runtime_name = "runc"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
		        BinaryName = "/usr/sbin/runc"
		        Root = "$CRI/runc-root"
		        SystemdCgroup = false
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth.options]
		        BinaryName = "$BERTH_RUNC"
		        Root = "$CRI/berth-root"
		        SystemdCgroup = false
	EOF
	cat > "$CRI/net.d/10-berth-test.conflist" <<-EOF
		{
		  "cniVersion": "1.0.0",
		  "name": "berth-cri-test",
		  "plugins": [{
		    "type": "bridge", "bridge": "cni-berth0", "isGateway": true, "ipMasq": false,
		    "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.213.0.0/24"}]], "dataDir": "$CRI/ipam"}
		  }]
		}
	EOF
	# containerd, its shims and the pods' network in network and mount namespaces of their own,
	# gone with its last process; lo up for the CRI stream server on 127.0.0.1.
	unshare -m -n sh -c 'ip link set lo up && exec containerd --config "$1"' sh "$CRI/config.toml" \
		> "$CRI/containerd.log" 2>&1 3>&- &
	echo $! > "$CRI/pid"
	local i
	for i in $(seq 200); do
		ctr -a "$CRI/containerd.sock" version >/dev/null 2>&1 && break
		sleep 0.05
	done
	# The sandbox image: a static pause that ends on SIGTERM/SIGINT. make-oci-archive.sh's
	# image runs "sh", so /bin/sh is the pause program there.
	cat > "$CRI/pause.c" <<-'EOF'
		#include <signal.h>
		#include <unistd.h>
		static void done(int sig) { (void)sig; _exit(0); }
		int main(void) {
			signal(SIGTERM, done);
			signal(SIGINT, done);
			for (;;) pause();
		}
	EOF
	${CC:-cc} -static -O2 -o "$CRI/pause/pause" "$CRI/pause.c"
	ln -s /pause "$CRI/pause/bin/sh"
	"$BERTH_LIB/make-oci-archive.sh" "$CRI/pause" "$PAUSE_IMAGE" "$CRI/pause.tar"
	"$BERTH_LIB/make-bundle.sh" "$CRI/bundle" true >/dev/null  # builds the cached rootfs
	"$BERTH_LIB/make-oci-archive.sh" "$BERTH_TEST_CACHE/rootfs" "$IMAGE" "$CRI/image.tar"
	local img
	for img in pause image; do
		timeout 60 ctr -a "$CRI/containerd.sock" -n k8s.io images import "$CRI/$img.tar" >/dev/null
	done
	# The CRI plugin learns of imported images from containerd's events: wait until it knows both.
	for i in $(seq 100); do
		[ -n "$(cri image "$PAUSE_IMAGE" | jq -r .id)" ] && [ -n "$(cri image "$IMAGE" | jq -r .id)" ] && break
		sleep 0.05
	done
}

teardown_file() {
	[ -n "${CRI:-}" ] && [ -f "$CRI/pid" ] || return 0
	local p rc=0 pid i pat
	# Whatever a failed test left: pods stopped and removed, their containers with them.
	for p in $(cri pods 2>/dev/null | jq -r '.pods[]?.id'); do
		cri stop-pod "$p" >/dev/null 2>&1
		cri rm-pod "$p" >/dev/null 2>&1
	done
	pid=$(cat "$CRI/pid")
	kill "$pid" 2>/dev/null
	for i in $(seq 200); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
	# Nothing of containerd's or the runtimes' may be left: no process naming the private
	# directory (containerd, shims), no container state under either handler's Root.
	pat=$BATS_FILE_TMPDIR/.cri-pattern
	printf '%s\n' "$CRI" > "$pat"
	for i in $(seq 100); do
		[ -z "$(grep -lazF -f "$pat" /proc/[0-9]*/cmdline 2>/dev/null)" ] && break
		sleep 0.05
	done
	for p in $(grep -lazF -f "$pat" /proc/[0-9]*/cmdline 2>/dev/null); do
		echo "left: process ${p//[^0-9]/}: $(tr '\0' ' ' < "$p")" >&2
		rc=1
		p=${p#/proc/}
		kill -9 "${p%/cmdline}" 2>/dev/null
	done
	for p in "$CRI"/{runc,berth}-root/k8s.io/*; do
		[ -e "$p" ] || continue
		echo "left: runtime state $p" >&2
		rc=1
	done
	rmdir /sys/fs/cgroup/*/"$CRI_CGROUP" /sys/fs/cgroup/"$CRI_CGROUP" 2>/dev/null
	# What containerd and the CNI plugins keep outside their private directories.
	rm -f /var/lib/cni/results/berth-cri-test-*
	rmdir /var/lib/cni/results /var/lib/cni /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null
	umount "$CRI"/state/*/* 2>/dev/null  # pods' network namespaces, should any be left
	return $rc
}

setup() {
	require_cmd containerd ctr protoc unshare ip
	[ -n "${CRI_PYTHON:-}" ] || skip "python3 without the grpc and protobuf modules (python3-grpcio, python3-protobuf)"
	[ -x "$BERTH_RUNC" ] || skip "$BERTH_RUNC not built (make)"
	[ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ] || skip "no CNI plugins in /usr/lib/cni (containernetworking-plugins)"
	cri version >/dev/null 2>&1 || skip "containerd's CRI plugin did not start (see $CRI/containerd.log)"
	common_setup
	IDS=$BATS_TEST_TMPDIR/cri-ids  # "pod ID UID" and "ctr ID" lines: what this test made
	: > "$IDS"
}

# The pods this test made stopped and removed, as the kubelet does; then nothing of them may
# be left: the runtimes' state, a process naming one of them (their shim), a container's cgroup.
teardown() {
	local rc=0 kind id uid d i left
	while read -r kind id uid; do
		[ "$kind" = pod ] || continue
		cri stop-pod "$id" >/dev/null 2>&1
		cri rm-pod "$id" >/dev/null 2>&1
	done < "$IDS"
	for i in $(seq 100); do
		left=$(leftovers)
		[ -z "$left" ] && break
		sleep 0.05
	done
	if [ -n "$left" ]; then
		echo "left behind:" >&2
		echo "$left" >&2
		rc=1
	fi
	# The pods' own cgroup parents: CRI leaves them to the kubelet.
	while read -r kind id uid; do
		[ "$kind" = pod ] || continue
		rmdir /sys/fs/cgroup/*/"$CRI_CGROUP/pod$uid" /sys/fs/cgroup/"$CRI_CGROUP/pod$uid" 2>/dev/null
	done < "$IDS"
	common_teardown || rc=1
	return $rc
}

# What this test's pods and containers left, one a line.
leftovers() {
	local kind id uid d
	while read -r kind id uid; do
		for d in "$CRI"/{runc,berth}-root/k8s.io/"$id"; do
			[ -e "$d" ] && echo "runtime state $d"
		done
		[ "$(procs_naming "$id")" -eq 0 ] || echo "a process naming $kind $id"
		for d in /var/lib/cni/results/*-"$id"-*; do
			[ -e "$d" ] && echo "CNI result $d"
		done
		if [ "$kind" = pod ]; then
			for d in /sys/fs/cgroup/*/"$CRI_CGROUP/pod$uid"/* /sys/fs/cgroup/"$CRI_CGROUP/pod$uid"/*; do
				[ -d "$d" ] && echo "cgroup $d"
			done
		fi
	done < "$IDS"
}

# ---- helpers --------------------------------------------------------------------------

# new_pod HANDLER NAME [PID_MODE] -- RunPodSandbox with that handler, the pod named NAME (and
# so its hostname; a new uid each time), its containers' PID namespace CONTAINER (their own,
# the kubelet's default) or POD (shareProcessNamespace). Sets POD (its id) and POD_JSON (its
# config, a PodSandboxConfig in protobuf's JSON form, as crictl takes it).
new_pod() {
	local uid=$2-$RANDOM$RANDOM pid_mode=${3:-CONTAINER}
	POD_JSON=$BATS_TEST_TMPDIR/pod-$2.json
	POD_LOGS=$CRI/logs/$uid
	mkdir -p "$POD_LOGS"
	jq -n --arg n "$2" --arg u "$uid" --arg l "$POD_LOGS" --arg c "/$CRI_CGROUP/pod$uid" --arg p "$pid_mode" \
		'{metadata: {name: $n, uid: $u, namespace: "berth-test"}, hostname: $n, log_directory: $l,
		  linux: {cgroup_parent: $c, security_context: {namespace_options: {pid: $p}}}}' > "$POD_JSON"
	run cri run-pod --handler "$1" "$POD_JSON"
	assert_success
	POD=$(jq -r .pod_id <<<"$output")
	POD_UID=$uid
	echo "pod $POD $uid" >> "$IDS"
}

# new_container NAME ARG... -- CreateContainer in $POD from the busybox image, running ARG...,
# its log in $POD_LOGS/NAME.log. Sets CID.
new_container() {
	local name=$1
	shift
	run cri create --pod "$POD" --pod-config "$POD_JSON" --image "$IMAGE" --name "$name" --log "$name.log" -- "$@"
	assert_success
	CID=$(jq -r .container_id <<<"$output")
	echo "ctr $CID" >> "$IDS"
}

# end_pod -- StopPodSandbox and RemovePodSandbox of $POD, as the kubelet ends a pod
end_pod() {
	run cri stop-pod "$POD"
	assert_success
	run cri rm-pod "$POD"
	assert_success
}

# field JQ -- a field of the last answer ($output)
field() { jq -r "$1" <<<"$output"; }

# note TEXT -- one line of what handler $H gave; same_for_both compares them.
note() { local t="$*"; printf '%s\n' "${t//$'\n'/ }" >> "$BATS_TEST_TMPDIR/notes.$H"; }
same_for_both() {
	if ! diff -u "$BATS_TEST_TMPDIR/notes.runc" "$BATS_TEST_TMPDIR/notes.berth" >&2; then
		echo "runc and berth answered differently (above: - runc, + berth)" >&2
		return 1
	fi
}

# pod_namespaces PID -- note which of the pause process's namespaces the process PID shares
pod_namespaces() {
	run cri pod-status "$POD"
	local pause ns
	pause=$(field .pid)
	for ns in net ipc uts mnt pid; do
		if [ "$(readlink "/proc/$1/ns/$ns")" = "$(readlink "/proc/$pause/ns/$ns")" ]; then
			note "$ns: the pod's"
		else
			note "$ns: its own"
		fi
	done
}

# cgroup_hierarchies PATH -- the hierarchies that have the cgroup PATH (v1: the controllers'
# directories; "unified" for a cgroup2 mounted on /sys/fs/cgroup itself), on one line
cgroup_hierarchies() {
	local d out=
	for d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
		[ -d "$d" ] || continue
		d=${d#/sys/fs/cgroup/}
		d=${d%"$1"}
		d=${d%/}
		out+="${d:-unified} "
	done
	echo "$out"
}

# log_lines NAME -- the container's log without the CRI-format timestamps: "stdout F text"
log_lines() { cut -d' ' -f2- "$POD_LOGS/$1.log" 2>/dev/null; }

# wait_log NAME TEXT -- until the container's log has a line ending in TEXT (bounded)
wait_log() {
	local i
	for i in $(seq 200); do
		log_lines "$1" | grep -q " $2\$" && return 0
		sleep 0.05
	done
	echo "no '$2' in the log of $1:" >&2
	log_lines "$1" >&2
	return 1
}

# ---- tests ----------------------------------------------------------------------------

@test "CRI Version and ImageStatus: containerd's CRI plugin answers runtime.v1, knows both images" {
	run cri version
	assert_success
	[ "$(field .runtime_name)" = containerd ]
	[ "$(field .runtime_api_version)" = v1 ]
	run cri image "$PAUSE_IMAGE"
	assert_success
	[ "$(field '.tags[0]')" = "$PAUSE_IMAGE" ]
	run cri image "$IMAGE"
	assert_success
	[ "$(field '.tags[0]')" = "$IMAGE" ]
}

@test "RunPodSandbox, PodSandboxStatus, StopPodSandbox, RemovePodSandbox: as with runc" {
	local pid
	for H in "${HANDLERS[@]}"; do
		new_pod "$H" pod1
		note "run: ok"
		run cri pod-status "$POD"
		assert_success
		echo "$H: $output"
		note "status: $(field '.state + " " + .name')"
		[ "$(field .state)" = SANDBOX_READY ]
		[ "$(field .handler)" = "$H" ]
		[[ $(field .ip) == 10.213.0.* ]]
		# The pause process runs under containerd's shim, made by this handler's runtime.
		pid=$(field .pid)
		note "pause: $(cat "/proc/$pid/comm") under $(cat "/proc/$(awk '/^PPid:/{print $2}' "/proc/$pid/status")/comm")"
		[ -d "$CRI/$H-root/k8s.io/$POD" ]
		run cri stop-pod "$POD"
		assert_success
		run cri pod-status "$POD"
		assert_success
		note "stopped: $(field .state)"
		[ "$(field .state)" = SANDBOX_NOTREADY ]
		[ ! -e "/proc/$pid" ] || [ "$(awk '/^State:/{print $2}' "/proc/$pid/status")" = Z ]
		run cri stop-pod "$POD"  # idempotent
		assert_success
		run cri rm-pod "$POD"
		assert_success
		note "removed: ok"
		run cri pod-status "$POD"
		note "status after rm: $(field .error)"
		assert_failure
		run cri rm-pod "$POD"  # idempotent
		assert_success
	done
	same_for_both
}

@test "CreateContainer, StartContainer, ContainerStatus, StopContainer, RemoveContainer: as with runc" {
	local pid ppid
	for H in "${HANDLERS[@]}"; do
		new_pod "$H" life
		new_container c1 sh -c 'trap "echo got TERM; exit 5" TERM; echo ready; sleep 1000 & wait'
		run cri status "$CID"
		assert_success
		note "created: $(field '.state, .exit_code, .started')"
		[ "$(field .state)" = CONTAINER_CREATED ]
		run cri start "$CID"
		assert_success
		[ -d "$CRI/$H-root/k8s.io/$CID" ]  # made by this handler's runtime
		run cri status "$CID"
		assert_success
		echo "$H: $output"
		note "started: $(field '.state, .started, .finished')"
		[ "$(field .state)" = CONTAINER_RUNNING ]
		wait_log c1 ready
		pid=$(field .pid)
		ppid=$(awk '/^PPid:/{print $2}' "/proc/$pid/status")
		note "process: $(cat "/proc/$pid/comm") under $(cat "/proc/$ppid/comm")"
		[ "$(cat "/proc/$pid/comm")" = sh ]
		# its cgroups: <cgroup_parent>/<id> in every hierarchy, as runc makes them
		note "cgroups: $(cgroup_hierarchies "$CRI_CGROUP/pod$POD_UID/$CID")"
		cat /sys/fs/cgroup/{*/,}"$CRI_CGROUP/pod$POD_UID/$CID"/cgroup.procs 2>/dev/null | grep -qx "$pid"
		# It shares the pause process's network, IPC and UTS namespaces, not its PID namespace.
		pod_namespaces "$pid"
		[ "$(tail -n1 "$BATS_TEST_TMPDIR/notes.$H")" = "pid: its own" ]
		# kubelet's stop: the stop signal (SIGTERM), SIGKILL after the grace period
		run cri stop "$CID" --timeout 30
		assert_success
		run cri status "$CID"
		assert_success
		echo "$H: $output"
		note "stopped: $(field '.state, .exit_code, .reason, .finished')"
		[ "$(field .state)" = CONTAINER_EXITED ]
		[ "$(field .exit_code)" = 5 ]
		wait_log c1 "got TERM"
		note "log: $(log_lines c1 | tr '\n' '|')"
		run cri stop "$CID" --timeout 30  # idempotent
		assert_success
		run cri rm "$CID"
		assert_success
		[ ! -e "$CRI/$H-root/k8s.io/$CID" ]
		run cri status "$CID"
		note "status after rm: $(field .error)"
		assert_failure
		run cri rm "$CID"  # idempotent
		assert_success
		# Without a grace period: SIGKILL at once.
		new_container c2 sleep 1000
		run cri start "$CID"
		assert_success
		run cri stop "$CID" --timeout 0
		assert_success
		run cri status "$CID"
		note "killed: $(field '.state, .exit_code, .reason')"
		[ "$(field .exit_code)" = 137 ]
		run cri rm "$CID"
		assert_success
		end_pod
	done
	same_for_both
}

@test "ExecSync in a pod sharing its PID namespace: stdout, stderr, exit code, hostname, a missing command, a timeout: as with runc" {
	for H in "${HANDLERS[@]}"; do
		new_pod "$H" exec POD
		new_container c1 sleep 1000
		run cri start "$CID"
		assert_success
		run cri status "$CID"
		pod_namespaces "$(field .pid)"
		[ "$(tail -n1 "$BATS_TEST_TMPDIR/notes.$H")" = "pid: the pod's" ]
		# pause is PID 1 there; the container's process is not
		run cri exec-sync "$CID" -- sh -c 'readlink /proc/1/exe; [ "$(pidof sleep)" -gt 1 ] && echo sleep'
		assert_success
		note "pid 1, sleep: $(field .stdout)"
		[ "$(field .stdout)" = $'/pause\nsleep' ]
		run cri exec-sync "$CID" -- sh -c 'echo out; echo err >&2; exit 3'
		assert_success
		echo "$H: $output"
		note "exec: $output"
		[ "$(field .stdout)" = out ]
		[ "$(field .stderr)" = err ]
		[ "$(field .exit_code)" = 3 ]
		run cri exec-sync "$CID" -- sh -c 'echo $(hostname) $(id -u) $(pwd)'
		assert_success
		note "exec: $output"
		[ "$(field .stdout)" = "exec 0 /" ]
		run cri exec-sync "$CID" -- nope
		echo "$H: $output"
		assert_failure
		note "missing command: $(field .error)"
		assert_output_contains "executable file not found"
		local t0=$SECONDS
		run cri exec-sync "$CID" --timeout 1 -- sleep 60
		echo "$H: $output"
		note "timeout: $(field '.error // .exit_code')"
		[ $((SECONDS - t0)) -lt 30 ]
		run cri status "$CID"
		note "after the execs: $(field .state)"
		[ "$(field .state)" = CONTAINER_RUNNING ]
		run cri stop "$CID"
		assert_success
		run cri rm "$CID"
		assert_success
		end_pod
	done
	same_for_both
}

@test "A container that exits by itself: exit code 7 (Error) or 0 (Completed), its log: as with runc" {
	local c
	for H in "${HANDLERS[@]}"; do
		new_pod "$H" exit
		new_container c7 sh -c 'echo bye; echo oops >&2; exit 7'
		local c7=$CID
		new_container c0 true
		local c0=$CID
		for c in "$c7" "$c0"; do
			run cri start "$c"
			assert_success
		done
		for c in "$c7" "$c0"; do
			run cri wait "$c" CONTAINER_EXITED
			echo "$H: $output"
			assert_success
			note "exited: $(field '.name, .state, .exit_code, .reason, .started, .finished')"
		done
		run cri status "$c7"
		[ "$(field .exit_code)" = 7 ]
		[ "$(field .reason)" = Error ]
		run cri status "$c0"
		[ "$(field .exit_code)" = 0 ]
		[ "$(field .reason)" = Completed ]
		wait_log c7 oops
		wait_log c7 bye
		note "log: $(log_lines c7 | sort | tr '\n' '|')"
		run cri containers --pod "$POD"
		note "listed: $(field '[.containers[] | .name + " " + .state] | sort | join(", ")')"
		run cri rm "$c7"
		assert_success
		run cri rm "$c0"
		assert_success
		end_pod
	done
	same_for_both
}

@test "StopPodSandbox with a container running: killed (137); RemovePodSandbox removes it: as with runc" {
	for H in "${HANDLERS[@]}"; do
		new_pod "$H" stop
		new_container c1 sleep 1000
		run cri start "$CID"
		assert_success
		run cri stop-pod "$POD"
		assert_success
		run cri status "$CID"
		echo "$H: $output"
		note "after stop-pod: $(field '.state, .exit_code, .reason')"
		[ "$(field .state)" = CONTAINER_EXITED ]
		[ "$(field .exit_code)" = 137 ]
		run cri rm-pod "$POD"
		assert_success
		run cri containers --pod "$POD"
		note "after rm-pod: $(field '.containers | length')"
		[ "$(field '.containers | length')" = 0 ]
		[ ! -e "$CRI/$H-root/k8s.io/$CID" ]
	done
	same_for_both
}
