#!/bin/bash
# install-deps.sh -- install the Debian 12 packages berth needs to build and test.
# Idempotent: asks dpkg which packages are already installed and runs apt-get only
# for the missing ones. When nothing is missing it prints a single line.
# Must run as root (or via sudo). Extra package names may be given as arguments.
set -euo pipefail

PKGS=(
  g++ make pkg-config libc6-dev             # toolchain (libc.a: berth is a static PIE)
  musl-tools                                # the shim, static against musl (Makefile)
  libseccomp-dev libcap-dev libyajl-dev libmnl-dev libcli11-dev   # libraries
  doctest-dev                               # unit tests
  clang libclang-rt-14-dev                  # fuzzing (libFuzzer + sanitizers)
  clang-format                              # tests/lint/format.sh, make format
  runc crun busybox-static                  # peers and test root filesystems
  podman conmon containerd                  # engines berth runs under (engines_*.bats)
  containernetworking-plugins iproute2 iptables   # engines_cri.bats, network_cni.bats: CNI plugins; ip; portmap/firewall rules
  python3-grpcio python3-protobuf protobuf-compiler   # engines_cri.bats: tests/cri/cri_client.py
  libcurl4-openssl-dev libarchive-dev libssl-dev zlib1g-dev libzstd-dev   # berth-image: registry client, tar, digests, gzip, zstd
  docker-registry skopeo umoci curl openssl # images*.bats: a registry on loopback, the images it serves
  jq hyperfine bats strace                  # test and bench tools (strace: shim.bats)
  qemu-system-x86                           # tests/vm: a pure cgroup v2 guest (kernel fetched on first use)
)
PKGS+=("$@")

installed() {
  # dpkg -s succeeds for removed-but-configured packages too; check the status.
  # No pipe into grep -q: under pipefail, dpkg killed by SIGPIPE when grep
  # stops reading early failed the check at random (seen for libc6-dev).
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${PKGS[@]}"; do
  installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing ${missing[*]}; run as root (sudo $0)" >&2
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when they look absent or stale (older than a day).
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages' -mmin -1440 2>/dev/null | head -1)" ]; then
  apt-get update -q
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
  # A stale list can name versions the mirror no longer has: refresh once and retry.
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

still=()
for p in "${missing[@]}"; do installed "$p" || still+=("$p"); done
if [ ${#still[@]} -ne 0 ]; then
  echo "install-deps: could not install ${still[*]}" >&2
  exit 1
fi
echo "install-deps: done"
