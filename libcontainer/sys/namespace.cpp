// Namespace files (namespace.hpp).
#include "libcontainer/sys/namespace.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

namespace berth::sys {

int clone_flag(spec::NsType t) {
  switch (t) {
    case spec::NsType::Pid: return CLONE_NEWPID;
    case spec::NsType::Network: return CLONE_NEWNET;
    case spec::NsType::Mount: return CLONE_NEWNS;
    case spec::NsType::Ipc: return CLONE_NEWIPC;
    case spec::NsType::Uts: return CLONE_NEWUTS;
    case spec::NsType::User: return CLONE_NEWUSER;
    case spec::NsType::Cgroup: return CLONE_NEWCGROUP;
    case spec::NsType::Time: return CLONE_NEWTIME;
  }
  return 0;
}

Result<UniqueFd> open_namespace(spec::NsType t, const std::string& path, const std::string& json_path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error(Code::Config, "open namespace " + path, errno, json_path);
  int type = ioctl(fd.get(), NS_GET_NSTYPE);
  if (type < 0) return Error(Code::Config, path + " is not a namespace file", errno, json_path);
  if (type != clone_flag(t)) return config_error(json_path, path + " is not a " + spec::ns_type_name(t) + " namespace");
  return fd;
}

namespace {

// The name of t under /proc/self/ns.
const char* proc_name(spec::NsType t) {
  switch (t) {
    case spec::NsType::Network: return "net";
    case spec::NsType::Mount: return "mnt";
    default: return spec::ns_type_name(t);
  }
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat x, y;
  return stat(a.c_str(), &x) == 0 && stat(b.c_str(), &y) == 0 && x.st_dev == y.st_dev && x.st_ino == y.st_ino;
}

}  // namespace

bool differs_from_ours(pid_t pid, spec::NsType t) {
  std::string name = proc_name(t);
  return !same_file("/proc/" + std::to_string(pid) + "/ns/" + name, "/proc/self/ns/" + name);
}

bool owns_namespace(const spec::Config& c, spec::NsType t) {
  for (const auto& ns : c.linux.namespaces) {
    if (ns.type != t) continue;
    if (ns.path.empty()) return true;
    struct stat a, b;
    std::string self = std::string("/proc/self/ns/") + proc_name(t);
    return stat(ns.path.c_str(), &a) == 0 && stat(self.c_str(), &b) == 0 &&
           (a.st_dev != b.st_dev || a.st_ino != b.st_ino);
  }
  return false;
}

}  // namespace berth::sys
