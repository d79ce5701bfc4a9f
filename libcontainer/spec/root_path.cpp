// Resolution of root.path; see root_path.hpp.
#include "libcontainer/spec/root_path.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace berth::spec {

namespace {

constexpr const char* kPath = "/root/path";

bool inside(const std::string& dir, const std::string& path) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

}  // namespace

Result<std::string> resolve_root_path(const std::string& bundle, const std::string& root_path) {
  if (root_path.empty()) return config_error(kPath, "must not be empty");
  bool relative = root_path[0] != '/';
  std::string joined = relative ? bundle + "/" + root_path : root_path;
  char buf[PATH_MAX];
  if (!realpath(joined.c_str(), buf)) {
    int err = errno;
    return Error(err == ENOENT ? Code::NotFound : Code::Config, "resolve root.path " + joined, err, kPath);
  }
  std::string resolved(buf);
  if (relative && !inside(bundle, resolved))
    return config_error(kPath, "a relative root.path must stay inside the bundle " + bundle + ", but \"" + root_path +
                                   "\" resolves to " + resolved + " (give an absolute path instead)");
  struct stat st;
  if (stat(resolved.c_str(), &st) != 0) return Error(Code::Config, "stat " + resolved, errno, kPath);
  if (!S_ISDIR(st.st_mode)) return config_error(kPath, resolved + " is not a directory");
  return resolved;
}

}  // namespace berth::spec
