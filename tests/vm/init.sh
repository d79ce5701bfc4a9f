#!/bin/busybox sh
# tests/vm/init.sh -- the /init of the berth test VM's initramfs (owned by tests/vm/).
# run.sh packs it with busybox-static and the kernel modules listed in /modules.order.
#
# Stage 1 (pid 1 in the initramfs): load the virtio, 9p and overlay modules, mount the
# host's / (9p tag "hostroot", read-only) as the lower layer of an overlay whose upper is
# a tmpfs, and switch_root into it (pivot_root refuses while / is the initramfs).
# Stage 2 (pid 1 in the overlay, run from the host's copy of busybox): mount proc, sysfs,
# cgroup2 on /sys/fs/cgroup with the controllers enabled in the root's subtree_control,
# devtmpfs, devpts, /dev/shm and tmpfs on /run (the host's /tmp and /var/tmp stay visible,
# on the overlay: test bundles and berth's test rootfs cache live there); mount the run dir (9p tag "out", rw) and
# any --share dirs (9p tags "share0".., rw, live) at their host paths; run the command
# file $OUT/cmd with bash as root, its stdout/stderr going to $OUT/stdout and $OUT/stderr
# and its status to $OUT/status; then power off (reboot -f; qemu runs with -no-reboot).
# The kernel command line gives berth_vm_out=HOSTPATH berth_vm_shares=PATH,PATH...

bb=/bin/busybox
die() { echo "berth-vm init: $*" >&2; $bb sleep 1; $bb reboot -f; }
arg() { # arg NAME: value of NAME=... on the kernel command line
	for w in $($bb cat /proc/cmdline); do
		case $w in "$1"=*) echo "${w#*=}"; return ;; esac
	done
}
mark() { echo "<6>berth-vm: $*" > /dev/kmsg 2>/dev/null; } # shown with BERTH_VM_DEBUG=1
p9="trans=virtio,version=9p2000.L,msize=262144"

if [ "${1:-}" != stage2 ]; then
	$bb mount -t proc proc /proc
	$bb mount -t sysfs sysfs /sys
	$bb mount -t devtmpfs devtmpfs /dev
	for m in $($bb cat /modules.order); do
		$bb insmod "/modules/$m.ko" || die "insmod $m failed"
	done
	mark "modules loaded"
	$bb mkdir -p /lower /ovl /newroot
	$bb mount -t 9p -o "ro,$p9,cache=loose" hostroot /lower || die "mount 9p hostroot failed"
	$bb mount -t tmpfs -o mode=0755 ovl /ovl
	$bb mkdir -p /ovl/upper /ovl/work
	$bb mount -t overlay -o lowerdir=/lower,upperdir=/ovl/upper,workdir=/ovl/work overlay /newroot ||
		die "overlay over 9p failed"
	mark "overlay mounted"
	$bb cp /init /newroot/.berth-vm-init
	$bb umount /proc /sys /dev
	exec $bb switch_root /newroot /bin/busybox sh /.berth-vm-init stage2
	die "switch_root failed"
fi

# ---- stage 2 ----
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || die "mount cgroup2 failed"
for c in cpu cpuset io memory pids hugetlb rdma misc; do
	echo "+$c" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
done
$bb mount -t devtmpfs devtmpfs /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts /dev/pts
$bb ln -sf pts/ptmx /dev/ptmx 2>/dev/null
$bb mount -t tmpfs -o mode=1777 shm /dev/shm
$bb mount -t tmpfs -o mode=0755 run /run
$bb hostname berth-vm
$bb ip link set lo up 2>/dev/null

OUT=$(arg berth_vm_out)
[ -n "$OUT" ] || die "no berth_vm_out= on the command line"
$bb mkdir -p "$OUT"
$bb mount -t 9p -o "$p9" out "$OUT" || die "mount 9p out failed"
i=0
for d in $(arg berth_vm_shares | $bb tr , ' '); do
	$bb mkdir -p "$d"
	$bb mount -t 9p -o "$p9" "share$i" "$d" || die "mount 9p share$i at $d failed"
	i=$((i + 1))
done

cd / # $OUT/cmd starts with a cd to the working directory
mark "running the command"
$bb cat /proc/uptime > "$OUT/booted"
BERTH_IN_VM=1 bash "$OUT/cmd" > "$OUT/stdout" 2> "$OUT/stderr" < /dev/null
echo $? > "$OUT/status"
$bb sync
$bb reboot -f
