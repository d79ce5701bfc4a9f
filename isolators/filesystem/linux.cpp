// filesystem/linux isolator: the root filesystem of the init. Turns root,
// mounts (but the cgroup ones: isolators/cgroups/mounts.hpp), devices,
// maskedPaths, readonlyPaths, rootfsPropagation and sysctl into its
// fragment; the init performs them through fds (rootfs_setup).
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstring>
#include <map>

#include "isolators/filesystem/sysctl_rules.hpp"
#include "isolators/registry.hpp"
#include "libcontainer/isolator/mount_entry.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/state/record.hpp"
#include "libcontainer/sys/mountinfo.hpp"
#include "libcontainer/sys/namespace.hpp"

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

// The container's mount namespace is the host's: no entry of type mount,
// new or joined. The init then binds the rootfs in the host's mount table,
// as runc does; cleanup detaches it.
bool host_mntns(const spec::Config& c) {
  for (const auto& ns : c.linux.namespaces)
    if (ns.type == spec::NsType::Mount) return false;
  return true;
}

class FilesystemLinux final : public Isolator {
 public:
  explicit FilesystemLinux(sys::Kernel& k) : kernel_(k) {}
  const char* name() const override { return "filesystem/linux"; }

  Status prepare(const ContainerContext& ctx, Fragment& f) override {
    const auto& c = ctx.config;
    f.rootfs_readonly = c.root.readonly;
    f.rootfs_propagation = propagation_flags(c.linux.rootfs_propagation);
    f.setup_dev = true;
    for (size_t i = 0; i < c.mounts.size(); i++) BERTH_CHECK(add_mount(ctx, f, c.mounts[i], int(i)));
    BERTH_CHECK(add_devices(ctx, f));
    for (const auto& p : c.linux.masked_paths) f.masked_paths.push_back(f.arena.str(p));
    for (const auto& p : c.linux.readonly_paths) f.readonly_paths.push_back(f.arena.str(p));
    if (!c.linux.sysctl.empty()) {
      // A joined ipc or uts namespace that is the runtime's is refused as a
      // joined net one is (runc 1.1.5 checks net only), so that no sysctl
      // write reaches the host's value.
      sysctl::OwnNamespaces own{sys::owns_namespace(c, spec::NsType::Ipc),
                                sys::owns_namespace(c, spec::NsType::Network),
                                sys::owns_namespace(c, spec::NsType::Uts)};
      for (const auto& [k, v] : c.linux.sysctl) {
        BERTH_CHECK(sysctl::check(k, own));
        // The key as written: the init maps either form to its /proc/sys path.
        f.sysctls.push_back(child::ChildSysctl{f.arena.str(k), f.arena.str(v)});
      }
    }
    return {};
  }

  // Recorded before the init exists, so an init that binds and then fails
  // (before any isolate ran) is still undone: the rootfs path and the id of
  // the mount on top of it now ("-" for none), so cleanup detaches a bind
  // the init stacked there and never one that was there before.
  // The section: {"path": ROOTFS, "mountBefore": ID} ("" for none); saved
  // now, the init may bind as soon as it exists.
  Status provision(const ContainerContext& ctx, Fragment&) override {
    if (!host_mntns(ctx.config)) return {};
    json::Writer w;
    w.begin_object().field("path", ctx.rootfs).field("mountBefore", top_mount_at(ctx.rootfs).id).end_object();
    ctx.record->put(kHostRootfs, w.take());
    return ctx.record->save().context("record the host rootfs bind");
  }

  // The section stays in the record: the directory goes right after.
  Status cleanup(const std::string&, const state::ContainerState& st) override {
    auto section = st.sections.find(kHostRootfs);
    if (section == st.sections.end()) return {};
    auto doc = BERTH_TRY(json::Document::parse(section->second).context("read the host rootfs record"));
    std::string path(doc.root().get("path").as_string()), before(doc.root().get("mountBefore").as_string());
    if (path.empty()) return {};
    // Detach only the rootfs bind the init made: a mount on top of the path
    // that was not there at provision, a bind within the same filesystem as
    // the mount below it.
    TopMount top = top_mount_at(path);
    if (!top.id.empty() && top.id != before && top.dev == top.parent_dev) {
      Status s = kernel_.unmount(path, MNT_DETACH);
      if (!s.ok() && s.error().sys_errno() != EINVAL) return std::move(s).error().context("detach the rootfs bind");
    }
    return {};
  }

