#!/usr/bin/env bats
# images_registry.bats -- berth image pull from a real registry on loopback: Debian's
# docker-registry (distribution 2.8), started by tests/lib/images/registry.bash with TLS
# (a self-signed CA given with --cert-dir) and Bearer token auth (its python token
# issuer), the test images pushed with skopeo: by tag and by digest, an index resolved,
# schema 2 and zstd, anonymous and refused pulls, a resumed blob, pulls at once, and
# plain HTTP only with --insecure (a second registry, basic auth).

load ../lib/common
load ../lib/images/store
load ../lib/images/registry

setup_file() {
	export IMG=$BATS_FILE_TMPDIR/img
	command -v docker-registry >/dev/null && command -v skopeo >/dev/null && command -v umoci >/dev/null || return 0
	bash "$BERTH_LIB/images/make-images.sh" build "$IMG" >"$BATS_FILE_TMPDIR/make-images.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make-images.log" >&2; return 1; }
	registry_start --tls --auth token
	bash "$BERTH_LIB/images/make-images.sh" push "$IMG" >"$BATS_FILE_TMPDIR/push.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/push.log" >&2; return 1; }
}

teardown_file() { registry_stop; }

setup() {
	require_cmd docker-registry skopeo umoci jq
	[ -n "${REGISTRY:-}" ] || skip "no registry (docker-registry, skopeo, umoci)"
	common_setup
	# shellcheck disable=SC1091
	source "$IMG/digests.env"
	STORE=$ROOT/images
	echo '{}' >"$BATS_TEST_TMPDIR/no-auth.json"
}

teardown() { common_teardown; }

# berth image pull against the file's registry: TLS trusted through its CA; the
# credentials from $REGISTRY_AUTH_FILE, as podman and skopeo read it
pull() { "$BERTH_BIN" --root "$ROOT" image pull --cert-dir "$REGISTRY_CERT_DIR" "$@"; }
bi() { "$BERTH_BIN" --root "$ROOT" image "$@"; }

@test "images_registry: pull by tag and by digest over TLS with a token; schema 2, zstd and an index" {
	run pull -q "docker://$REGISTRY/multi:latest"
	assert_success
	[ "$output" = "$REGISTRY/multi:latest $MULTI_MANIFEST" ]
	run pull -q "docker://$REGISTRY/multi@$MULTI_MANIFEST"
	assert_success
	[ "$output" = "$REGISTRY/multi@$MULTI_MANIFEST $MULTI_MANIFEST" ]
	run pull -q "docker://$REGISTRY/multi-v2s2:latest"
	assert_success
	[ "$output" = "$REGISTRY/multi-v2s2:latest $MULTI_V2S2_MANIFEST" ]
	run pull -q "docker://$REGISTRY/multi-zstd:latest"
	assert_success
	[ "$output" = "$REGISTRY/multi-zstd:latest $MULTI_ZSTD_MANIFEST" ]
	# all four are the same three layers, unpacked once
	local n
	for n in multi:latest "multi@$MULTI_MANIFEST" multi-v2s2:latest multi-zstd:latest; do
		[ "$(bi inspect "$REGISTRY/$n" | jq -r '.diffIds | join(" ")')" = "$MULTI_DIFF_IDS" ]
	done
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
	if [ "$(uname -m)" = x86_64 ]; then
		run pull -q "docker://$REGISTRY/multiarch:latest"
		assert_success
		[ "$output" = "$REGISTRY/multiarch:latest $MULTIARCH_AMD64_MANIFEST" ]
		run pull -q --platform linux/arm64 --name arm "docker://$REGISTRY/multiarch:latest"
		[ "$output" = "arm $TINY_ARM64_MANIFEST" ]
	fi
	assert_store_verifies
	# a progress bar on a terminal (script(1) gives it one)
	rm -rf "$STORE"
	run script -qec "$BERTH_BIN --root $ROOT image pull --cert-dir $REGISTRY_CERT_DIR docker://$REGISTRY/multi:latest" /dev/null </dev/null
	assert_success
	assert_output_contains "Copying blobs [========================="
	assert_output_contains "100%"
	# JSON progress when stderr is no terminal: a line per blob
	rm -rf "$STORE"
	pull "docker://$REGISTRY/multi:latest" 2>"$BATS_TEST_TMPDIR/progress" >/dev/null
	[ "$(jq -r 'select(.status == "done") | .blob' "$BATS_TEST_TMPDIR/progress" | sort | tr '\n' ' ')" = \
		"$(echo "$MULTI_CONFIG $MULTI_LAYERS" | tr ' ' '\n' | sort | tr '\n' ' ')" ]
}

