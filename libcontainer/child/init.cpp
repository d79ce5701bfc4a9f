// The container init, from clone to exec, as one explicit sequence of steps;
// and the shorter one of a process exec'd into a running container.
// It reads only the ChildPlan, allocates nothing, and reports a failed step
// over the sync channel (see sync.hpp for the order of messages).
#include <linux/keyctl.h>
#include <net/if.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/home_env.hpp"
#include "libcontainer/child/init_name.hpp"
#include "libcontainer/child/process_setup.hpp"
#include "libcontainer/child/rootfs_setup.hpp"
#include "libcontainer/child/start_gate.hpp"
#include "libcontainer/child/start_hooks.hpp"
#include "libcontainer/child/sysctl.hpp"
#include "libcontainer/child/sys.hpp"
#include "libcontainer/rootfs/resolve.hpp"

namespace berth::child {
namespace {

// The init's own move into its v1 cgroups (plan.hpp, CgroupJoin), before it
// does anything the limits should see; a cgroup2 leaf took it at clone.
BERTH_CHILD void join_cgroups(const ChildPlan& p) {
  for (size_t i = 0; i < p.n_cgroup_joins; i++) {
    if (sys::write(p.cgroup_joins[i].fd, "0", 1) < 0)
      fail(p, errno, "join the cgroup", p.cgroup_joins[i].dir, nullptr, -1);
    sys::close(p.cgroup_joins[i].fd);
  }
}

// A private procfs instance for every procfs write (SECURITY.md: writes to
// /proc/sys or oom_score_adj must not be redirectable by container mounts).
BERTH_CHILD int private_procfs(const ChildPlan& p, bool* detached) {
  *detached = false;
  int fs = sys::fsopen("proc", FSOPEN_CLOEXEC);
  if (fs >= 0 && sys::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0) {
    int mnt = sys::fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    sys::close(fs);
    *detached = mnt >= 0;
    if (mnt >= 0) return mnt;
  } else if (fs >= 0) {
    sys::close(fs);
  }
  // Without a pid namespace of our own a user-namespaced init cannot make a
  // procfs; the host's /proc, opened before any container mount, serves.
  int fd = sys::open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(p, errno, "open a private procfs", nullptr, nullptr, -1);
  return fd;
}

// The last close of a detached mount unmounts it, and an unmount waits for
// an RCU grace period (0.1-0.3 ms here): at the exec, that would delay the
// container's program. Stacked on the old root's /proc just before the
// pivot, the private procfs goes with the old root's detach, whose grace
// period is paid anyway, and its fd stays usable. Only in a mount namespace
// of our own (not the host's, not a joined one) with a pivot that detaches
// the old root; the old root's /proc is made private first, so that nothing
// propagates to the host whatever rootfsPropagation says. Otherwise it stays
// detached.
BERTH_CHILD void stack_procfs_on_old_root(const ChildPlan& p, int procfd) {
  if (!(p.clone_flags & CLONE_NEWNS) || p.no_pivot) return;
  if (sys::mount(nullptr, "/proc", nullptr, MS_PRIVATE, nullptr) < 0) return;
  (void)sys::move_mount(procfd, "", AT_FDCWD, "/proc", MOVE_MOUNT_F_EMPTY_PATH);
}

// A new network namespace starts with lo down; runc and crun bring it up, and
// programs expect 127.0.0.1 to work. SIOCSIFFLAGS on any socket of the
// namespace does it: no netlink needed.
BERTH_CHILD void bring_up_loopback(const ChildPlan& p) {
  int s = sys::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) fail(p, errno, "bring up lo: socket", nullptr, "/linux/namespaces", -1);
  ifreq ifr;
  sys::memset(&ifr, 0, sizeof ifr);
  sys::memcpy(ifr.ifr_name, "lo", 3);
  if (sys::ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fail(p, errno, "bring up lo: get flags", nullptr, "/linux/namespaces", -1);
  ifr.ifr_flags = short(ifr.ifr_flags | IFF_UP);
  if (sys::ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fail(p, errno, "bring up lo", nullptr, "/linux/namespaces", -1);
  sys::close(s);
}

// createContainer hooks: in the container's namespaces before the pivot,
// from the rootfs as their cwd (as runc, which chdirs there first).
BERTH_CHILD void run_create_container_hooks(const ChildPlan& p, int root, const char* state, size_t state_len) {
  if (p.n_create_container_hooks == 0) return;
  if (root >= 0 && sys::fchdir(root) < 0) fail(p, errno, "chdir to rootfs", p.rootfs, "/root/path", -1);
  ChildError e;
  if (run_hooks(p.create_container_hooks, p.n_create_container_hooks, "createContainer", state, state_len, &e)) return;
  RuntimeChannel(p.sync_fd).send_failed(e);
  sys::_exit(1);
}

// Maps the state JSON the parent sent with HooksDone (a memfd).
BERTH_CHILD const char* map_state(const ChildPlan& p, int fd, size_t* len) {
  *len = 0;
  if (fd < 0) return "";
  struct stat st;
  if (sys::fstat(fd, &st) < 0 || st.st_size <= 0) return "";
  // Writable private copy: start_hooks patches it for startContainer.
  void* m = sys::mmap(nullptr, size_t(st.st_size), PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  sys::close(fd);
  if (m == MAP_FAILED) fail(p, errno, "map hook state", nullptr, nullptr, -1);
  *len = size_t(st.st_size);
  return static_cast<const char*>(m);
}

// A keyring of the container's own, so it cannot see the caller's keys;
// the kernel's default for a new session keyring (possessor: all; user: view,
// read, link) plus user search, as runc sets it. The possessor keeps setattr:
// another container with the same id (another --root, or runc) joins this
// keyring by name and must be able to set these permissions too.
BERTH_CHILD void join_session_keyring(const ChildPlan& p) {
  long key = sys::keyctl(KEYCTL_JOIN_SESSION_KEYRING, reinterpret_cast<unsigned long>(p.session_keyring));
  if (key < 0) {
    if (errno == ENOSYS) return;  // a kernel without keys
    fail(p, errno, "join a new session keyring", p.session_keyring, nullptr, -1);
  }
  if (sys::keyctl(KEYCTL_SETPERM, static_cast<unsigned long>(key), 0x3f1b0000) < 0)
    fail(p, errno, "set permissions of the session keyring", nullptr, nullptr, -1);
}

}  // namespace

BERTH_CHILD void init_main(const ChildPlan& p) {
  // Not dumpable until exec: no process in the container can ptrace us or
  // open /proc/<pid>/exe (the host's berth binary) while we set up.
  sys::prctl(PR_SET_DUMPABLE, 0);
  sys::prctl(PR_SET_NAME, reinterpret_cast<unsigned long>(kInitName));
  // --logs: the shim's pipes instead of the caller's stdio (a terminal's
  // pty replaces them later).
  if (p.own_stdio)
    for (int i = 0; i < 3; i++)
      if (sys::dup2(p.stdio_fds[i], i) < 0) fail(p, errno, "make the log pipes stdio", nullptr, nullptr, -1);
  join_cgroups(p);
  RuntimeChannel runtime(p.sync_fd);
  if (p.bind_sources_from_parent) receive_bind_sources(p);
  if (p.await_parent) runtime.await_isolated();
  if (p.new_userns) {
    if (sys::setresgid(0, 0, 0) < 0 || sys::setresuid(0, 0, 0) < 0)
      fail(p, errno, "become root in the user namespace", nullptr, "/linux/uidMappings", -1);
  }
  if (p.new_cgroupns && sys::unshare(CLONE_NEWCGROUP) < 0)
    fail(p, errno, "unshare cgroup namespace", nullptr, "/linux/namespaces", -1);
  if (p.hostname && sys::sethostname(p.hostname, sys::strlen(p.hostname)) < 0)
    fail(p, errno, "sethostname", p.hostname, "/hostname", -1);
  if (p.domainname && sys::setdomainname(p.domainname, sys::strlen(p.domainname)) < 0)
    fail(p, errno, "setdomainname", p.domainname, "/domainname", -1);
  if (p.clone_flags & CLONE_NEWNET) bring_up_loopback(p);
  if (p.session_keyring) join_session_keyring(p);
  bool procfs_detached;
  int procfd = private_procfs(p, &procfs_detached);
  int root = -1;
  root = prepare_rootfs(p);  // in a new, a joined or (as runc) the host's mount namespace

  int state_fd = -1;
  if (p.await_hooks) {
    runtime.send_runtime_ready();
    state_fd = runtime.await_hooks_done();
  }
  size_t state_len = 0;
  const char* state = map_state(p, state_fd, &state_len);
  run_create_container_hooks(p, root, state, state_len);
  start_hooks::arm(state, state_len);

  if (root >= 0) {
    mask_and_protect(p, root);
    if (procfs_detached) stack_procfs_on_old_root(p, procfd);
    enter_rootfs(p, root);
    sys::close(root);
  }
  fill_home_env(p);
  write_sysctls(p, procfd);
  if (p.terminal) setup_console(p);
  ExecTarget target = prepare_process(p, procfd);

  // A runtime that died during create never records us: do not wait forever.
  if (runtime.send_created() < 0) sys::_exit(1);
  pass_start_gate(p, procfd);
  // procfd is close-on-exec. Still detached (see stack_procfs_on_old_root),
  // its unmount (an RCU grace period) is left to the exec, where `start`
  // does not wait for it (the fifo's close, later in the fd table, reaches
  // it first).
  exec_process(p, target);
}

BERTH_CHILD void exec_main(const ChildPlan& p) {
  sys::prctl(PR_SET_NAME, reinterpret_cast<unsigned long>(kExecName));
  // runc's exec joins the container's keyring, by its name.
  if (p.session_keyring) join_session_keyring(p);
  fill_home_env(p);
  if (p.terminal) setup_console(p);
  ExecTarget target = prepare_process(p, p.host_proc_fd);
  if (RuntimeChannel(p.sync_fd).send_created() < 0) sys::_exit(1);
  // The runtime waits for the channel to close, which the exec does.
  exec_process(p, target);
}

}  // namespace berth::child
