#!/bin/bash
# make-images.sh -- test images for berth's image puller, built from busybox-static.
#
#   make-images.sh build DIR     build every image below into DIR (made; must be empty)
#   make-images.sh push DIR      push them to the registry that registry.bash's
#                                registry_start exported ($REGISTRY, $REGISTRY_TLS,
#                                $REGISTRY_CERT_DIR, $REGISTRY_AUTH_FILE), each under NAME
#                                and public/NAME, checking that the registry ends up with
#                                exactly the digests of DIR/digests.env
#   make-images.sh DIR           same as build
#
# What DIR gets (OCI layouts are tagged "latest", so e.g. oci:DIR/multi:latest):
#   base/            OCI layout: one gzip layer, the busybox rootfs of make-rootfs.sh;
#                    linux/amd64; Cmd ["/bin/sh"]
#   multi/           OCI layout, 3 gzip layers: the busybox rootfs (umoci repack), then
#                    hand-made tars (mktar.py + `umoci raw add-layer`; umoci 0.4.7's own
#                    `insert` writes tars without the last padding and end-of-archive
#                    blocks, and needs xattrs, owners and devices on disk):
#                      2: /data/{a,b,c}, c 0600 1000:1000 with xattr user.berth=1,
#                         b-link (hard link to b), b-symlink -> b, busybox-abs -> /bin/busybox,
#                         setuid (mode 4755), fifo, /data/d/{x,y,sub/z}
#                      3: whiteout of /data/a, opaque /data/d holding only d/new
#                    config: Entrypoint, Cmd, Env, WorkingDir /data, User 1000:1000,
#                    Volumes /vol, Labels
#   multi-v2s2/      the same as docker schema2, in skopeo's dir: format
#                    (dir:DIR/multi-v2s2; skopeo 1.9 writes schema2 into an OCI layout
#                    but cannot read it back)
#   multi-zstd/      OCI layout, the same with zstd layers (skopeo --dest-compress-format zstd)
#   multi-uncompressed/  OCI layout, the same with uncompressed (tar) layers
#   multi.docker.tar docker-archive of multi, tagged multi:latest
#   tiny-arm64/      OCI layout, linux/arm64, one layer: /etc/arch ("arm64")
#   multiarch/       OCI layout whose index.json points to an image index (written with
#                    jq): linux/amd64 = base, linux/arm64/v8 = tiny-arm64
#   digests.env      shell assignments of the digests (sha256:...) to assert on, e.g.
#                    MULTI_MANIFEST, MULTI_CONFIG, MULTI_LAYERS (space-separated, in order),
#                    MULTI_LAYER_SIZES, MULTI_DIFF_IDS, MULTI_V2S2_MANIFEST, MULTI_ZSTD_*,
#                    MULTIARCH_INDEX, MULTIARCH_AMD64_MANIFEST, ...; MULTI_PRESENT and
#                    MULTI_ABSENT list paths the unpacked multi must have and must not
#                    have; IMAGES_PUSHED the repositories that push makes.
#                    Digests differ from build to build (umoci records times), so take
#                    them from this file; push keeps every one of them (--preserve-digests).
#
# Needs: umoci, skopeo, jq, python3 ($REGISTRY_PYTHON, as in registry.bash), busybox-static
# (through ../make-rootfs.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${REGISTRY_PYTHON:-}" ]; then
	REGISTRY_PYTHON=python3
	[ -x /usr/bin/python3 ] && REGISTRY_PYTHON=/usr/bin/python3
fi

die() { echo "make-images: $*" >&2; exit 1; }

# Quiet unless it fails.
quiet() {
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] || { printf 'make-images: %s failed:\n%s\n' "$*" "$out" >&2; return "$rc"; }
}

