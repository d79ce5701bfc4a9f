// Root filesystem steps of the init, in call order: prepare_rootfs (before
// the createRuntime hooks), mask_and_protect (after the createContainer
// hooks, while the host's /dev/null mount is still in our namespace, so it
// can be cloned), enter_rootfs (pivot).
#pragma once

#include "libcontainer/child/plan.hpp"

namespace berth::child {

// No new and no joined mount namespace: the init works in the host's mount
// table (no pivot, the rootfs bind made private).
bool in_host_mntns(const ChildPlan& p);
// With plan.bind_sources_from_parent, first of all (before Isolated): the
// MountSource messages, each onto its ChildMount::source_fd (bind_sources.cpp).
void receive_bind_sources(const ChildPlan& p);
// Sets / propagation, binds the rootfs, performs every mount and device;
// returns an O_PATH fd of the rootfs.
int prepare_rootfs(const ChildPlan& p);
// pivot_root (or MS_MOVE + chroot with no_pivot) into the rootfs.
void enter_rootfs(const ChildPlan& p, int root);
// --no-pivot, between the MS_MOVE and the chroot: detaches (or covers) every
// host mount left under the new root (old_root.cpp).
void hide_host_mounts(const ChildPlan& p);
// maskedPaths, readonlyPaths and a read-only root, through the rootfs fd.
void mask_and_protect(const ChildPlan& p, int root);

}  // namespace berth::child
