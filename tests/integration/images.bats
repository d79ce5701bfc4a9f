#!/usr/bin/env bats
# images.bats -- berth's image store without a daemon (berth image ..., run --image):
# pulls from OCI layouts and docker-archive tarballs that umoci and skopeo made from
# busybox-static (tests/lib/images/make-images.sh), every blob verified, layers unpacked
# through fd-relative resolution; bundles and containers by the overlay, copy and bind
# backends; malicious layers (tests/lib/images/evil_layers.py) refused or contained; gc.
# Each test has its own --root, so its own store.

load ../lib/common
load ../lib/images/store

setup_file() {
	export IMG=$BATS_FILE_TMPDIR/img EVIL=$BATS_FILE_TMPDIR/evil
	command -v umoci >/dev/null && command -v skopeo >/dev/null || return 0
	bash "$BERTH_LIB/images/make-images.sh" build "$IMG" >"$BATS_FILE_TMPDIR/make-images.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make-images.log" >&2; return 1; }
	python3 "$BERTH_LIB/images/evil_layers.py" "$EVIL" >/dev/null
}

setup() {
	require_cmd umoci skopeo jq python3
	[ -f "$IMG/digests.env" ] || skip "the test images were not built"
	common_setup
	# shellcheck disable=SC1091
	source "$IMG/digests.env"
	STORE=$ROOT/images
}

teardown() {
	local d
	for d in "$BATS_TEST_TMPDIR"/ov "$BATS_TEST_TMPDIR"/cp; do
		[ ! -e "$d" ] || bi unbundle "$d" || true
	done
	common_teardown
}

bi() { "$BERTH_BIN" --root "$ROOT" image "$@"; }

# A tree as text: path, type, mode, owner, size of files, link target, file content hash.
tree_of() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k2)
}

@test "images: pull from an OCI layout by tag; list and inspect name its digests; every blob verifies" {
	run bi pull "oci:$IMG/multi:latest"
	assert_success
	[ "$output" = "multi:latest $MULTI_MANIFEST" ]
	run bi list --format json
	[ "$(jq -r '.[0].name + " " + .[0].id' <<<"$output")" = "multi:latest $MULTI_MANIFEST" ]
	run bi inspect multi
	assert_success
	[ "$(jq -r '.layers | join(" ")' <<<"$output")" = "$MULTI_LAYERS" ]
	[ "$(jq -r '.diffIds | join(" ")' <<<"$output")" = "$MULTI_DIFF_IDS" ]
	[ "$(jq -r '.config.config.WorkingDir' <<<"$output")" = /data ]
	# by its id too, and a prefix of it
	run bi inspect "${MULTI_MANIFEST#sha256:}"
	assert_success
	run bi inspect "${MULTI_MANIFEST:7:12}"
	assert_success
	assert_store_verifies
	# each layer unpacked once, under its diff id
	local d
	for d in $MULTI_DIFF_IDS; do [ -d "$STORE/layers/sha256/${d#sha256:}" ]; done
	# pulled again: nothing changes
	run bi pull "oci:$IMG/multi:latest"
	assert_success
	[ "$(bi list -q | wc -l)" -eq 1 ]
}

@test "images: gzip, zstd and plain layers, and a docker-archive, unpack to the same layers" {
	bi pull "oci:$IMG/multi:latest"
	bi pull "oci:$IMG/multi-zstd:latest"
	bi pull "oci:$IMG/multi-uncompressed:latest"
	run bi pull "docker-archive:$IMG/multi.docker.tar"
	assert_success
	echo "$output"
	local n
	for n in multi multi-zstd multi-uncompressed docker.io/library/multi; do
		[ "$(bi inspect "$n" | jq -r '.diffIds | join(" ")')" = "$MULTI_DIFF_IDS" ]
	done
	# three diff ids, three layer directories, shared by all four images
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
	assert_store_verifies
}

@test "images: an index resolves to this machine's manifest, or the one --platform names" {
	[ "$(uname -m)" = x86_64 ] || skip "the test index has linux/amd64 and linux/arm64 only"
	run bi pull "oci:$IMG/multiarch:latest"
	assert_success
	[ "$output" = "multiarch:latest $MULTIARCH_AMD64_MANIFEST" ]
	run bi pull --name arm --platform linux/arm64 "oci:$IMG/multiarch:latest"
	assert_success
	[ "$output" = "arm $TINY_ARM64_MANIFEST" ]
	run bi pull --platform linux/s390x "oci:$IMG/multiarch:latest"
	assert_failure
	assert_output_contains "no manifest for linux/s390x (it has: linux/amd64, linux/arm64/v8)"
}

