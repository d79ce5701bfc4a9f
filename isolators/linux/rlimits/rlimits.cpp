// linux/rlimits isolator: process.rlimits, set by the init with setrlimit.
// Raising a hard limit needs CAP_SYS_RESOURCE; the error names the entry.
#include "isolators/registry.hpp"

namespace berth::isolators {
namespace {

class Rlimits final : public Isolator {
 public:
  const char* name() const override { return "linux/rlimits"; }
  Status prepare(const ContainerContext& ctx, Fragment& f) override {
    const auto& rl = ctx.config.process->rlimits;
    for (size_t i = 0; i < rl.size(); i++)
      f.rlimits.push_back(child::ChildRlimit{rl[i].resource, rl[i].soft, rl[i].hard, int(i)});
    return {};
  }
  Status enter(const EnterContext& ctx, Fragment& f) override { return prepare(ctx.container(), f); }
};

Need needs(const spec::Config& c) {
  return Need::required(c.process && !c.process->rlimits.empty() ? "/process/rlimits" : "");
}

}  // namespace

extern const Entry kRlimits{"linux/rlimits", needs,
                            [](const Deps&) -> std::unique_ptr<Isolator> { return std::make_unique<Rlimits>(); }};

}  // namespace berth::isolators
