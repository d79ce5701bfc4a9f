// Bind sources opened on the host's side for a user-namespaced init: the
// helper that clones them inside the init's mount namespace (so the clones
// carry the locks that namespace put on the host's mounts: a container root
// cannot clear a host mount's read-only flag or unmount what covers a host
// path), and the init's end that receives them.
#include "libcontainer/child/child.hpp"
#include "libcontainer/child/rootfs_setup.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {

BERTH_CHILD void send_bind_sources(const ChildPlan& p, int mntns_fd, int result_fd) {
  BindSourcesResult r{0, -1};
  if (sys::setns(mntns_fd, CLONE_NEWNS) < 0) r.sys_errno = errno;
  for (size_t i = 0; r.sys_errno == 0 && i < p.n_mounts; i++) {
    const ChildMount& m = p.mounts[i];
    if (m.kind != MountKind::Bind) continue;
    int tree =
        sys::open_tree(AT_FDCWD, m.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.opts.recursive ? AT_RECURSIVE : 0));
    if (tree < 0) {
      r = {errno, int(i)};
      break;
    }
    int s = send_mount_source(p.parent_sync_fd, tree);
    sys::close(tree);
    if (s < 0) r = {-s, int(i)};
  }
  (void)!sys::write(result_fd, &r, sizeof r);
  sys::_exit(r.sys_errno ? 1 : 0);
}

// The init, before Isolated: each Bind source onto the fd number its
// ChildMount names (mount_one attaches it from there).
BERTH_CHILD void receive_bind_sources(const ChildPlan& p) {
  for (size_t i = 0; i < p.n_mounts; i++) {
    const ChildMount& m = p.mounts[i];
    if (m.kind != MountKind::Bind) continue;
    int fd = RuntimeChannel(p.sync_fd).await_mount_source();
    if (sys::dup2(fd, m.source_fd) < 0 || sys::fcntl(m.source_fd, F_SETFD, FD_CLOEXEC) < 0)
      fail(p, errno, "receive the bind source", m.source, "/mounts", m.json_index);
    sys::close(fd);
  }
}

}  // namespace berth::child
