// linux/capabilities isolator: the five capability sets as masks for the init.
// Only the sets the config names are non-empty (no inheritable or ambient
// capabilities unless listed: CVE-2022-29162).
#include "isolators/linux/capabilities/caps.hpp"
#include "isolators/registry.hpp"

namespace berth::isolators {
namespace {

class Capabilities final : public Isolator {
 public:
  const char* name() const override { return "linux/capabilities"; }
  Status prepare(const ContainerContext& ctx, Fragment& f) override {
    int last = capabilities::read_last_cap();
    if (last < 0) return sys_error(-last, "read /proc/sys/kernel/cap_last_cap");
    auto s = capabilities::cap_sets_from(ctx.config.process->capabilities, last);
    f.caps = Fragment::Caps{child::CapMasks{s.bounding, s.effective, s.permitted, s.inheritable, s.ambient}, last};
    return {};
  }
  Status enter(const EnterContext& ctx, Fragment& f) override { return prepare(ctx.container(), f); }
};

// Every container: a process without capabilities in its config gets none
// (without this isolator it would keep the runtime's bounding set).
Need needs(const spec::Config& c) {
  return Need::always(c.process && c.process->capabilities ? "/process/capabilities" : "");
}

}  // namespace

extern const Entry kCapabilities{"linux/capabilities", needs, [](const Deps&) -> std::unique_ptr<Isolator> {
                                   return std::make_unique<Capabilities>();
                                 }};

}  // namespace berth::isolators