@test "images: a corrupted blob is refused and never enters the store; a cut-off copy resumes" {
	local bad=$BATS_TEST_TMPDIR/bad layer
	cp -a "$IMG/multi" "$bad"
	layer=$(echo "$MULTI_LAYERS" | cut -d' ' -f2)
	chmod u+w "$bad/blobs/sha256/${layer#sha256:}"
	printf 'X' | dd of="$bad/blobs/sha256/${layer#sha256:}" bs=1 seek=10 conv=notrunc 2>/dev/null
	run bi pull "oci:$bad:latest"
	assert_failure
	assert_output_contains "blob $layer does not match its digest"
	[ ! -e "$STORE/blobs/sha256/${layer#sha256:}" ]
	[ -z "$(ls "$STORE/ingest" | grep -v '\.lock$')" ]
	[ "$(bi list -q | wc -l)" -eq 0 ]
	# A pull cut off halfway through the big layer left its first half: the next one
	# resumes from it.
	layer=$(echo "$MULTI_LAYERS" | cut -d' ' -f1)
	local size
	size=$(stat -c %s "$IMG/multi/blobs/sha256/${layer#sha256:}")
	head -c $((size / 2)) "$IMG/multi/blobs/sha256/${layer#sha256:}" >"$STORE/ingest/sha256-${layer#sha256:}"
	run bi pull "oci:$IMG/multi:latest"
	assert_success
	assert_store_verifies
	# and a leftover that is not this blob's start is thrown away, not trusted
	bi rm multi
	bi gc
	head -c 1000 /dev/urandom >"$STORE/ingest/sha256-${layer#sha256:}"
	run bi pull "oci:$IMG/multi:latest"
	assert_success
	assert_store_verifies
}

@test "images: two pulls of one image at once share the store and leave it whole" {
	bi pull "oci:$IMG/multi:latest" >"$BATS_TEST_TMPDIR/p1" 2>&1 &
	local p1=$!
	bi pull --name other "oci:$IMG/multi:latest" >"$BATS_TEST_TMPDIR/p2" 2>&1 &
	local p2=$! rc1=0 rc2=0
	wait "$p1" || rc1=$?
	wait "$p2" || rc2=$?
	cat "$BATS_TEST_TMPDIR/p1" "$BATS_TEST_TMPDIR/p2"
	[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
	[ "$(bi list -q | sort | tr '\n' ' ')" = "multi:latest other " ]
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
	assert_store_verifies
}

@test "images: overlay and copy bundles hold the same tree: whiteouts, opaque dirs, hard links, modes, owners, xattrs" {
	bi pull "oci:$IMG/multi:latest"
	grep -q overlay /proc/filesystems || skip "no overlay in this kernel"
	bi bundle --backend overlay multi "$BATS_TEST_TMPDIR/ov"
	bi bundle --backend copy multi "$BATS_TEST_TMPDIR/cp"
	grep -q " $BATS_TEST_TMPDIR/ov/rootfs " /proc/self/mountinfo
	diff <(tree_of "$BATS_TEST_TMPDIR/ov/rootfs") <(tree_of "$BATS_TEST_TMPDIR/cp/rootfs")
	local p
	for p in $MULTI_PRESENT; do [ -e "$BATS_TEST_TMPDIR/cp/rootfs$p" ] || [ -L "$BATS_TEST_TMPDIR/cp/rootfs$p" ]; done
	for p in $MULTI_ABSENT; do [ ! -e "$BATS_TEST_TMPDIR/cp/rootfs$p" ] && [ ! -e "$BATS_TEST_TMPDIR/ov/rootfs$p" ]; done
	# the hard link is one file, the setuid bit and the owner kept, the xattr too
	[ "$(stat -c %i "$BATS_TEST_TMPDIR/cp/rootfs/data/b")" = "$(stat -c %i "$BATS_TEST_TMPDIR/cp/rootfs/data/b-link")" ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/cp/rootfs/data/setuid")" = 4755 ]
	[ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/cp/rootfs/data/c")" = 1000:1000 ]
	local f
	for f in "$BATS_TEST_TMPDIR/cp/rootfs/data/c" "$BATS_TEST_TMPDIR/ov/rootfs/data/c"; do
		[ "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.berth").decode())' "$f")" = 1 ]
	done
	# the config: the image's process
	run jq -c '[.process.args, .process.cwd, .process.user.uid, .process.user.gid, .root.readonly]' "$BATS_TEST_TMPDIR/cp/config.json"
	echo "$output"
	[ "$(jq -r '.[1]' <<<"$output")" = /data ]
	[ "$(jq -r '.[2]' <<<"$output")" = 1000 ]
	[ "$(jq -r '.[4]' <<<"$output")" = false ]
	# unbundle removes both; the shared layers stay
	bi unbundle "$BATS_TEST_TMPDIR/ov"
	bi unbundle "$BATS_TEST_TMPDIR/cp"
	[ ! -e "$BATS_TEST_TMPDIR/ov" ] && [ ! -e "$BATS_TEST_TMPDIR/cp" ]
	! grep -q " $BATS_TEST_TMPDIR/ov/rootfs " /proc/self/mountinfo
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
	# a directory no bundle of berth's is refused
	mkdir "$BATS_TEST_TMPDIR/mine"
	run bi unbundle "$BATS_TEST_TMPDIR/mine"
	assert_failure
	[ -d "$BATS_TEST_TMPDIR/mine" ]
}

