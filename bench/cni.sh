#!/bin/bash
# cni.sh -- what a CNI bridge network costs a container (`make bench` runs it after
# bench.sh; it runs alone too): berth's create+start+delete with `--network` against the
# same without a network, and podman's `run --rm --network` against `--network none`
# (podman 4.3 with its CNI backend, on private roots), both on one conflist (bridge +
# host-local) and the same plugins, everything inside a network namespace of its own
# (unshare --net=FILE), so that no bridge, veth or rule is the host's. The CNI share is
# (with - without) / with, per engine.
#
# Environment: BENCH_RUNS (30), BENCH_WARMUP (3), BERTH_BIN (bin/berth), BENCH_OUT (bench-out),
#   CNI_BIN_DIR (/usr/lib/cni).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
BERTH_BIN=${BERTH_BIN:-$top/bin/berth}
OUT=${BENCH_OUT:-$top/bench-out}
PLUGINS=${CNI_BIN_DIR:-/usr/lib/cni}
export BERTH_TEST_CACHE=${BERTH_TEST_CACHE:-/var/tmp/berth-test-cache}

for p in bridge host-local; do
	[ -x "$PLUGINS/$p" ] || { echo "cni bench: skipped: no $PLUGINS/$p (containernetworking-plugins)"; exit 0; }
done
command -v hyperfine >/dev/null && command -v jq >/dev/null || { echo "cni bench: needs hyperfine and jq" >&2; exit 1; }
[ -x "$BERTH_BIN" ] || { echo "cni bench: $BERTH_BIN not built (make)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/berth-cni-bench.XXXXXX)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
NETNS=$tmp/netns
cleanup() {
	local id
	for id in $(nsenter --net="$NETNS" "$BERTH_BIN" --root "$tmp/root" list -q 2>/dev/null); do
		nsenter --net="$NETNS" "$BERTH_BIN" --root "$tmp/root" delete -f "$id" >/dev/null 2>&1
	done
	[ -n "${PODMAN:-}" ] && { $PODMAN rm -a -f -t 0 >/dev/null 2>&1; $PODMAN rmi -a -f >/dev/null 2>&1; }
	umount "$NETNS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

touch "$NETNS"
unshare --net="$NETNS" ip link set lo up || { echo "cni bench: cannot make a network namespace" >&2; exit 1; }
in_ns="nsenter --net=$NETNS"

mkdir -p "$tmp/net.d"
cat > "$tmp/net.d/10-bench.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "bench", "plugins": [
  {"type": "bridge", "bridge": "bench0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.216.0.0/16"}]], "dataDir": "$tmp/ipam"}}]}
EOF
BERTH_SPEC=runc tests/lib/make-bundle.sh "$tmp/bundle" /bin/true >/dev/null || exit 1

B="$in_ns $BERTH_BIN --root $tmp/root"
cmds=(-n "berth, --network" "$B create --bundle $tmp/bundle --network bench --cni-conf-dir $tmp/net.d --cni-bin-dir $PLUGINS n && $B start n && $B delete -f n"
	-n "berth, no network" "$B create --bundle $tmp/bundle n && $B start n && $B delete -f n")

# podman with its CNI backend, the same conflist and plugins, vfs storage, private roots.
if command -v podman >/dev/null && command -v conmon >/dev/null; then
	pm=$tmp/podman
	mkdir -p "$pm"
	cat > "$pm/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[network]
network_backend = "cni"
cni_plugin_dirs = ["$PLUGINS"]
network_config_dir = "$tmp/net.d"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
	PODMAN="env CONTAINERS_CONF=$pm/containers.conf $in_ns podman --root $pm/root --runroot $pm/run --storage-driver vfs --tmpdir $pm/tmp --runtime runc"
	if tar -C "$BERTH_TEST_CACHE/rootfs" -c . | $PODMAN import - localhost/bench:1 >/dev/null 2>&1 &&
		$PODMAN run --rm --network bench localhost/bench:1 true >/dev/null 2>"$tmp/podman.err"; then
		cmds+=(-n "podman run, --network" "$PODMAN run --rm --network bench localhost/bench:1 true"
			-n "podman run, --network none" "$PODMAN run --rm --network none localhost/bench:1 true")
	else
		echo "cni bench: podman left out: $(tail -1 "$tmp/podman.err" 2>/dev/null)"
		PODMAN=
	fi
fi

echo "== CNI bridge network (bridge + host-local): create+start+delete with and without"
json=$OUT/cni-bridge.json
if ! hyperfine --style basic -r "$RUNS" -w "$WARMUP" --export-json "$json" "${cmds[@]}" > "$json.txt" 2>&1; then
	echo "cni bench: hyperfine failed:"; tail -5 "$json.txt"; exit 1
fi
declare -A MED
while IFS=$'\t' read -r name ms; do MED[$name]=$ms; done < <(
	jq -r '.results[] | [.command, (.median * 1000 * 100 | round / 100)] | @tsv' "$json")
share() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a > 0) printf "%.2f ms, %.0f%%", a - b, 100 * (a - b) / a; else print "-" }'; }
printf '%-28s %10s %10s %22s\n' engine "network" "none" "CNI share"
printf '%-28s %10s %10s %22s\n' "berth create+start+delete" "${MED[berth, --network]}" "${MED[berth, no network]}" \
	"$(share "${MED[berth, --network]}" "${MED[berth, no network]}")"
if [ -n "${MED[podman run, --network]:-}" ]; then
	printf '%-28s %10s %10s %22s\n' "podman run --rm (+runc)" "${MED[podman run, --network]}" \
		"${MED[podman run, --network none]}" "$(share "${MED[podman run, --network]}" "${MED[podman run, --network none]}")"
	echo "(berth/podman with the network: $(awk -v a="${MED[berth, --network]}" -v b="${MED[podman run, --network]}" 'BEGIN{printf "%.2f", a/b}'))"
fi
echo "(medians in ms over $RUNS runs; hyperfine JSON and text in $OUT/cni-bridge.json*)"
