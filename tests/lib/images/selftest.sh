#!/bin/bash
# selftest.sh -- end-to-end check of the image test harness in this folder.
#
#   tests/lib/images/selftest.sh [MODE...]
#
# Not a bats test and not part of make check: run it by hand after changing the
# harness. It builds the images (make-images.sh) and the evil layouts (evil_layers.py),
# checks them locally (umoci unpack of multi, skopeo inspect of every layout), then for
# each registry MODE (default: all six) starts the registry (registry.bash), pushes
# everything, pulls it back with skopeo by tag and by digest (the index also per
# architecture), checks the digests against digests.env, checks what anonymous and
# wrong credentials get, stops the registry and checks that nothing is left running.
# Prints one line per check, timings per phase, and "N passed, M failed" at the end;
# exits non-zero when a check failed. Everything lives in one temp dir, removed at exit.
#
# MODE: none, basic, token, tls-none, tls-basic, tls-token.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=registry.bash
source "$here/registry.bash"

modes=("$@")
[ ${#modes[@]} -gt 0 ] || modes=(none basic token tls-none tls-basic tls-token)

work=$(mktemp -d "${TMPDIR:-/tmp}/berth-images-selftest.XXXXXX")
export REGISTRY_DIR=$work
started_pids=()
cleanup() {
	registry_stop
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0
# check DESCRIPTION CMD... -- run CMD quietly; one ok/FAIL line, the output on failure.
check() {
	local desc=$1
	shift
	if "$@" >"$work/check.out" 2>&1; then
		passed=$((passed + 1))
		printf 'ok    %s\n' "$desc"
	else
		failed=$((failed + 1))
		printf 'FAIL  %s\n' "$desc"
		sed 's/^/      /' "$work/check.out"
	fi
}
fails() { ! "$@"; }
# fails_with REGEX CMD... -- CMD fails, and its output says why (grep -E REGEX).
fails_with() {
	local re=$1 out
	shift
	if out=$("$@" 2>&1); then echo "succeeded: $out"; return 1; fi
	grep -Eq "$re" <<<"$out" || { echo "failed, but not with /$re/: $out"; return 1; }
}
same() { [ "$1" = "$2" ] || { echo "got '$1', want '$2'"; return 1; }; }

now() { echo "${EPOCHREALTIME/,/.}"; }
phase_start=
timings=()
phase() { phase_start=$(now); printf '\n== %s\n' "$1"; }
phase_end() {
	local t
	t=$(awk -v a="$phase_start" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }')
	timings+=("$(printf '%-34s %6ss' "$1" "$t")")
}

layout_manifest() { jq -r '.manifests[0].digest' "$1/index.json"; }
layout_blob() { echo "$1/blobs/sha256/${2#sha256:}"; }
layout_layers() { jq -r '[.layers[].digest] | join(" ")' "$(layout_blob "$1" "$(layout_manifest "$1")")"; }

images=$work/images evil=$work/evil

# ---- local images ---------------------------------------------------------------------

phase "build images"
check "make-images.sh build" "$here/make-images.sh" build "$images"
phase_end "make-images.sh build"
# shellcheck source=/dev/null
source "$images/digests.env" || { echo "no digests.env; giving up"; exit 1; }
check "multi has 3 layers" same "$(wc -w <<<"$MULTI_LAYERS")" 3
check "layer sizes recorded" same "$(wc -w <<<"$MULTI_LAYER_SIZES")" 3
check "multi-uncompressed layers are the diff ids" same "$MULTI_UNCOMPRESSED_LAYERS" "$MULTI_DIFF_IDS"
check "zstd keeps the diff ids" same "$MULTI_ZSTD_DIFF_IDS" "$MULTI_DIFF_IDS"

phase "check images locally"
unpack_opts=()
[ "$(id -u)" = 0 ] || unpack_opts=(--rootless)
check "umoci unpack multi" umoci unpack "${unpack_opts[@]}" --image "$images/multi:latest" "$work/bundle"
rootfs=$work/bundle/rootfs
for p in $MULTI_PRESENT; do
	check "multi has $p" test -e "$rootfs$p" -o -L "$rootfs$p"
done
for p in $MULTI_ABSENT; do
	check "multi lacks $p" fails test -e "$rootfs$p" -o -L "$rootfs$p"
done
check "d/ holds only new" same "$(ls -A "$rootfs/data/d")" new
check "b-link is a hard link of b" same "$(stat -c %i "$rootfs/data/b-link")" "$(stat -c %i "$rootfs/data/b")"
check "setuid has mode 4755" same "$(stat -c %a "$rootfs/data/setuid")" 4755
check "fifo is a fifo" test -p "$rootfs/data/fifo"
check "c has xattr user.berth=1" same "$("$REGISTRY_PYTHON" -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.berth").decode())' "$rootfs/data/c")" 1
# shellcheck disable=SC2016  # the expected JSON holds a literal $BERTH_IMAGE
check "multi config" same "$(skopeo inspect --config "oci:$images/multi:latest" |
	jq -c '.config | [.Entrypoint, .Cmd[0], .WorkingDir, .User, (.Volumes | keys), .Labels["org.berth.test"], (.Env | length)]')" \
	'[["/bin/sh","-c"],"echo \"image=$BERTH_IMAGE\"; id -u; pwd","/data","1000:1000",["/vol"],"multi",3]'
