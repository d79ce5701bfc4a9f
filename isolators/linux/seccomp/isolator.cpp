// linux/seccomp isolator: compiles linux.seccomp to BPF in the parent; the
// init only loads it (see child/process_setup.cpp for when).
#include <cstring>

#include "isolators/linux/seccomp/compile.hpp"
#include "isolators/registry.hpp"

namespace berth::isolators {
namespace {

class Seccomp final : public Isolator {
 public:
  const char* name() const override { return "linux/seccomp"; }
  Status prepare(const ContainerContext& ctx, LaunchPlan& plan) override {
    const auto& sc = ctx.config.linux.seccomp;
    if (!sc) return {};
    auto prog = BERTH_TRY(seccomp::compile_seccomp(*sc));
    if (prog.needs_listener && sc->listener_path.empty())
      return config_error("/linux/seccomp/listenerPath", "SCMP_ACT_NOTIFY needs a listenerPath");
    plan.seccomp_bpf.resize(prog.filter.size() * sizeof(sock_filter));
    memcpy(plan.seccomp_bpf.data(), prog.filter.data(), plan.seccomp_bpf.size());
    plan.child.seccomp_flags = prog.flags;
    plan.child.seccomp_listener = prog.needs_listener;
    plan.seccomp_listener_path = sc->listener_path;
    plan.seccomp_listener_metadata = sc->listener_metadata;
    return {};
  }
};

}  // namespace

std::unique_ptr<Isolator> make_seccomp() { return std::make_unique<Seccomp>(); }

}  // namespace berth::isolators