@test "images: run --image runs the image's process; delete removes its layer and mount, never a shared one" {
	bi pull "oci:$IMG/multi:latest"
	local id before
	before=$(mount_count)
	id=$(new_id)
	run "$BERTH_BIN" --root "$ROOT" run --image multi "$id"
	assert_success
	echo "$output"
	[ "$output" = $'image=multi\n1000\n/data' ]
	[ ! -e "$STORE/containers/$id" ]
	[ "$(mount_count)" -eq "$before" ]
	# detached, with a command of its own (the entrypoint stays: sh -c), writing to its layer
	id=$(new_id)
	"$BERTH_BIN" --root "$ROOT" run -d --image multi "$id" 'echo hello > /tmp/new-file; sleep 1000' </dev/null >/dev/null
	local i
	for i in $(seq 100); do [ -e "$STORE/containers/$id/upper/tmp/new-file" ] && break; sleep 0.05; done
	[ "$(cat "$STORE/containers/$id/upper/tmp/new-file")" = hello ]
	# its volume: a directory of its own, bound there
	run "$BERTH_BIN" --root "$ROOT" exec "$id" grep -c " /vol " /proc/self/mountinfo
	[ "$output" = 1 ]
	# the shared layers are untouched by the container's writes
	! find "$STORE/layers" -name new-file | grep -q .
	"$BERTH_BIN" --root "$ROOT" delete -f "$id"
	[ ! -e "$STORE/containers/$id" ]
	[ "$(mount_count)" -eq "$before" ]
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
	# a reference with its transport is pulled first
	id=$(new_id)
	run "$BERTH_BIN" --root "$ROOT" run --image "oci:$IMG/multi-zstd:latest" "$id"
	assert_success
	[ "$output" = $'image=multi\n1000\n/data' ]
	bi inspect multi-zstd:latest >/dev/null
	[ ! -e "$STORE/containers/$id" ]
	# copy backend: the same process
	id=$(new_id)
	run "$BERTH_BIN" --root "$ROOT" run --image-backend copy --image multi "$id"
	assert_success
	[ "$output" = $'image=multi\n1000\n/data' ]
	[ ! -e "$STORE/containers/$id" ]
}

@test "images: the bind backend binds a single-layer image read-only, and refuses more layers" {
	bi pull "oci:$IMG/base"
	bi pull "oci:$IMG/multi:latest"
	local id
	id=$(new_id)
	runq "$BERTH_BIN" --root "$ROOT" run --image-backend bind --image base "$id" sh -c 'touch /x || echo read-only'
	assert_success
	assert_output_contains "read-only"
	[ ! -e "$STORE/containers/$id" ]
	id=$(new_id)
	runq "$BERTH_BIN" --root "$ROOT" run --image-backend bind --image multi "$id"
	assert_failure
	assert_output_contains "the bind backend takes an image of one layer; multi:latest has 3"
	[ ! -e "$STORE/containers/$id" ] && [ ! -e "$ROOT/$id" ]
}