check "docker-archive config digest" same "$(skopeo inspect --raw "docker-archive:$images/multi.docker.tar" | jq -r .config.digest)" "$MULTI_ARCHIVE_CONFIG"
check "dir: v2s2 manifest type" same "$(jq -r .mediaType "$images/multi-v2s2/manifest.json")" application/vnd.docker.distribution.manifest.v2+json
check "zstd layer type" same "$(skopeo inspect --raw "oci:$images/multi-zstd:latest" | jq -r '.layers[0].mediaType')" application/vnd.oci.image.layer.v1.tar+zstd
check "multiarch amd64 from the layout" same "$(skopeo inspect --override-arch amd64 "oci:$images/multiarch:latest" | jq -r .Architecture)" amd64
check "multiarch arm64 from the layout" same "$(skopeo inspect --override-arch arm64 "oci:$images/multiarch:latest" | jq -r .Architecture)" arm64
phase_end "check images locally"

phase "evil layouts"
check "evil_layers.py" "$REGISTRY_PYTHON" "$here/evil_layers.py" "$evil"
ncases=0
while IFS=$'\t' read -r name expect _; do
	ncases=$((ncases + 1))
	check "evil $name ($expect) is a valid layout" skopeo inspect "oci:$evil/$name:latest"
done <"$evil/cases.tsv"
check "evil cases listed" test "$ncases" -ge 20
phase_end "evil layouts ($ncases cases)"

# ---- registries -----------------------------------------------------------------------

# pulled_manifest ARGS... -- skopeo copy ARGS to a fresh OCI layout; prints its manifest
# (or index) digest. The layout's path is left in $work/last-pull (this runs in $(...)).
pulled_manifest() {
	local dest
	mkdir -p "$work/pull"
	dest=$(mktemp -d "$work/pull/XXXXXX")
	echo "$dest" >"$work/last-pull"
	skopeo copy -q "$@" "oci:$dest:latest" >/dev/null || return 1
	layout_manifest "$dest"
}
last_pull() { cat "$work/last-pull"; }
# remote_digest REPO:TAG [ARGS...] -- sha256 of the manifest as the registry serves it.
remote_digest() {
	local ref=$1
	shift
	echo "sha256:$(skopeo inspect --raw "${plain[@]}" "$@" "docker://$REGISTRY/$ref" | sha256sum | cut -d' ' -f1)"
}