 private:
  static constexpr const char* kHostRootfs = "hostRootfs";

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

  // "/dev", "/dev/", "//dev": the destination is the container's /dev.
  static bool names_dev(const std::string& dest) {
    std::string d;
    for (char c : dest)
      if (c != '/' || d.empty() || d.back() != '/') d += c;
    while (d.size() > 1 && d.back() == '/') d.pop_back();
    return d == "/dev";
  }

  Status add_mount(const ContainerContext& ctx, Fragment& f, const spec::Mount& m, int idx) {
    if (is_cgroup_mount(m)) return {};  // the cgroups isolator's (isolators/cgroups/mounts.hpp)
    std::string jp = "/mounts/" + std::to_string(idx);
    Fragment::Mount out;
    child::ChildMount& cm = out.m;
    cm = BERTH_TRY(mount_entry(m, idx, f.arena));
    if (cm.opts.idmap || !m.uid_mappings.empty() || !m.gid_mappings.empty()) {
      // The mount's own maps, or the container's user namespace maps.
      out.uid_map = m.uid_mappings.empty() ? ctx.config.linux.uid_mappings : m.uid_mappings;
      out.gid_map = m.gid_mappings.empty() ? ctx.config.linux.gid_mappings : m.gid_mappings;
      if (out.uid_map.empty() || out.gid_map.empty())
        return config_error(jp, "an idmapped mount needs uid and gid mappings");
    }
    bool is_dev = names_dev(m.destination);
    if (is_dev && cm.opts.bind) f.setup_dev = false;
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
      cm.source = f.arena.str(src);
      cm.source_is_dir = S_ISDIR(st.st_mode);
    } else {
      if (m.type.empty()) return config_error(jp + "/type", "a mount without bind option needs a type");
      cm.source_is_dir = true;
      cm.kind = child::MountKind::Fs;
      cm.fstype = f.arena.str(m.type);
      cm.source = f.arena.str(m.source);
    }
    f.mounts.push_back(std::move(out));
    return {};
  }

  Status add_devices(const ContainerContext& ctx, Fragment& f) {
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
        f.devices.push_back(child::ChildDevice{d.path, mode_t(S_IFCHR | 0666), makedev(d.major, d.minor), 0, 0, -1});
    for (size_t i = 0; i < devs.size(); i++) {
      const auto& d = devs[i];
      mode_t type = d.type == 'b' ? S_IFBLK : d.type == 'p' ? S_IFIFO : S_IFCHR;
      f.devices.push_back(child::ChildDevice{f.arena.str(paths[i]), mode_t(type | (d.file_mode.value_or(0666) & 07777)),
                                             makedev(unsigned(d.major), unsigned(d.minor)), d.uid.value_or(0),
                                             d.gid.value_or(0), int(i)});
    }
    return {};
  }
};

// Every container (its /dev and default devices, as runc's); required by
// the fields only it realises, and without a mount namespace (only its
// cleanup detaches the rootfs bind the init leaves in the host's table).
Need needs(const spec::Config& c) {
  std::string by;
  for (size_t i = 0; i < c.mounts.size() && by.empty(); i++)
    if (!is_cgroup_mount(c.mounts[i])) by = "/mounts/" + std::to_string(i);
  const std::pair<bool, const char*> fields[] = {{c.root.readonly, "/root/readonly"},
                                                 {!c.linux.devices.empty(), "/linux/devices"},
                                                 {!c.linux.masked_paths.empty(), "/linux/maskedPaths"},
                                                 {!c.linux.readonly_paths.empty(), "/linux/readonlyPaths"},
                                                 {!c.linux.sysctl.empty(), "/linux/sysctl"},
                                                 {!c.linux.rootfs_propagation.empty(), "/linux/rootfsPropagation"},
                                                 {host_mntns(c), "/linux/namespaces"}};
  for (auto [set, path] : fields)
    if (by.empty() && set) by = path;
  return Need::always(by);
}

}  // namespace

std::unique_ptr<Isolator> make_filesystem_linux(sys::Kernel& kernel) {
  return std::make_unique<FilesystemLinux>(kernel);
}

extern const Entry kFilesystemLinux{"filesystem/linux", needs,
                                    [](const Deps& d) { return make_filesystem_linux(d.kernel); }};

}  // namespace berth::isolators