@test "images_registry: anonymous tokens pull public/ only; bad credentials and an unknown image are errors naming them" {
	run pull -q --authfile "$BATS_TEST_TMPDIR/no-auth.json" "docker://$REGISTRY/public/multi:latest"
	assert_success
	[ "$output" = "$REGISTRY/public/multi:latest $MULTI_MANIFEST" ]
	run pull -q --authfile "$BATS_TEST_TMPDIR/no-auth.json" "docker://$REGISTRY/multi:latest"
	assert_failure
	assert_output_contains "HTTP 401"
	run pull -q --creds "$REGISTRY_USER:wrong" "docker://$REGISTRY/multi:latest"
	assert_failure
	assert_output_contains "its token service $TOKEN_SERVER_URL/token refused (HTTP 401)"
	run pull -q "docker://$REGISTRY/no-such-image:latest"
	assert_failure
	assert_output_contains "HTTP 404: MANIFEST_UNKNOWN"
	# without the CA, TLS is not trusted
	run "$BERTH_BIN" --root "$ROOT" image pull -q "docker://$REGISTRY/multi:latest"
	assert_failure
	assert_output_contains "certificate"
	# a digest that is not the manifest's
	run pull -q "docker://$REGISTRY/multi@$MULTI_ZSTD_MANIFEST"
	assert_failure
	[ "$(bi list -q | wc -l)" -eq 1 ]
}

@test "images_registry: a cut-off blob resumes with a Range request; two pulls at once leave the store whole" {
	local layer size
	layer=$(echo "$MULTI_LAYERS" | cut -d' ' -f1)
	size=$(echo "$MULTI_LAYER_SIZES" | cut -d' ' -f1)
	mkdir -p "$STORE/ingest"
	head -c $((size / 2)) "$IMG/multi/blobs/sha256/${layer#sha256:}" >"$STORE/ingest/sha256-${layer#sha256:}"
	pull "docker://$REGISTRY/multi:latest" 2>"$BATS_TEST_TMPDIR/progress" >/dev/null
	cat "$BATS_TEST_TMPDIR/progress"
	[ "$(jq -r --arg l "$layer" 'select(.blob == $l and .status == "resuming") | .resumedFrom' "$BATS_TEST_TMPDIR/progress")" -eq $((size / 2)) ]
	assert_store_verifies
	# at once, into a fresh store
	rm -rf "$STORE"
	pull -q "docker://$REGISTRY/multi:latest" >"$BATS_TEST_TMPDIR/p1" 2>&1 &
	local p1=$! rc1=0 rc2=0
	pull -q --name other "docker://$REGISTRY/multi:latest" >"$BATS_TEST_TMPDIR/p2" 2>&1 || rc2=$?
	wait "$p1" || rc1=$?
	cat "$BATS_TEST_TMPDIR/p1" "$BATS_TEST_TMPDIR/p2"
	[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
	assert_store_verifies
}

@test "images_registry: run --image docker://... pulls and runs in one step; delete leaves the store's layers" {
	local id
	id=$(new_id)
	run "$BERTH_BIN" --root "$ROOT" run --image "docker://$REGISTRY/public/multi:latest" "$id"
	echo "$output"
	assert_failure # no CA given to run: TLS refuses
	assert_output_contains "--image docker://$REGISTRY/public/multi:latest: docker://$REGISTRY/public/multi:latest"
	assert_output_contains "certificate"
	[ ! -e "$ROOT/$id" ] && [ ! -e "$STORE/containers/$id" ]
	[ -z "$(bi list -q)" ]
	pull -q "docker://$REGISTRY/multi:latest"
	run "$BERTH_BIN" --root "$ROOT" run --image "$REGISTRY/multi:latest" "$id"
	assert_success
	[ "$output" = $'image=multi\n1000\n/data' ]
	[ ! -e "$STORE/containers/$id" ]
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 3 ]
}

