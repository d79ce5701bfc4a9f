#!/bin/bash
# tests/vm/run.sh -- run a command as root inside a throwaway qemu VM that is a pure
# cgroup v2 host (owned by tests/vm/). The VM boots Debian's kernel with cgroup_no_v1=all
# under TCG (no KVM needed), sees the host's / read-only over 9p with a tmpfs overlay on
# top (so bash, bats, jq, busybox and bin/berth are there and writes are thrown away),
# and runs CMD in the repository's top directory (same path as on the host).
#
#   tests/vm/run.sh [--share DIR]... [--] CMD [ARG...]
#
# --share DIR mounts the host's DIR read-write and live (9p, no cache) at the same path
# in the guest: use it for files the host writes after boot or that the guest must hand
# back. Everything else is a snapshot of the host as it was at boot.
# CMD's stdout and stderr come out on ours once it finished; the exit status is CMD's.
# 77: qemu or the kernel is not available (one line on stderr says why; callers skip).
# 125: the VM failed to boot or run the command (the console's tail is shown).
# Env: BERTH_VM_CACHE (/var/cache/berth-vm: kernel + initramfs, kept between runs),
# BERTH_VM_MEM (MiB, 2048), BERTH_VM_SMP (2), BERTH_VM_TIMEOUT (s, 900),
# BERTH_VM_BOOT_TIMEOUT (s, 90: a boot that has not reached the command by then is
# retried once),
# BERTH_VM_DEBUG=1 (kernel messages on, console shown on stderr), BERTH_VM_QEMU (qemu
# binary, qemu-system-x86_64), BERTH_VM_CWD (the guest's working directory, repo top).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${BERTH_VM_CACHE:-/var/cache/berth-vm}
# Modules the initramfs loads, in dependency order (skipped when built in).
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"

skip() { echo "tests/vm/run.sh: skip: $*" >&2; exit 77; }
fail() { echo "tests/vm/run.sh: $*" >&2; exit 125; }

shares=()
while [ $# -gt 0 ]; do
	case $1 in
	--share) shares+=("$(realpath -e "$2")") || fail "no such directory: $2"; shift 2 ;;
	--) shift; break ;;
	-*) fail "unknown option $1" ;;
	*) break ;;
	esac
done
[ $# -gt 0 ] || fail "usage: run.sh [--share DIR]... [--] CMD [ARG...]"
for d in "${shares[@]}"; do
	case $d in *[[:space:],]*) fail "--share path must not contain spaces or commas: $d" ;; esac
done

qemu=$(command -v "${BERTH_VM_QEMU:-qemu-system-x86_64}") || skip "${BERTH_VM_QEMU:-qemu-system-x86_64} not found (apt-get install --no-install-recommends qemu-system-x86)"
[ -x /bin/busybox ] || skip "busybox-static not installed"
mkdir -p "$cache" || skip "cannot create cache dir $cache"

# ---- kernel: Debian's linux-image, unpacked once into $cache/<version>/ ----
# Only vmlinuz, the PVH vmlinux extracted from it, config and the needed modules are kept.
fetch_kernel() {
	local meta tmp ver
	meta=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}')
	[ -n "$meta" ] || return 1
	tmp=$(mktemp -d "$cache/.dl.XXXXXX") || return 1
	(cd "$tmp" && apt-get download -q "$meta" >/dev/null 2>&1) &&
		dpkg -x "$tmp"/"$meta"_*.deb "$tmp/x" || { rm -rf "$tmp"; return 1; }
	ver=${meta#linux-image-}
	mkdir -p "$tmp/k/modules"
	cp "$tmp/x/boot/vmlinuz-$ver" "$tmp/k/vmlinuz" && cp "$tmp/x/boot/config-$ver" "$tmp/k/config" || { rm -rf "$tmp"; return 1; }
	for m in $MODULES; do
		find "$tmp/x/lib/modules/$ver" -name "$m.ko*" -exec cp {} "$tmp/k/modules/" \;
	done
	cp "$tmp/x/lib/modules/$ver/modules.builtin" "$tmp/k/" 2>/dev/null
	# The uncompressed ELF kernel boots through PVH, skipping the slow decompression under TCG.
	local off
	off=$(grep -abo $'\xfd7zXZ\x00' "$tmp/k/vmlinuz" | head -1 | cut -d: -f1)
	if [ -n "$off" ]; then
		# (tail dies of SIGPIPE when xz stops at the stream's end: only xz's status counts)
		{ tail -c +$((off + 1)) "$tmp/k/vmlinuz" || :; } | xz -dc --single-stream > "$tmp/k/vmlinux" 2>/dev/null &&
			[ "$(head -c4 "$tmp/k/vmlinux")" = $'\x7fELF' ] || rm -f "$tmp/k/vmlinux"
	fi
	rm -rf "${cache:?}/${ver:?}" && mv "$tmp/k" "$cache/$ver" && ln -sfn "$ver" "$cache/kernel"
	rm -rf "$tmp"
}

exec 9>"$cache/.lock"
flock 9
if [ ! -f "$cache/kernel/vmlinuz" ]; then
	echo "tests/vm/run.sh: fetching Debian's linux-image-amd64 into $cache" >&2
	fetch_kernel || skip "cannot fetch Debian's linux-image-amd64 (apt-get download failed)"