blob() { echo "$1/blobs/sha256/${2#sha256:}"; }                    # LAYOUT DIGEST -> path
manifest_of() { jq -r '.manifests[0].digest' "$1/index.json"; }     # LAYOUT -> digest
config_of() { jq -r '.config.digest' "$(blob "$1" "$(manifest_of "$1")")"; }
layers_of() { jq -r '[.layers[].digest] | join(" ")' "$(blob "$1" "$(manifest_of "$1")")"; }
layer_sizes_of() { jq -r '[.layers[].size] | join(" ")' "$(blob "$1" "$(manifest_of "$1")")"; }
diff_ids_of() { jq -r '.rootfs.diff_ids | join(" ")' "$(blob "$1" "$(config_of "$1")")"; }
sha_file() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

# add_blob LAYOUT FILE -- move FILE into LAYOUT's blobs; prints DIGEST SIZE.
add_blob() {
	local d s
	d=$(sha_file "$2")
	s=$(stat -c %s "$2")
	mv "$2" "$(blob "$1" "$d")"
	echo "$d $s"
}

record() {  # NAME VALUE -- one NAME="VALUE" line (values are digests, numbers, paths)
	case $2 in *[\"\$\`\\]*) die "record $1: unquotable value" ;; esac
	printf '%s="%s"\n' "$1" "$2" >> "$out/digests.env"
}

record_layout() {  # PREFIX LAYOUT
	record "${1}_MANIFEST" "$(manifest_of "$2")"
	record "${1}_CONFIG" "$(config_of "$2")"
	record "${1}_LAYERS" "$(layers_of "$2")"
	record "${1}_LAYER_SIZES" "$(layer_sizes_of "$2")"
	record "${1}_DIFF_IDS" "$(diff_ids_of "$2")"
}

umoci_unpack_opts=()
[ "$(id -u)" = 0 ] || umoci_unpack_opts=(--rootless)

# ---- build --------------------------------------------------------------------------

build_base() {
	local img=$out/base bundle=$tmp/base-bundle
	quiet umoci init --layout "$img"
	quiet umoci new --image "$img:latest"
	quiet umoci unpack "${umoci_unpack_opts[@]}" --image "$img:latest" "$bundle"
	"$here/../make-rootfs.sh" "$bundle/rootfs"
	quiet umoci repack --image "$img:latest" "$bundle"
	quiet umoci config --image "$img:latest" --architecture amd64 --os linux \
		--config.env PATH=/usr/sbin:/usr/bin:/sbin:/bin --config.cmd /bin/sh \
		--config.label org.berth.test=base
	quiet umoci gc --layout "$img"
}

build_multi() {
	local img=$out/multi
	cp -a "$out/base" "$img"
	"$REGISTRY_PYTHON" "$here/mktar.py" "$tmp/layer2.tar" <<-'EOF'
		dir      data
		file     data/a            data=a\n
		file     data/b            data=b\n
		file     data/c            mode=0600 uid=1000 gid=1000 data=c\n xattr.user.berth=1
		hardlink data/b-link       data/b
		symlink  data/b-symlink    b
		symlink  data/busybox-abs  /bin/busybox
		file     data/setuid       mode=4755 data=#!/bin/sh\necho\x20setuid\n
		fifo     data/fifo         mode=0600
		dir      data/d
		file     data/d/x          data=x\n
		file     data/d/y          data=y\n
		dir      data/d/sub
		file     data/d/sub/z      data=z\n
	EOF
	"$REGISTRY_PYTHON" "$here/mktar.py" "$tmp/layer3.tar" <<-'EOF'
		dir      data
		whiteout data/a
		dir      data/d            mode=0750
		opaque   data/d
		file     data/d/new        data=new\n
	EOF
	quiet umoci raw add-layer --image "$img:latest" --history.created_by "mktar layer2" "$tmp/layer2.tar"
	quiet umoci raw add-layer --image "$img:latest" --history.created_by "mktar layer3" "$tmp/layer3.tar"
	# shellcheck disable=SC2016  # $BERTH_IMAGE is for the container's shell
	quiet umoci config --image "$img:latest" --clear=config.cmd \
		--config.entrypoint /bin/sh --config.entrypoint -c \
		--config.cmd 'echo "image=$BERTH_IMAGE"; id -u; pwd' \
		--config.env BERTH_IMAGE=multi --config.env 'WITH_SPACE=a b' \
		--config.workingdir /data --config.user 1000:1000 --config.volume /vol \
		--config.label org.berth.test=multi --config.label org.berth.layers=3
	quiet umoci gc --layout "$img"
}

build_variants() {
	local src=oci:$out/multi:latest
	quiet skopeo copy --format v2s2 "$src" "dir:$out/multi-v2s2"
	# zstd layers: skopeo >= 1.9 (containers/image 5.23) writes them.
	quiet skopeo copy --dest-compress-format zstd "$src" "oci:$out/multi-zstd:latest"
	# uncompressed layers: decompress into dir:, then keep them as they are in oci:.
	quiet skopeo copy --dest-decompress "$src" "dir:$tmp/multi-plain"
	quiet skopeo copy --dest-oci-accept-uncompressed-layers "dir:$tmp/multi-plain" \
		"oci:$out/multi-uncompressed:latest"
	quiet skopeo copy "$src" "docker-archive:$out/multi.docker.tar:multi:latest"
}

build_tiny_arm64() {
	local img=$out/tiny-arm64
	quiet umoci init --layout "$img"
	quiet umoci new --image "$img:latest"
	"$REGISTRY_PYTHON" "$here/mktar.py" "$tmp/arm64.tar" <<-'EOF'
		dir  etc
		file etc/arch data=arm64\n
	EOF
	quiet umoci raw add-layer --image "$img:latest" "$tmp/arm64.tar"
	quiet umoci config --image "$img:latest" --architecture arm64 --os linux \
		--config.cmd /bin/cat --config.cmd /etc/arch --config.label org.berth.test=tiny-arm64
	quiet umoci gc --layout "$img"
}

build_multiarch() {
	local img=$out/multiarch f src arch desc
	mkdir -p "$img/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' > "$img/oci-layout"
	local descs=()
	for src in base tiny-arm64; do
		cp -n "$out/$src/blobs/sha256/"* "$img/blobs/sha256/"
		arch=$(jq -r .architecture "$(blob "$out/$src" "$(config_of "$out/$src")")")
		desc=$(jq -c --arg arch "$arch" '.manifests[0] | del(.annotations)
			| .platform = {architecture: $arch, os: "linux"}
			| if $arch == "arm64" then .platform.variant = "v8" else . end' "$out/$src/index.json")
		descs+=("$desc")
	done
	f=$tmp/index
	printf '%s\n' "${descs[@]}" | jq -cs '{schemaVersion: 2,
		mediaType: "application/vnd.oci.image.index.v1+json", manifests: .,
		annotations: {"org.berth.test": "multiarch"}}' > "$f"
	local d s
	read -r d s < <(add_blob "$img" "$f")
	jq -cn --arg d "$d" --argjson s "$s" '{schemaVersion: 2, manifests: [{
		mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s,
		annotations: {"org.opencontainers.image.ref.name": "latest"}}]}' > "$img/index.json"
}

