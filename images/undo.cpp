// The backends' undo (backend.hpp), apart: the runtime links it (a
// container made with --image loses its rootfs at delete) and nothing else
// of images/.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "images/backend.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/sys/linux_kernel.hpp"

namespace berth::images {

Status remove_rootfs(const std::string& dir) {
  struct stat d;
  if (lstat(dir.c_str(), &d) != 0) return errno == ENOENT ? Status{} : sys_error(errno, "stat " + dir);
  std::string rootfs = dir + "/rootfs";
  for (int i = 0; i < 16; i++)
    if (umount2(rootfs.c_str(), UMOUNT_NOFOLLOW | MNT_DETACH) != 0) break;
  struct stat r;
  if (lstat(rootfs.c_str(), &r) == 0 && r.st_dev != d.st_dev)
    return Error(Code::Busy, rootfs + " is still a mount point: not removing it (it may show shared layers)");
  return sys::remove_tree_at(AT_FDCWD, dir.c_str());
}

Status remove_bundle_of(const std::string& dir, const std::string& id) {
  auto marker = state::read_file(dir + "/" + kBundleMarker);
  if (!marker) return {};
  auto doc = json::Document::parse(*marker);
  if (!doc || doc->root().get("container").as_string() != id) return {};
  std::string ref(doc->root().get("ref").as_string());
  BERTH_CHECK(remove_rootfs(dir));
  if (!ref.empty() && unlink(ref.c_str()) != 0 && errno != ENOENT) return sys_error(errno, "unlink " + ref);
  return {};
}

}  // namespace berth::images