fi
kdir=$(readlink -f "$cache/kernel")
kver=$(basename "$kdir")

# ---- initramfs: busybox + modules + init.sh, keyed by kernel version and init.sh ----
key=$(cat "$here/init.sh" /bin/busybox | sha256sum | cut -c1-16)
initrd=$cache/initramfs-$kver-$key.cpio
if [ ! -f "$initrd" ]; then
	rm -f "$cache"/initramfs-*.cpio
	w=$(mktemp -d) || fail "mktemp failed"
	mkdir -p "$w"/{bin,dev,proc,sys,modules}
	cp /bin/busybox "$w/bin/busybox" && ln -s busybox "$w/bin/sh"
	cp "$here/init.sh" "$w/init" && chmod 755 "$w/init"
	for m in $MODULES; do
		if [ -f "$kdir/modules/$m.ko" ]; then
			cp "$kdir/modules/$m.ko" "$w/modules/" && echo "$m" >> "$w/modules.order"
		elif ! grep -q "/$m.ko\$" "$kdir/modules.builtin" 2>/dev/null; then
			rm -rf "$w"; fail "kernel $kver has module $m neither as a module nor built in"
		fi
	done
	(cd "$w" && find . | busybox cpio -o -H newc 2>/dev/null) > "$initrd.tmp" && mv "$initrd.tmp" "$initrd"
	rm -rf "$w"
	[ -f "$initrd" ] || fail "could not build the initramfs"
fi
flock -u 9
exec 9>&-

# ---- boot ----
run=$(mktemp -d /tmp/berth-vm.XXXXXX) || fail "mktemp failed"
trap 'rm -rf "$run"' EXIT
{
	printf 'cd %q || exit 125\n' "${BERTH_VM_CWD:-$top}"
	printf '%q ' "$@"
	echo
} > "$run/cmd"

kernel=$kdir/vmlinux
[ -f "$kernel" ] || kernel=$kdir/vmlinuz
quiet="quiet loglevel=0"
[ -n "${BERTH_VM_DEBUG:-}" ] && quiet="loglevel=7"
share_list=$(IFS=,; echo "${shares[*]}")
append="console=ttyS0 $quiet panic=-1 cgroup_no_v1=all rdinit=/init tsc=reliable mitigations=off"
append+=" berth_vm_out=$run berth_vm_shares=$share_list"

args=(-nodefaults -no-user-config -nographic -no-reboot
	-machine q35 -accel tcg,thread=multi -cpu max
	-m "${BERTH_VM_MEM:-2048}" -smp "${BERTH_VM_SMP:-2}"
	-kernel "$kernel" -initrd "$initrd" -append "$append"
	-serial "file:$run/console" -monitor none
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$run,mount_tag=out,security_model=none")
i=0
for d in "${shares[@]}"; do
	args+=(-virtfs "local,path=$d,mount_tag=share$i,security_model=none,multidevs=remap")
	i=$((i + 1))
done

# One boot: qemu under the command's timeout, killed early when the guest has not
# reached its command (init.sh writes $run/booted) within the boot timeout. Under TCG
# a boot takes 5-10 s here, and about one in a few dozen hangs before init (seen in
# a CI run: no console output, the suite's own timeout hit): such a boot is retried
# once rather than failing the suite.
boot() {
	rm -f "$run/booted" "$run/status" "$run/stdout" "$run/stderr" "$run/console"
	timeout "${BERTH_VM_TIMEOUT:-900}" "$qemu" "${args[@]}" > "$run/qemu.log" 2>&1 &
	local q=$! i
	for ((i = 0; i < ${BERTH_VM_BOOT_TIMEOUT:-90} * 10; i++)); do
		[ -f "$run/booted" ] && break
		kill -0 "$q" 2>/dev/null || break
		sleep 0.1
	done
	if [ ! -f "$run/booted" ] && kill -0 "$q" 2>/dev/null; then
		kill "$q" 2>/dev/null
		wait "$q"
		return 200  # no boot in time
	fi
	wait "$q"
}
boot
qrc=$?
if [ $qrc -eq 200 ]; then
	echo "tests/vm/run.sh: the VM did not boot within ${BERTH_VM_BOOT_TIMEOUT:-90}s; booting again" >&2
	tail -n 5 "$run/console" >&2 2>/dev/null
	boot
	qrc=$?
fi
[ -n "${BERTH_VM_DEBUG:-}" ] && cat "$run/console" >&2
if [ ! -f "$run/status" ]; then
	why="the command did not finish"
	[ -f "$run/booted" ] || why="the VM did not boot"
	[ $qrc -eq 124 ] && why="$why (timed out after ${BERTH_VM_TIMEOUT:-900}s)"
	{
		echo "tests/vm/run.sh: $why; qemu exit $qrc"
		tail -n 20 "$run/qemu.log" "$run/console" "$run/stdout" "$run/stderr" 2>/dev/null
	} >&2
	exit 125
fi
cat "$run/stdout"
cat "$run/stderr" >&2
exit "$(cat "$run/status")"
