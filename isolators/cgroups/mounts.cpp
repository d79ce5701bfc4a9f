// The container's cgroup mounts (mounts.hpp): on a pure v2 host its cgroup
// itself; otherwise (v1, hybrid) a tmpfs with each hierarchy's own cgroup
// bound in it. Every cgroup is bound read-only (CVE-2023-25809).
#include "isolators/cgroups/mounts.hpp"

#include <sys/mount.h>

#include "libcontainer/isolator/mount_entry.hpp"

namespace berth::isolators::cgroups {
namespace {

constexpr uint64_t kCgroupAttrs = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

void add(Fragment& f, const child::ChildMount& cm) {
  Fragment::Mount m;
  m.m = cm;
  f.mounts.push_back(std::move(m));
}

Status add_mount(const spec::Mount& m, int idx, const std::vector<std::pair<std::string, std::string>>& binds,
                 Fragment& f) {
  child::ChildMount cm = BERTH_TRY(mount_entry(m, idx, f.arena));
  cm.source_is_dir = true;
  if (binds.size() == 1 && binds[0].first.empty()) {
    cm.kind = child::MountKind::Cgroup;
    cm.source = f.arena.str(binds[0].second);
    cm.opts.attr_set |= kCgroupAttrs;
    add(f, cm);
    return {};
  }
  // The tmpfs is mounted writable so the hierarchy dirs can be made in it,
  // and made read-only (if the config says ro) once they are.
  child::ChildMount tmp = cm;
  tmp.kind = child::MountKind::Fs;
  tmp.fstype = "tmpfs";
  tmp.source = "tmpfs";
  tmp.readonly_after_children = (tmp.opts.attr_set & MOUNT_ATTR_RDONLY) != 0;
  tmp.opts.attr_set &= ~uint64_t(MOUNT_ATTR_RDONLY);
  add(f, tmp);
  for (const auto& [name, host] : binds) {
    child::ChildMount b{};
    b.userns_fd = -1;
    b.source_fd = -1;
    b.kind = child::MountKind::Cgroup;
    b.json_index = idx;
    b.source = f.arena.str(host);
    b.source_is_dir = true;
    b.dest = f.arena.str(m.destination + "/" + name);
    b.opts.attr_set = kCgroupAttrs;
    add(f, b);
  }
  return {};
}

}  // namespace

Status add_mounts(const spec::Config& c, const std::vector<std::pair<std::string, std::string>>& binds, Fragment& f) {
  for (size_t i = 0; i < c.mounts.size(); i++)
    if (is_cgroup_mount(c.mounts[i])) BERTH_CHECK(add_mount(c.mounts[i], int(i), binds, f));
  return {};
}

}  // namespace berth::isolators::cgroups