build() {
	[ -n "${out:-}" ] || die "usage: $0 build DIR"
	mkdir -p "$out"
	[ -z "$(ls -A "$out")" ] || die "$out is not empty"
	out=$(cd "$out" && pwd)
	tmp=$(mktemp -d "$out/.tmp.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT

	build_base
	build_multi
	build_variants
	build_tiny_arm64
	build_multiarch

	: > "$out/digests.env"
	record_layout BASE "$out/base"
	record_layout MULTI "$out/multi"
	local i=1 l
	for l in $(layers_of "$out/multi"); do record "MULTI_LAYER$i" "$l"; i=$((i + 1)); done
	record MULTI_V2S2_MANIFEST "$(sha_file "$out/multi-v2s2/manifest.json")"
	record MULTI_V2S2_CONFIG "$(jq -r .config.digest "$out/multi-v2s2/manifest.json")"
	record MULTI_V2S2_LAYERS "$(jq -r '[.layers[].digest] | join(" ")' "$out/multi-v2s2/manifest.json")"
	record_layout MULTI_ZSTD "$out/multi-zstd"
	record_layout MULTI_UNCOMPRESSED "$out/multi-uncompressed"
	record MULTI_ARCHIVE_CONFIG "sha256:$(tar -xOf "$out/multi.docker.tar" manifest.json |
		jq -r '.[0].Config | sub("^sha256:"; "") | sub("\\.json$"; "")')"
	record_layout TINY_ARM64 "$out/tiny-arm64"
	local index
	index=$(manifest_of "$out/multiarch")
	record MULTIARCH_INDEX "$index"
	record MULTIARCH_AMD64_MANIFEST "$(jq -r '.manifests[] | select(.platform.architecture == "amd64") | .digest' "$(blob "$out/multiarch" "$index")")"
	record MULTIARCH_ARM64_MANIFEST "$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' "$(blob "$out/multiarch" "$index")")"
	record MULTI_PRESENT "/bin/busybox /data/b /data/c /data/b-link /data/b-symlink /data/busybox-abs /data/setuid /data/fifo /data/d/new"
	record MULTI_ABSENT "/data/a /data/.wh.a /data/d/x /data/d/y /data/d/sub /data/d/.wh..wh..opq"
	record IMAGES_PUSHED "base multi multi-v2s2 multi-zstd multi-uncompressed multiarch public/base public/multi public/multi-v2s2 public/multi-zstd public/multi-uncompressed public/multiarch"
}

