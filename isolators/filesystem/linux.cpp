// filesystem/linux isolator: the root filesystem of the init. Turns root,
// mounts, devices, maskedPaths, readonlyPaths, rootfsPropagation and sysctl
// into ChildPlan entries; the init performs them through fds (rootfs_setup).
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>

#include "isolators/filesystem/sysctl_rules.hpp"
#include "isolators/registry.hpp"
#include "libcontainer/rootfs/mount_options.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/sys/mountinfo.hpp"
#include "libcontainer/sys/userns.hpp"

namespace berth::isolators {
namespace {

unsigned long propagation_flags(const std::string& p) {
  if (p == "private") return MS_PRIVATE;
  if (p == "rprivate") return MS_PRIVATE | MS_REC;
  if (p == "slave") return MS_SLAVE;
  if (p == "rslave") return MS_SLAVE | MS_REC;
  if (p == "shared") return MS_SHARED;
  if (p == "rshared") return MS_SHARED | MS_REC;
  if (p == "unbindable") return MS_UNBINDABLE;
  if (p == "runbindable") return MS_UNBINDABLE | MS_REC;
  return 0;
}

struct DefaultDevice {
  const char* path;
  unsigned major, minor;
};
constexpr DefaultDevice kDefaultDevices[] = {
    {"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};

// A device path as runc uses it (joined onto the rootfs, which cleans it):
// "/dev/mydev/" and "/dev//./mydev" are /dev/mydev; ".." stops at "/".
std::string clean_absolute(const std::string& path) {
  std::vector<std::string_view> parts;
  std::string_view rest(path);
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view c = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(c);
  }
  std::string out;
  for (auto c : parts) out.append("/").append(c);
  return out.empty() ? "/" : out;
}

// The container's view of cgroup v1 on a hybrid host (until the cgroups
// isolators land): a tmpfs with each hierarchy's own cgroup bound read-only.

class FilesystemLinux final : public Isolator {
 public:
  explicit FilesystemLinux(sys::Kernel& k) : kernel_(k) {}
  const char* name() const override { return "filesystem/linux"; }

  Status prepare(const ContainerContext& ctx, LaunchPlan& plan) override {
    const auto& c = ctx.config;
    auto& ch = plan.child;
    ch.rootfs_readonly = c.root.readonly;
    ch.rootfs_propagation = propagation_flags(c.linux.rootfs_propagation);
    if (!(ch.clone_flags & CLONE_NEWNS)) {
      // Without a mount namespace of its own or joined, the init binds the
      // rootfs in the host's mount table, as runc does; cleanup detaches it.
      bool joined = false;
      for (int i = 0; i < ch.n_joins; i++) joined |= ch.joins[i].nstype == CLONE_NEWNS;
      host_mntns_ = !joined;
    }
    ch.setup_dev = true;
    // A user namespace of its own and a mount namespace made with it: the
    // parent opens the bind sources (isolate), so that a source only the
    // host can reach still works, as in runc.
    ch.bind_sources_from_parent = ch.new_userns && (ch.clone_flags & CLONE_NEWNS);
    for (size_t i = 0; i < c.mounts.size(); i++) BERTH_CHECK(add_mount(ctx, plan, c.mounts[i], int(i)));
    BERTH_CHECK(add_devices(ctx, plan));
    for (const auto& p : c.linux.masked_paths) plan.masked_paths.push_back(plan.arena.str(p));
    for (const auto& p : c.linux.readonly_paths) plan.readonly_paths.push_back(plan.arena.str(p));
    if (!c.linux.sysctl.empty()) {
      sysctl::OwnNamespaces own{own_namespace(ch, CLONE_NEWIPC, "/proc/self/ns/ipc"),
                                own_namespace(ch, CLONE_NEWNET, "/proc/self/ns/net"),
                                own_namespace(ch, CLONE_NEWUTS, "/proc/self/ns/uts")};
      for (const auto& [k, v] : c.linux.sysctl) {
        BERTH_CHECK(sysctl::check(k, own));
        // The key as written: the init maps either form to its /proc/sys path.
        plan.sysctls.push_back(child::ChildSysctl{plan.arena.str(k), plan.arena.str(v)});
      }
    }
    return {};
  }

  // The init waits for Isolated: the bind sources go to it first.
  Status isolate(const ContainerContext&, LaunchPlan& plan, pid_t init) override {
    if (!plan.child.bind_sources_from_parent) return {};
    return kernel_.send_bind_sources(init, plan.child);
  }

  // Recorded before the init exists, so an init that binds and then fails
  // (before any isolate ran) is still undone: the rootfs path and the id of
  // the mount on top of it now ("-" for none), so cleanup detaches a bind
  // the init stacked there and never one that was there before.
  Status provision(const ContainerContext& ctx, LaunchPlan&) override {
    if (!host_mntns_) return {};
    TopMount before = top_mount_at(ctx.rootfs);
    return kernel_
        .write_file(ctx.state_dir + "/" + kHostRootfs, ctx.rootfs + "\n" + (before.id.empty() ? "-" : before.id) + "\n",
                    0600)
        .context("record the host rootfs bind");
  }

  Status cleanup(const std::string& state_dir) override {
    std::string rec = state_dir + "/" + kHostRootfs;
    std::ifstream f(rec);
    std::string path, before;
    if (!f || !std::getline(f, path) || path.empty()) return {};
    std::getline(f, before);
    // Detach only the rootfs bind the init made: a mount on top of the path
    // that was not there at provision, a bind within the same filesystem as
    // the mount below it.
    TopMount top = top_mount_at(path);
    if (!top.id.empty() && top.id != before && top.dev == top.parent_dev) {
      Status s = kernel_.unmount(path, MNT_DETACH);
      if (!s.ok() && s.error().sys_errno() != EINVAL) return std::move(s).error().context("detach the rootfs bind");
    }
    return kernel_.remove_file(rec);
  }

 private:
  static constexpr const char* kHostRootfs = "host-rootfs-bind";

  // The last mount of /proc/self/mountinfo at exactly path (the one on
  // top), with its device and its parent's; empty id when none.
  struct TopMount {
    std::string id, dev, parent_dev;
  };
  static TopMount top_mount_at(const std::string& path) {
    auto text = state::read_file("/proc/self/mountinfo");
    if (!text) return {};
    std::map<std::string, std::string> dev_of;  // mount id -> major:minor
    std::string top_parent;
    TopMount top;
    // Decoded mount points: a rootfs path with a space is "\040" in the file.
    for (const auto& m : sys::parse_mountinfo(*text)) {
      dev_of[m.id] = m.dev;
      if (m.mount_point == path) top.id = m.id, top.dev = m.dev, top_parent = m.parent;
    }
    if (!top.id.empty()) top.parent_dev = dev_of[top_parent];
    return top;
  }
  sys::Kernel& kernel_;
  bool host_mntns_ = false;

  // A namespace of the container's own: new at clone, or joined by a path
  // (opened by the namespaces isolator, which runs first) that names another
  // namespace than the runtime's. runc 1.1.5 checks this for net only; a
  // joined ipc or uts namespace that is the runtime's is refused here too, so
  // that no sysctl write reaches the host's value.
  static bool own_namespace(const child::ChildPlan& ch, int flag, const char* self_ns) {
    if (ch.clone_flags & uint64_t(flag)) return true;
    for (int i = 0; i < ch.n_joins; i++) {
      if (ch.joins[i].nstype != flag) continue;
      struct stat a, b;
      return fstat(ch.joins[i].fd, &a) == 0 && stat(self_ns, &b) == 0 && (a.st_dev != b.st_dev || a.st_ino != b.st_ino);
    }
    return false;
  }

  // The fd number the init receives this bind's source on: a placeholder
  // open here, so that the number is free in the init (which inherits it).
  static Status reserve_source_fd(LaunchPlan& plan, child::ChildMount& cm) {
    UniqueFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error(errno, "open /dev/null");
    cm.source_fd = fd.get();
    plan.owned_fds.push_back(std::move(fd));
    return {};
  }

  // "/dev", "/dev/", "//dev": the destination is the container's /dev.
  static bool names_dev(const std::string& dest) {
    std::string d;
    for (char c : dest)
      if (c != '/' || d.empty() || d.back() != '/') d += c;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    return d == "/dev";
  }

  Status add_mount(const ContainerContext& ctx, LaunchPlan& plan, const spec::Mount& m, int idx) {
    std::string jp = "/mounts/" + std::to_string(idx);
    std::vector<const char*> opts;
    for (const auto& o : m.options) opts.push_back(o.c_str());
    child::ChildMount cm{};
    size_t bad = 0;
    int r = rootfs::parse_mount_options(m.type.c_str(), opts.data(), opts.size(), &cm.opts, &bad);
    if (r == -EOPNOTSUPP)
      return Error(Code::Unsupported, "mount option " + m.options[bad] + " is not supported", 0,
                   jp + "/options/" + std::to_string(bad));
    if (r < 0) return Error(Code::Config, "bad mount option", -r, jp + "/options/" + std::to_string(bad));
    cm.userns_fd = -1;
    cm.source_fd = -1;
    if (cm.opts.idmap || !m.uid_mappings.empty() || !m.gid_mappings.empty()) {
      if (!cm.opts.bind) return config_error(jp, "an idmapped mount must be a bind mount");
      // The mount's own maps, or the container's user namespace maps.
      const auto& uids = m.uid_mappings.empty() ? ctx.config.linux.uid_mappings : m.uid_mappings;
      const auto& gids = m.gid_mappings.empty() ? ctx.config.linux.gid_mappings : m.gid_mappings;
      if (uids.empty() || gids.empty()) return config_error(jp, "an idmapped mount needs uid and gid mappings");
      auto ns = sys::make_userns(uids, gids);
      if (!ns) return std::move(ns).error().with_path(jp);
      cm.userns_fd = ns->get();
      plan.owned_fds.push_back(std::move(*ns));
    }
    if (cm.opts.remount) return Error(Code::Unsupported, "mount option remount is not supported", 0, jp + "/options");
    cm.json_index = idx;
    cm.dest = plan.arena.str(m.destination);
    cm.dest_is_proc_or_sys = m.type == "proc" || m.type == "sysfs";
    bool is_dev = names_dev(m.destination);
    if (is_dev && cm.opts.bind) plan.child.setup_dev = false;
    if (is_dev && (cm.opts.attr_set & MOUNT_ATTR_RDONLY)) {
      // A read-only /dev still gets its submounts, devices and links (as
      // runc and crun): it is made read-only once they are in place.
      cm.opts.attr_set &= ~uint64_t(MOUNT_ATTR_RDONLY);
      cm.readonly_after_children = true;
    }
    if (cm.opts.bind) {
      std::string src = m.source;
      if (src.empty() || src[0] != '/') src = ctx.bundle + "/" + src;
      struct stat st;
      if (stat(src.c_str(), &st) < 0) return Error(Code::Config, "mount source " + src, errno, jp + "/source");
      cm.kind = child::MountKind::Bind;
      cm.source = plan.arena.str(src);
      cm.source_is_dir = S_ISDIR(st.st_mode);
      if (plan.child.bind_sources_from_parent) BERTH_CHECK(reserve_source_fd(plan, cm));
      plan.mounts.push_back(cm);
      return {};
    }
    if (m.type.empty()) return config_error(jp + "/type", "a mount without bind option needs a type");
    cm.source_is_dir = true;
    if (m.type == "cgroup" || m.type == "cgroup2") return add_cgroup_mount(plan, cm, m);
    cm.kind = child::MountKind::Fs;
    cm.fstype = plan.arena.str(m.type);
    cm.source = plan.arena.str(m.source);
    plan.mounts.push_back(cm);
    return {};
  }

  Status add_cgroup_mount(LaunchPlan& plan, child::ChildMount cm, const spec::Mount& m) {
    // The tmpfs is mounted writable so the hierarchy dirs can be made in it,
    // and made read-only (if the config says ro) once they are; every cgroup
    // hierarchy below is bound read-only (CVE-2023-25809).
    if (plan.cgroup_binds.size() == 1 && plan.cgroup_binds[0].first.empty()) {
      // A pure v2 host: the container's cgroup itself, read-only.
      cm.kind = child::MountKind::Cgroup;
      cm.source = plan.arena.str(plan.cgroup_binds[0].second);
      cm.opts.attr_set |= MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
      plan.mounts.push_back(cm);
      return {};
    }
    child::ChildMount tmp = cm;
    tmp.kind = child::MountKind::Fs;
    tmp.fstype = "tmpfs";
    tmp.source = "tmpfs";
    tmp.readonly_after_children = (tmp.opts.attr_set & MOUNT_ATTR_RDONLY) != 0;
    tmp.opts.attr_set &= ~uint64_t(MOUNT_ATTR_RDONLY);
    plan.mounts.push_back(tmp);
    for (const auto& [name, host] : plan.cgroup_binds) {
      child::ChildMount b{};
      b.userns_fd = -1;
      b.source_fd = -1;
      b.kind = child::MountKind::Cgroup;
      b.json_index = cm.json_index;
      b.source = plan.arena.str(host);
      b.source_is_dir = true;
      b.dest = plan.arena.str(m.destination + "/" + name);
      b.opts.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
      plan.mounts.push_back(b);
    }
    return {};
  }

  Status add_devices(const ContainerContext& ctx, LaunchPlan& plan) {
    const auto& devs = ctx.config.linux.devices;
    std::vector<std::string> paths;
    for (size_t i = 0; i < devs.size(); i++) {
      paths.push_back(clean_absolute(devs[i].path));
      if (paths.back() == "/")
        return config_error("/linux/devices/" + std::to_string(i) + "/path",
                            "a device path must name a file below /, got \"" + devs[i].path + "\"");
    }
    auto listed = [&](const char* p) {
      for (const auto& d : paths)
        if (d == p) return true;
      return false;
    };
    for (const auto& d : kDefaultDevices)
      if (!listed(d.path))
        plan.devices.push_back(child::ChildDevice{d.path, mode_t(S_IFCHR | 0666), makedev(d.major, d.minor), 0, 0, -1});
    for (size_t i = 0; i < devs.size(); i++) {
      const auto& d = devs[i];
      mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
      plan.devices.push_back(child::ChildDevice{
          plan.arena.str(paths[i]), mode_t(type | (d.file_mode.value_or(0666) & 07777)),
          makedev(unsigned(d.major), unsigned(d.minor)), d.uid.value_or(0), d.gid.value_or(0), int(i)});
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<Isolator> make_filesystem_linux(sys::Kernel& kernel) {
  return std::make_unique<FilesystemLinux>(kernel);
}

}  // namespace berth::isolators
