#!/bin/bash
# images.sh -- what berth's images cost (`make bench` runs it after cni.sh; it runs alone
# too), side by side with the Debian tools, on one registry on loopback (Debian's
# docker-registry, plain HTTP, started by tests/lib/images/registry.bash):
#   pull   a 5-layer image (busybox + 4 layers of 8 MB of incompressible files), from an
#          empty store to layers unpacked: `berth image pull` against `skopeo copy` to an
#          OCI layout + `umoci unpack` of it;
#   run    from the command to the process having run, the image in the store already:
#          `berth run --image` (overlay, and copy) against `podman run --rm` (overlay
#          storage, runc), the busybox image, `true`.
#
# Environment: BENCH_RUNS (10), BENCH_WARMUP (2), BERTH_BIN (bin/berth), BENCH_OUT (bench-out).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
RUNS=${BENCH_RUNS:-10}
WARMUP=${BENCH_WARMUP:-2}
BERTH_BIN=${BERTH_BIN:-$top/bin/berth}
OUT=${BENCH_OUT:-$top/bench-out}
for c in docker-registry skopeo umoci hyperfine jq python3; do
	command -v "$c" >/dev/null || { echo "images bench: skipped: no $c"; exit 0; }
done
[ -x "$BERTH_BIN" ] && [ -x "$top/bin/berth-image" ] || { echo "images bench: berth not built (make)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/berth-images-bench.XXXXXX)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# shellcheck disable=SC1091
source "$top/tests/lib/images/registry.bash"
cleanup() {
	[ -n "${PODMAN:-}" ] && { $PODMAN rm -a -f -t 0 >/dev/null 2>&1; $PODMAN rmi -a -f >/dev/null 2>&1; }
	"$BERTH_BIN" --root "$tmp/root" list -q 2>/dev/null | xargs -r -n1 "$BERTH_BIN" --root "$tmp/root" delete -f >/dev/null 2>&1
	registry_stop
	umount -R "$tmp/podman/root" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export REGISTRY_DIR=$tmp
registry_start --auth none >/dev/null || { echo "images bench: the registry did not start" >&2; exit 1; }
bash tests/lib/images/make-images.sh build "$tmp/img" >"$tmp/make-images.log" 2>&1 ||
	{ echo "images bench: make-images failed" >&2; tail -3 "$tmp/make-images.log"; exit 1; }
# The pull image: base + 4 layers of random bytes (each two 4 MB files).
cp -a "$tmp/img/base" "$tmp/big"
for i in 1 2 3 4; do
	mkdir -p "$tmp/layer$i/data$i"
	head -c 4194304 /dev/urandom >"$tmp/layer$i/data$i/a"
	head -c 4194304 /dev/urandom >"$tmp/layer$i/data$i/b"
	tar -C "$tmp/layer$i" -cf "$tmp/layer$i.tar" "data$i"
	umoci raw add-layer --image "$tmp/big:latest" "$tmp/layer$i.tar" >/dev/null 2>&1 ||
		{ echo "images bench: umoci raw add-layer failed" >&2; exit 1; }
done
skopeo copy -q --dest-tls-verify=false "oci:$tmp/big:latest" "docker://$REGISTRY/big:1" &&
	skopeo copy -q --dest-tls-verify=false "oci:$tmp/img/base:latest" "docker://$REGISTRY/base:1" ||
	{ echo "images bench: skopeo push failed" >&2; exit 1; }

echo "== image pull: 5 layers ($(du -sh "$tmp/big/blobs" | cut -f1) compressed) from a registry on loopback, into an empty store"
json=$OUT/images-pull.json
B="$BERTH_BIN --root $tmp/root"
if ! hyperfine --style basic -r "$RUNS" -w "$WARMUP" --export-json "$json" \
	-n "berth image pull" -p "rm -rf $tmp/root/images" "$B image pull -q --insecure docker://$REGISTRY/big:1" \
	-n "skopeo copy + umoci unpack" -p "rm -rf $tmp/oci $tmp/unpacked" \
	"skopeo copy -q --src-tls-verify=false docker://$REGISTRY/big:1 oci:$tmp/oci:1 && umoci unpack --image $tmp/oci:1 $tmp/unpacked" \
	>"$json.txt" 2>&1; then
	echo "images bench: hyperfine failed:"; tail -5 "$json.txt"; exit 1
fi
jq -r '.results[] | [.command, (.median * 1000 * 100 | round / 100)] | @tsv' "$json" |
	awk -F'\t' '{ printf "%-32s %10s ms\n", $1, $2; m[NR] = $2 } END { if (m[2] > 0) printf "(berth/skopeo+umoci: %.2f)\n", m[1] / m[2] }'

# run: the image in the store already
"$BERTH_BIN" --root "$tmp/root" image pull -q --insecure --name base "docker://$REGISTRY/base:1" >/dev/null
cmds=(-n "berth run --image (overlay)" "$B run --image base r true"
	-n "berth run --image (copy)" "$B run --image-backend copy --image base r true")
PODMAN=
if command -v podman >/dev/null && command -v conmon >/dev/null; then
	pm=$tmp/podman
	mkdir -p "$pm"
	printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\nnetns = "none"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' >"$pm/containers.conf"
	P="env CONTAINERS_CONF=$pm/containers.conf podman --root $pm/root --runroot $pm/run --storage-driver overlay --tmpdir $pm/tmp --runtime runc"
	if $P pull -q --tls-verify=false "docker://$REGISTRY/base:1" >/dev/null 2>"$tmp/podman.err" &&
		$P run --rm "$REGISTRY/base:1" true 2>>"$tmp/podman.err"; then
		PODMAN=$P
		cmds+=(-n "podman run --rm (overlay, runc)" "$P run --rm $REGISTRY/base:1 true")
	else
		echo "images bench: podman left out: $(tail -1 "$tmp/podman.err")"
	fi
fi
echo "== run an image already in the store: busybox, true"
json=$OUT/images-run.json
if ! hyperfine --style basic -r "$RUNS" -w "$WARMUP" --export-json "$json" "${cmds[@]}" >"$json.txt" 2>&1; then
	echo "images bench: hyperfine failed:"; tail -5 "$json.txt"; exit 1
fi
jq -r '.results[] | [.command, (.median * 1000 * 100 | round / 100)] | @tsv' "$json" |
	awk -F'\t' '{ printf "%-32s %10s ms\n", $1, $2; m[NR] = $2 } END { if (m[3] > 0) printf "(berth overlay/podman: %.2f)\n", m[1] / m[3] }'
echo "(medians in ms over $RUNS runs; hyperfine JSON and text in $OUT/images-*.json*)"
