// The isolators' registry: the one order table used by the CLI (the shim
// runs no isolator code). prepare/provision/isolate run in this order,
// cleanup in reverse. Each isolator says when a config needs it; a
// container is made with those (or with the list --isolation or the
// annotation run.berth.isolation gives), and the names are recorded in its
// state directory so that every later command makes the same set.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "libcontainer/cgroup/layout.hpp"
#include "libcontainer/isolator/isolator.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::isolators {

// Where an isolator's warnings go (the CLI's log): what it accepts but
// cannot do as asked, said once, naming the field. Empty: dropped.
using Warn = std::function<void(const std::string&)>;

// Where the cgroups isolator learns the host's layout: cgroup::host_layout
// on a host, a FakeCgroupTree's in tests.
using LayoutSource = std::function<Result<cgroup::Layout>()>;

// What the isolators are made with. kernel: every isolator that changes
// host state does it through this.
struct Deps {
  sys::Kernel& kernel;
  LayoutSource cgroups;
  Warn warn;
};

// Whether a config needs an isolator.
struct Need {
  bool wanted = false;      // made unless --isolation leaves it out
  std::string required_by;  // the JSON path of a field only it realises: it cannot be left out ("" none)
  // Wanted exactly when a field requires it.
  static Need required(std::string by) { return {!by.empty(), std::move(by)}; }
  // Wanted for every config; by (or "") requires it.
  static Need always(std::string by) { return {true, std::move(by)}; }
};

// One row of the order table, defined in the isolator's own folder.
struct Entry {
  const char* name;  // as Isolator::name()
  Need (*needs)(const spec::Config&);
  std::unique_ptr<Isolator> (*make)(const Deps&);
};

// The table, in order.
std::span<const Entry* const> entries();

inline constexpr const char* kIsolationAnnotation = "run.berth.isolation";

// The names of the isolators a container is made with, in the table's
// order: those in `isolation` (--isolation's comma-separated list), else in
// the annotation run.berth.isolation, else those the config wants. An
// unknown name, or a list that leaves out one a field requires, is an error
// naming it (and the field).
Result<std::vector<std::string>> choose(const spec::Config& c, const std::optional<std::string>& isolation);

// An error (Code::Config, at the field's JSON path) when a field of c at or
// below `under` needs an isolator that names lacks; why ends the message.
Status check_needs(const std::vector<std::string>& names, const spec::Config& c, const std::string& why,
                   std::string_view under = "");

// An existing container's names: those recorded at create, every
// isolator's when none is (cleanup is idempotent).
std::vector<std::string> recorded_names(const std::string& state_dir);

// The named isolators (unknown names skipped), in the table's order.
IsolatorList make(const std::vector<std::string>& names, const Deps& deps);
// make(recorded_names(state_dir)).
IsolatorList make_recorded(const std::string& state_dir, const Deps& deps);
IsolatorList make_all(sys::Kernel& kernel, LayoutSource cgroups, Warn warn = {});

// For the unit tests of one isolator.
std::unique_ptr<Isolator> make_cgroups(sys::Kernel& kernel, LayoutSource source, Warn warn = {});
std::unique_ptr<Isolator> make_filesystem_linux(sys::Kernel& kernel);

}  // namespace berth::isolators
