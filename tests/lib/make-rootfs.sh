#!/bin/bash
# make-rootfs.sh DIR -- populate DIR as a minimal busybox root filesystem.
# DIR becomes the root itself: DIR/bin/busybox plus one symlink per applet in DIR/bin,
# the usual empty mount points, and a tiny /etc (passwd, group, hostname, hosts,
# resolv.conf). Needs a statically linked busybox (Debian: busybox-static); another
# one can be named with BUSYBOX=/path.
set -euo pipefail

dir=${1:?usage: make-rootfs.sh DIR}
bb=${BUSYBOX:-/bin/busybox}

if [ ! -x "$bb" ]; then
  echo "make-rootfs: $bb not found; install busybox-static" >&2
  exit 1
fi
# A dynamic busybox would need its libraries inside the rootfs; ldd only
# succeeds on dynamic executables.
if ldd "$bb" >/dev/null 2>&1; then
  echo "make-rootfs: $bb is dynamically linked; install busybox-static" >&2
  exit 1
fi

mkdir -p "$dir"
cd "$dir"
for d in bin sbin usr/bin usr/sbin proc sys dev etc root run tmp var/tmp; do
  mkdir -p "$d"
done
chmod 1777 tmp var/tmp
chmod 0700 root

install -m 0755 "$bb" bin/busybox
"$bb" --list | while read -r applet; do
  case $applet in busybox|'') continue ;; esac
  ln -sfn busybox "bin/$applet"
done
# Tools in some configs expect /usr/bin/env and /bin/sh; both come from busybox.
ln -sfn ../../bin/busybox usr/bin/env

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > etc/group
printf 'berth\n' > etc/hostname
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' > etc/hosts
: > etc/resolv.conf
