// The isolator interface (ARCHITECTURE.md "Isolators"): one concern for a
// container's whole life. Every hook is optional. Call order: prepare (CLI,
// before the init exists, builds the LaunchPlan, no side effects that are not
// undone by cleanup), isolate (CLI, the init exists and waits), cleanup
// (delete, reverse order, idempotent, accepts a container it never saw).
// watch/update/usage/recover arrive with the cgroups and shim issues.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/launcher/launch_plan.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth {

struct ContainerContext {
  const spec::Config& config;
  std::string id;
  std::string bundle;     // absolute
  std::string rootfs;     // absolute
  std::string state_dir;  // absolute
};

class Isolator {
 public:
  virtual ~Isolator() = default;
  virtual const char* name() const = 0;
  virtual Status prepare(const ContainerContext&, LaunchPlan&) { return {}; }
  virtual Status isolate(const ContainerContext&, LaunchPlan&, pid_t /*init*/) { return {}; }
  virtual Status cleanup(const std::string& /*state_dir*/) { return {}; }
};

using IsolatorList = std::vector<std::unique_ptr<Isolator>>;

}  // namespace berth
