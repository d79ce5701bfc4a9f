// The cgroups isolator's controllers: one per concern of linux.resources
// (memory, cpu, cpuset, pids, blockIO, hugetlb, network, rdma, unified,
// devices), each in its own file with its v1 and v2 behaviour side by
// side, behind one small interface. The isolator (cgroups.cpp) makes the
// cgroups and places the init; a controller only checks and writes its
// fields, through the Scope they share. Mechanism (one function per
// control file) is in libcontainer/cgroup/.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "isolators/registry.hpp"
#include "libcontainer/cgroup/layout.hpp"
#include "libcontainer/cgroup/leaf.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/spec/config.hpp"
#include "libcontainer/state/record.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::isolators::cgroups {

// The container's cgroup in one hierarchy.
struct Target {
  const cgroup::Hierarchy* h;
  std::string path;  // below h->mount, absolute
  int fd = -1;       // the leaf once provisioned or recovered (the ContainerCgroups owns it)
  std::string dir() const { return cgroup::dir_of(h->mount, path); }
};

// What the isolator and its controllers share for one container: the
// host's layout, the container's leaves in it, the Kernel every write goes
// through, and where warnings go.
class Scope {
 public:
  Scope(sys::Kernel& k, Warn warn) : kernel(k), warn_(std::move(warn)) {}

  sys::Kernel& kernel;
  cgroup::Layout layout;
  std::vector<Target> targets;
  // create: the container's record, which provision puts its sections into
  // (state/record.hpp; null otherwise); update: the state directory to
  // load it from.
  state::Record* record = nullptr;
  std::string state_dir;
  // Of the fields named in errors: the config's, or "" for the resources
  // document of `berth update`.
  std::string json_root = "/linux/resources";
  bool live = false;  // `berth update`: the container exists

  // The leaf in the hierarchy of controller (nullptr / -1: none).
  Target* target_for(const char* controller);
  int fd_of(const char* controller);
  // The cgroup2 leaf (nullptr: no cgroup2 mount).
  Target* unified();
  // The controller's hierarchy is the cgroup2 mount.
  bool is_v2(const char* controller) const;

  // A controller the fields need: Unsupported, naming the field, when the
  // host has no hierarchy for it. On cgroup2 the parents must pass it down
  // to the leaf (needed_v2).
  Status require(const char* controller, const std::string& json_path);
  // The cgroup2 mount has the controller (its cgroup.controllers, read once).
  bool v2_has(const std::string& controller);
  void need_v2(const std::string& controller);
  const std::vector<std::string>& needed_v2() const { return needed_v2_; }

  void warn(const Error& e) const;

 private:
  Warn warn_;
  std::vector<std::string> needed_v2_;
  std::optional<std::set<std::string>> v2_available_;
};

// The error of setting one field, named by its JSON path.
Status at(const std::string& json_path, Status s);
// A field cgroup v2 has no file for.
Error no_v2(const std::string& json_path, const char* why);

class Controller {
 public:
  virtual ~Controller() = default;
  // Before any write (prepare; update before its first): the host has
  // what the fields present need, else Code::Unsupported naming the field.
  virtual Status check(Scope&, const spec::Resources&) { return {}; }
  // At create, once the cgroups are made and before the init joins them.
  virtual Status create(Scope& s, const spec::Linux& l) { return update(s, l.resources); }
  // The fields present (at create: the config's; on update: only those to change).
  virtual Status update(Scope& s, const spec::Resources& r) = 0;
};

// Every controller, in the order they are checked and written.
std::vector<std::unique_ptr<Controller>> all_controllers();

std::unique_ptr<Controller> make_memory();
std::unique_ptr<Controller> make_cpuset();
std::unique_ptr<Controller> make_cpu();
std::unique_ptr<Controller> make_pids();
std::unique_ptr<Controller> make_block_io();
std::unique_ptr<Controller> make_hugetlb();
std::unique_ptr<Controller> make_network();
std::unique_ptr<Controller> make_rdma();
std::unique_ptr<Controller> make_unified();
std::unique_ptr<Controller> make_devices();

}  // namespace berth::isolators::cgroups