@test "images: a create that fails leaves no bundle; wrong uses of --image are errors naming them" {
	bi pull "oci:$IMG/base"
	local id
	id=$(new_id)
	# the process cannot start: the bundle goes with the container
	runq "$BERTH_BIN" --root "$ROOT" run --image base "$id" /no/such/program
	assert_failure
	[ ! -e "$STORE/containers/$id" ] && [ ! -e "$ROOT/$id" ]
	runq "$BERTH_BIN" --root "$ROOT" run --image nope "$id"
	assert_failure
	assert_output_contains "--image nope: no image nope in the store"
	runq "$BERTH_BIN" --root "$ROOT" run --image base --bundle "$BATS_TEST_TMPDIR" "$id"
	assert_failure
	assert_output_contains "--image and --bundle"
	runq "$BERTH_BIN" --root "$ROOT" run "$id" sh
	assert_failure
	assert_output_contains "a command after the container id needs --image"
	runq "$BERTH_BIN" --root "$ROOT" run --image base --image-backend zfs "$id"
	assert_failure
	assert_output_contains "backend zfs"
	run bi pull "nope:whatever"
	assert_failure
	assert_output_contains "name its transport"
	[ -z "$(ls "$STORE/containers")" ]
}

@test "images: malicious layers are refused or contained: nothing is written outside the store" {
	local canary=$BATS_TEST_TMPDIR/canary name expect desc before
	mkdir -p "$canary"
	before=$(find / -xdev \( -name escape -o -name escaped -o -name pax-escape -o -name evil \) 2>/dev/null | sort)
	while IFS=$'\t' read -r name expect desc; do
		runq bi pull "oci:$EVIL/$name:latest"
		echo "$name ($expect): $status: $output"
		case $expect in
		refused) [ "$status" -ne 0 ] ;;
		contained | allowed) [ "$status" -eq 0 ] ;;
		esac
	done <"$EVIL/cases.tsv"
	# Nothing named as the attacks name their files appeared anywhere but in the store.
	diff <(echo "$before") <(find / -xdev \( -name escape -o -name escaped -o -name pax-escape -o -name evil \) \
		-not -path "$STORE/*" 2>/dev/null | sort)
	# the contained ones landed inside their own layer
	local d
	d=$(bi inspect symlink-root-file | jq -r '.diffIds[0]')
	[ -f "$STORE/layers/sha256/${d#sha256:}/escaped" ]
	[ -L "$STORE/layers/sha256/${d#sha256:}/link" ]
	# no refused layer left a directory or a partial blob behind
	! ls "$STORE/layers/sha256" | grep -q tmp
	[ -z "$(ls "$STORE/ingest" | grep -v '\.lock$')" ]
	# device nodes are refused, naming the entry
	runq bi pull "oci:$EVIL/device-char:latest"
	assert_output_contains "entry dev/evil-mem: a character device (1:1): device nodes are refused"
	runq bi pull "oci:$EVIL/dotdot:latest"
	assert_output_contains 'entry ../../escape: a name with ".." in it'
}

@test "images: gc removes what no image uses, and keeps the layers of a live container whose image is gone" {
	bi pull "oci:$IMG/base"
	bi pull "oci:$IMG/multi:latest"
	local id
	id=$(new_id)
	"$BERTH_BIN" --root "$ROOT" run -d --image multi "$id" 'sleep 1000' </dev/null >/dev/null
	bi rm multi:latest base:latest
	[ -z "$(bi list -q)" ]
	bi gc
	# the container's three layers stay (base's one is among them)
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
	"$BERTH_BIN" --root "$ROOT" exec "$id" ls /data/b
	"$BERTH_BIN" --root "$ROOT" delete -f "$id"
	run bi gc
	assert_success
	[ -z "$(ls "$STORE/layers/sha256")" ]
	[ -z "$(ls "$STORE/blobs/sha256")" ]
	# a container's bundle left by a killed create (no container) goes too
	mkdir -p "$STORE/containers/gone"
	bi gc
	[ ! -e "$STORE/containers/gone" ]
}
