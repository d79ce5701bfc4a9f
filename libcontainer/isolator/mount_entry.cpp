// A /mounts entry's options, parsed and checked (mount_entry.hpp).
#include "libcontainer/isolator/mount_entry.hpp"

#include <cerrno>

#include "libcontainer/rootfs/mount_options.hpp"

namespace berth {

namespace {

int parse(const spec::Mount& m, rootfs::MountOpts* out, size_t* bad) {
  std::vector<const char*> opts;
  for (const auto& o : m.options) opts.push_back(o.c_str());
  return rootfs::parse_mount_options(m.type.c_str(), opts.data(), opts.size(), out, bad);
}

}  // namespace

Result<child::ChildMount> mount_entry(const spec::Mount& m, int idx, Arena& arena) {
  std::string jp = "/mounts/" + std::to_string(idx);
  child::ChildMount cm{};
  size_t bad = 0;
  int r = parse(m, &cm.opts, &bad);
  if (r == -EOPNOTSUPP)
    return Error(Code::Unsupported, "mount option " + m.options[bad] + " is not supported on a " + m.type + " mount", 0,
                 jp + "/options/" + std::to_string(bad));
  if (r < 0) return Error(Code::Config, "bad mount option", -r, jp + "/options/" + std::to_string(bad));
  cm.userns_fd = -1;
  cm.source_fd = -1;
  if ((cm.opts.idmap || !m.uid_mappings.empty() || !m.gid_mappings.empty()) && !cm.opts.bind)
    return config_error(jp, "an idmapped mount must be a bind mount");
  if (cm.opts.remount) return Error(Code::Unsupported, "mount option remount is not supported", 0, jp + "/options");
  cm.json_index = idx;
  cm.dest = arena.str(m.destination);
  cm.dest_is_proc_or_sys = m.type == "proc" || m.type == "sysfs";
  return cm;
}

bool is_cgroup_mount(const spec::Mount& m) {
  if (m.type != "cgroup" && m.type != "cgroup2") return false;
  rootfs::MountOpts opts;
  size_t bad = 0;
  return parse(m, &opts, &bad) == 0 && !opts.bind;
}

}  // namespace berth