run_mode() {
	local mode=$1 tls_flag=() auth=${1#tls-}
	[[ $mode == tls-* ]] && tls_flag=(--tls)
	phase "registry $mode"
	if ! registry_start "${tls_flag[@]}" --auth "$auth"; then
		failed=$((failed + 1))
		echo "FAIL  registry_start ${tls_flag[*]} --auth $auth"
		return
	fi
	passed=$((passed + 1))
	echo "ok    registry_start ${tls_flag[*]} --auth $auth -> $REGISTRY_URL"
	phase_end "$mode: registry_start"
	started_pids+=("$REGISTRY_PID" ${TOKEN_SERVER_PID:+"$TOKEN_SERVER_PID"})
	local -a src anon anon_dest plain curl_tls=()
	mapfile -t src < <(registry_skopeo_args --src)
	mapfile -t anon < <(registry_skopeo_args --src --anonymous)
	mapfile -t anon_dest < <(registry_skopeo_args --dest --anonymous)
	mapfile -t plain < <(registry_skopeo_args --plain)
	[ -n "${REGISTRY_CA:-}" ] && curl_tls=(--cacert "$REGISTRY_CA")

	local code want_code=200
	[ "$auth" = none ] || want_code=401
	code=$(curl -s -o /dev/null -w '%{http_code}' "${curl_tls[@]}" "$REGISTRY_URL/v2/")
	check "GET /v2/ -> $want_code" same "$code" "$want_code"
	if [ "$auth" = token ]; then
		check "challenge names the realm" grep -qi "www-authenticate: Bearer realm=\"$TOKEN_SERVER_URL/token\",service=\"$REGISTRY_TOKEN_SERVICE\"" \
			<(curl -s -D - -o /dev/null "${curl_tls[@]}" "$REGISTRY_URL/v2/")
	fi

	phase_start=$(now)
	check "make-images.sh push" "$here/make-images.sh" push "$images"
	phase_end "$mode: push ($(wc -w <<<"$IMAGES_PUSHED") repos)"

	phase_start=$(now)
	check "pull multi by tag" same "$(pulled_manifest "${src[@]}" "docker://$REGISTRY/multi:latest")" "$MULTI_MANIFEST"
	check "pull multi by digest" same "$(pulled_manifest "${src[@]}" "docker://$REGISTRY/multi@$MULTI_MANIFEST")" "$MULTI_MANIFEST"
	check "pulled multi layers" same "$(layout_layers "$(last_pull)")" "$MULTI_LAYERS"
	check "registry serves multi-v2s2 as schema2" same "$(remote_digest multi-v2s2:latest)" "$MULTI_V2S2_MANIFEST"
	check "pull multi-v2s2 by digest" skopeo copy -q "${src[@]}" "docker://$REGISTRY/multi-v2s2@$MULTI_V2S2_MANIFEST" "dir:$work/pull/v2s2"
	check "pulled v2s2 manifest" same "sha256:$(sha256sum <"$work/pull/v2s2/manifest.json" | cut -d' ' -f1)" "$MULTI_V2S2_MANIFEST"
	check "pull multi-zstd by digest" same "$(pulled_manifest "${src[@]}" "docker://$REGISTRY/multi-zstd@$MULTI_ZSTD_MANIFEST")" "$MULTI_ZSTD_MANIFEST"
	check "pulled zstd layers" same "$(layout_layers "$(last_pull)")" "$MULTI_ZSTD_LAYERS"
	check "pull multi-uncompressed by tag" same "$(pulled_manifest "${src[@]}" --dest-oci-accept-uncompressed-layers "docker://$REGISTRY/multi-uncompressed:latest")" "$MULTI_UNCOMPRESSED_MANIFEST"
	check "pull base by tag" same "$(pulled_manifest "${src[@]}" "docker://$REGISTRY/base:latest")" "$BASE_MANIFEST"
	check "registry serves the index" same "$(remote_digest multiarch:latest)" "$MULTIARCH_INDEX"
	check "pull multiarch amd64" same "$(pulled_manifest "${src[@]}" --override-arch amd64 "docker://$REGISTRY/multiarch:latest")" "$MULTIARCH_AMD64_MANIFEST"
	check "pull multiarch arm64" same "$(pulled_manifest "${src[@]}" --override-arch arm64 "docker://$REGISTRY/multiarch:latest")" "$MULTIARCH_ARM64_MANIFEST"
	check "pull multiarch arm64 by index digest" same "$(pulled_manifest "${src[@]}" --override-arch arm64 "docker://$REGISTRY/multiarch@$MULTIARCH_INDEX")" "$MULTIARCH_ARM64_MANIFEST"
	check "pull multiarch --all by digest" same "$(pulled_manifest "${src[@]}" --all "docker://$REGISTRY/multiarch@$MULTIARCH_INDEX")" "$MULTIARCH_INDEX"
	check "pull public/multi by digest" same "$(pulled_manifest "${src[@]}" "docker://$REGISTRY/public/multi@$MULTI_MANIFEST")" "$MULTI_MANIFEST"

	local denied='unauthorized|denied|authentication required'
	case $auth in
	none)
		check "anonymous pull works" same "$(pulled_manifest "${anon[@]}" "docker://$REGISTRY/multi:latest")" "$MULTI_MANIFEST"
		;;
	basic)
		check "anonymous pull of multi fails" fails_with "$denied" pulled_manifest "${anon[@]}" "docker://$REGISTRY/multi:latest"
		check "anonymous pull of public/multi fails" fails_with "$denied" pulled_manifest "${anon[@]}" "docker://$REGISTRY/public/multi:latest"
		check "wrong password fails" fails_with "$denied" pulled_manifest "${anon[@]/--src-no-creds/--src-creds=$REGISTRY_USER:wrong}" "docker://$REGISTRY/multi:latest"
		check "--src-creds works" same "$(pulled_manifest "${anon[@]/--src-no-creds/--src-creds=$REGISTRY_USER:$REGISTRY_PASSWORD}" "docker://$REGISTRY/base:latest")" "$BASE_MANIFEST"
		;;
	token)
		check "anonymous pull of public/multi by tag" same "$(pulled_manifest "${anon[@]}" "docker://$REGISTRY/public/multi:latest")" "$MULTI_MANIFEST"
		check "anonymous pull of public/multiarch arm64 by digest" same "$(pulled_manifest "${anon[@]}" --override-arch arm64 "docker://$REGISTRY/public/multiarch@$MULTIARCH_INDEX")" "$MULTIARCH_ARM64_MANIFEST"
		check "anonymous pull of multi fails" fails_with "$denied" pulled_manifest "${anon[@]}" "docker://$REGISTRY/multi:latest"
		check "anonymous push to public/ fails" fails_with "$denied" skopeo copy -q "${anon_dest[@]}" \
			"oci:$images/base:latest" "docker://$REGISTRY/public/pushed:latest"
		check "wrong password fails" fails_with "$denied" pulled_manifest "${anon[@]/--src-no-creds/--src-creds=$REGISTRY_USER:wrong}" "docker://$REGISTRY/public/multi:latest"
		local q="service=$REGISTRY_TOKEN_SERVICE&scope=repository:multi:pull,push"
		code=$(curl -s -o /dev/null -w '%{http_code}' "${curl_tls[@]}" -u "$REGISTRY_USER:wrong" "$TOKEN_SERVER_URL/token?$q")
		check "token: bad credentials -> 401" same "$code" 401
		check "token: GET grants pull,push" same "$(curl -sf "${curl_tls[@]}" -u "$REGISTRY_USER:$REGISTRY_PASSWORD" "$TOKEN_SERVER_URL/token?$q" |
			jq -r '.token | split(".")[1] | gsub("-"; "+") | gsub("_"; "/") | . + ("=" * ((4 - length % 4) % 4)) | @base64d | fromjson | .access[0].actions | join(",")')" pull,push
		check "token: anonymous public/ gets pull only" same "$(curl -sf "${curl_tls[@]}" "$TOKEN_SERVER_URL/token?service=$REGISTRY_TOKEN_SERVICE&scope=repository:public/multi:pull,push" |
			jq -r '.access_token | split(".")[1] | gsub("-"; "+") | gsub("_"; "/") | . + ("=" * ((4 - length % 4) % 4)) | @base64d | fromjson | .access[0].actions | join(",")')" pull
		check "token: POST password grant" same "$(curl -sf "${curl_tls[@]}" --data-urlencode grant_type=password --data-urlencode "username=$REGISTRY_USER" \
			--data-urlencode "password=$REGISTRY_PASSWORD" --data-urlencode "service=$REGISTRY_TOKEN_SERVICE" \
			--data-urlencode "scope=repository:multi:pull" "$TOKEN_SERVER_URL/token" | jq -r '.expires_in > 0')" true
		check "token: a bearer token reads the manifest" same "$(tok=$(curl -sf "${curl_tls[@]}" -u "$REGISTRY_USER:$REGISTRY_PASSWORD" "$TOKEN_SERVER_URL/token?$q" | jq -r .token) &&
			curl -sf "${curl_tls[@]}" -H "Authorization: Bearer $tok" -H 'Accept: application/vnd.oci.image.manifest.v1+json' "$REGISTRY_URL/v2/multi/manifests/latest" | sha256sum | cut -d' ' -f1)" "${MULTI_MANIFEST#sha256:}"
		;;
	esac
	phase_end "$mode: pulls and auth checks"

	phase_start=$(now)
	local state=$REGISTRY_STATE_DIR pid
	registry_stop
	for pid in "${started_pids[@]}"; do
		check "pid $pid is gone" fails kill -0 "$pid"
	done
	check "state dir removed" fails test -e "$state"
	check "variables unset" test -z "${REGISTRY:-}${REGISTRY_PID:-}${TOKEN_SERVER_PID:-}${REGISTRY_AUTH_FILE:-}"
	started_pids=()
	rm -rf "$work/pull"
	phase_end "$mode: registry_stop"
}

total_start=$(now)
for m in "${modes[@]}"; do
	case $m in
	none | basic | token | tls-none | tls-basic | tls-token) run_mode "$m" ;;
	*) echo "unknown mode $m" >&2; failed=$((failed + 1)) ;;
	esac
done

printf '\n== timings\n'
printf '%s\n' "${timings[@]}"
awk -v a="$total_start" -v b="$(now)" 'BEGIN { printf "%-34s %6.2fs\n", "registry modes, total", b - a }'
printf '\n%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" = 0 ]