# ---- push ---------------------------------------------------------------------------

# push_one SRC REPO WANT [skopeo flag...] -- copy SRC to $REGISTRY/REPO:latest, keeping
# every digest, and check that the registry's manifest digest is WANT.
push_one() {
	local src=$1 repo=$2 want=$3 got
	shift 3
	quiet skopeo copy --preserve-digests --digestfile "$tmp/digest" "${dest_args[@]}" "$@" \
		"$src" "docker://$REGISTRY/$repo:latest"
	got=$(cat "$tmp/digest")
	[ "$got" = "$want" ] || die "$repo: pushed manifest $got, expected $want"
}

push() {
	if [ -z "${out:-}" ] || [ ! -f "$out/digests.env" ]; then
		die "usage: $0 push DIR (built by $0 build DIR)"
	fi
	[ -n "${REGISTRY:-}" ] || die "push: no \$REGISTRY (run registry_start first)"
	# shellcheck source-path=SCRIPTDIR source=registry.bash
	source "$here/registry.bash"
	# shellcheck source=/dev/null
	source "$out/digests.env"
	local -a dest_args
	mapfile -t dest_args < <(registry_skopeo_args --dest)
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	local prefix
	for prefix in "" public/; do
		push_one "oci:$out/base:latest" "${prefix}base" "$BASE_MANIFEST"
		push_one "oci:$out/multi:latest" "${prefix}multi" "$MULTI_MANIFEST"
		push_one "dir:$out/multi-v2s2" "${prefix}multi-v2s2" "$MULTI_V2S2_MANIFEST"
		push_one "oci:$out/multi-zstd:latest" "${prefix}multi-zstd" "$MULTI_ZSTD_MANIFEST"
		push_one "oci:$out/multi-uncompressed:latest" "${prefix}multi-uncompressed" "$MULTI_UNCOMPRESSED_MANIFEST"
		push_one "oci:$out/multiarch:latest" "${prefix}multiarch" "$MULTIARCH_INDEX" --all
	done
}

case ${1:-} in
build) out=${2:-}; build ;;
push) out=${2:-}; out=${out:+$(cd "$out" && pwd)}; push ;;
'' | -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; [ -n "${1:-}" ] ;;
*) out=$1; build ;;
esac