@test "images_registry: plain HTTP only with --insecure; basic auth from --creds" {
	# a second registry, of this test's own: plain HTTP, basic auth (the file's goes on:
	# this test's process forgets it, and stops only its own)
	unset REGISTRY_PID TOKEN_SERVER_PID
	registry_start --auth basic
	local args=()
	mapfile -t args < <(registry_skopeo_args --dest)
	skopeo copy -q "${args[@]}" "oci:$IMG/base:latest" "docker://$REGISTRY/base:latest"
	run "$BERTH_BIN" --root "$ROOT" image pull -q "docker://$REGISTRY/base:latest"
	assert_failure
	run "$BERTH_BIN" --root "$ROOT" image pull -q --insecure --authfile "$BATS_TEST_TMPDIR/no-auth.json" "docker://$REGISTRY/base:latest"
	assert_failure
	assert_output_contains "asks for credentials: give --creds or --authfile"
	run "$BERTH_BIN" --root "$ROOT" image pull -q --insecure --creds "$REGISTRY_USER:$REGISTRY_PASSWORD" "docker://$REGISTRY/base:latest"
	assert_success
	[ "$output" = "$REGISTRY/base:latest $BASE_MANIFEST" ]
	registry_stop
}

@test "images_registry: a manifest naming one layer twice is pulled (each blob fetched once, no transfer waiting on another)" {
	# the base image with its layer listed twice, as images with repeated empty layers are
	local dup=$BATS_TEST_TMPDIR/dup m c cfg man
	cp -a "$IMG/base" "$dup"
	chmod -R u+w "$dup"
	m=$(jq -r '.manifests[0].digest' "$dup/index.json")
	c=$(jq -r '.config.digest' "$dup/blobs/sha256/${m#sha256:}")
	cfg=$(jq -c '.rootfs.diff_ids += .rootfs.diff_ids' "$dup/blobs/sha256/${c#sha256:}")
	printf '%s' "$cfg" >"$dup/cfg"
	c=sha256:$(sha256sum <"$dup/cfg" | cut -d' ' -f1)
	mv "$dup/cfg" "$dup/blobs/sha256/${c#sha256:}"
	man=$(jq -c --arg c "$c" --argjson n "$(stat -c %s "$dup/blobs/sha256/${c#sha256:}")" \
		'.config.digest = $c | .config.size = $n | .layers += .layers' "$dup/blobs/sha256/${m#sha256:}")
	printf '%s' "$man" >"$dup/man"
	m=sha256:$(sha256sum <"$dup/man" | cut -d' ' -f1)
	mv "$dup/man" "$dup/blobs/sha256/${m#sha256:}"
	jq --arg m "$m" --argjson n "$(stat -c %s "$dup/blobs/sha256/${m#sha256:}")" \
		'.manifests[0].digest = $m | .manifests[0].size = $n' "$dup/index.json" >"$dup/index.new"
	mv "$dup/index.new" "$dup/index.json"
	local args=()
	mapfile -t args < <(registry_skopeo_args --dest)
	skopeo copy -q --preserve-digests "${args[@]}" "oci:$dup:latest" "docker://$REGISTRY/dup:latest"
	run timeout 60 "$BERTH_BIN" --root "$ROOT" image pull -q --cert-dir "$REGISTRY_CERT_DIR" "docker://$REGISTRY/dup:latest"
	echo "$output"
	assert_success
	[ "$output" = "$REGISTRY/dup:latest $m" ]
	[ "$(bi inspect "$REGISTRY/dup:latest" | jq '.layers | length')" -eq 2 ]
	[ "$(ls "$STORE/layers/sha256" | wc -l)" -eq 1 ]
}
