// linux/rlimits isolator: process.rlimits, set by the init with setrlimit.
// Raising a hard limit needs CAP_SYS_RESOURCE; the error names the entry.
#include "isolators/registry.hpp"

namespace berth::isolators {
namespace {

class Rlimits final : public Isolator {
 public:
  const char* name() const override { return "linux/rlimits"; }
  Status prepare(const ContainerContext& ctx, LaunchPlan& plan) override {
    const auto& rl = ctx.config.process->rlimits;
    for (size_t i = 0; i < rl.size(); i++)
      plan.rlimits.push_back(child::ChildRlimit{rl[i].resource, rl[i].soft, rl[i].hard, int(i)});
    return {};
  }
};

}  // namespace

std::unique_ptr<Isolator> make_rlimits() { return std::make_unique<Rlimits>(); }

}  // namespace berth::isolators
