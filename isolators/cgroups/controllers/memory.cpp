// linux.resources.memory: v1 memory.limit_in_bytes & co (memsw, kmem,
// swappiness, oom_control), v2 memory.max / low / swap.max, where v2 has
// no file for a field it is refused or, for the kernel limits runc 1.1
// ignores, accepted with a warning.
#include <sys/stat.h>

#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/controllers.hpp"
#include "libcontainer/cgroup/files.hpp"

namespace berth::isolators::cgroups {
namespace {

namespace v1 = cgroup::v1::memory;
namespace v2 = cgroup::v2::memory;

// A limit in bytes reads back rounded down to pages, or as the
// "unlimited" value for -1.
bool taken(int fd, const char* file, int64_t want) {
  int64_t page = 4096, v = cgroup::read_int(fd, file);
  return want < 0 ? v >= (int64_t(1) << 62) : v == want / page * page;
}

// A v1 kernel memory limit (tcp: memory.kmem.tcp.limit_in_bytes) where
// the kernel has it. Linux 6.1 dropped the kmem limit: it keeps
// memory.kmem.limit_in_bytes but ignores writes (so it is read back), and
// kernels built without kmem have no files. Either way the field is
// accepted with a warning naming it, as runc 1.1 does.
Status apply_kmem(Scope& s, int fd, bool tcp, int64_t bytes, const std::string& json_path) {
  const char* file = tcp ? "memory.kmem.tcp.limit_in_bytes" : "memory.kmem.limit_in_bytes";
  Status r = tcp ? v1::set_kmem_tcp_limit(s.kernel, fd, bytes) : v1::set_kmem_limit(s.kernel, fd, bytes);
  if (r.ok() && taken(fd, file, bytes)) return {};
  if (!r.ok() && r.error().sys_errno() != ENOENT) return at(json_path, std::move(r));
  std::string why = r.ok() ? " ignores writes (gone since Linux 6.1)" : " is missing";
  s.warn(Error(Code::Unsupported, std::string("ignored: this kernel has no kernel memory limit (") + file + why + ")",
               0, json_path));
  return {};
}

Status apply_v1(Scope& s, int fd, const spec::MemoryResources& m, const std::string& p) {
  sys::Kernel& k = s.kernel;
  // memory.memsw.limit_in_bytes may never be below the memory limit. An
  // unlimited memory limit without a swap value lifts memsw too (runc
  // 1.1's rule; `update --memory -1` failed with EINVAL while a swap limit
  // was set), where the kernel accounts swap at all.
  std::optional<int64_t> swap = m.swap;
  struct stat st;
  if (m.limit && *m.limit < 0 && !swap && fstatat(fd, "memory.memsw.limit_in_bytes", &st, 0) == 0) swap = -1;
  // When both grow past the current memsw, memsw goes first.
  bool swap_first = false;
  if (m.limit && swap) {
    int64_t cur = cgroup::read_int(fd, "memory.memsw.limit_in_bytes");
    swap_first = *swap < 0 || *m.limit < 0 || *m.limit > cur;
  }
  if (swap && swap_first) BERTH_CHECK(at(p + "swap", v1::set_memsw_limit(k, fd, *swap)));
  if (m.limit) BERTH_CHECK(at(p + "limit", v1::set_limit(k, fd, *m.limit)));
  if (swap && !swap_first) BERTH_CHECK(at(p + "swap", v1::set_memsw_limit(k, fd, *swap)));
  if (m.reservation) BERTH_CHECK(at(p + "reservation", v1::set_soft_limit(k, fd, *m.reservation)));
  if (m.kernel) BERTH_CHECK(apply_kmem(s, fd, false, *m.kernel, p + "kernel"));
  if (m.kernel_tcp) BERTH_CHECK(apply_kmem(s, fd, true, *m.kernel_tcp, p + "kernelTCP"));
  if (m.swappiness) BERTH_CHECK(at(p + "swappiness", v1::set_swappiness(k, fd, *m.swappiness)));
  if (m.disable_oom_killer)
    BERTH_CHECK(at(p + "disableOOMKiller", v1::set_oom_killer_disabled(k, fd, *m.disable_oom_killer)));
  if (m.use_hierarchy) BERTH_CHECK(at(p + "useHierarchy", v1::set_use_hierarchy(k, fd, *m.use_hierarchy)));
  return {};
}

Status apply_v2(Scope& s, int fd, const spec::MemoryResources& m, const std::string& p) {
  // Accepted with a warning, as runc 1.1 (which ignores both everywhere).
  for (auto [given, field] : {std::pair{m.kernel.has_value(), "kernel"}, {m.kernel_tcp.has_value(), "kernelTCP"}})
    if (given)
      s.warn(Error(Code::Unsupported, "ignored: cgroup v2 has no kernel memory limit (it counts toward memory.max)", 0,
                   p + field));
  if (m.swappiness) return no_v2(p + "swappiness", "there is no per-cgroup swappiness");
  if (m.disable_oom_killer.value_or(false)) return no_v2(p + "disableOOMKiller", "the OOM killer cannot be disabled");
  if (m.use_hierarchy == false) return no_v2(p + "useHierarchy", "the hierarchy is always used");
  if (m.limit) BERTH_CHECK(at(p + "limit", v2::set_max(s.kernel, fd, *m.limit)));
  if (m.reservation) BERTH_CHECK(at(p + "reservation", v2::set_low(s.kernel, fd, *m.reservation)));
  if (m.swap) {
    // The OCI value is memory plus swap; memory.swap.max is swap alone.
    if (*m.swap >= 0 && (!m.limit || *m.limit < 0))
      return Error(Code::Config, "a swap limit needs a memory limit on cgroup v2", 0, p + "swap");
    int64_t swap = *m.swap < 0 ? -1 : *m.swap - *m.limit;
    if (swap < -1) return Error(Code::Config, "swap must be at least the memory limit", 0, p + "swap");
    BERTH_CHECK(at(p + "swap", v2::set_swap_max(s.kernel, fd, swap)));
  }
  return {};
}

class Memory final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    return r.memory ? s.require("memory", s.json_root + "/memory") : Status{};
  }

  Status update(Scope& s, const spec::Resources& r) override {
    if (!r.memory) return {};
    const spec::MemoryResources& m = *r.memory;
    const std::string p = s.json_root + "/memory/";
    int fd = s.fd_of("memory");
    // checkBeforeUpdate: a new limit below what the cgroup uses now is
    // refused rather than left to the OOM killer (as runc 1.1).
    if (m.check_before_update.value_or(false) && m.limit && *m.limit >= 0) {
      int64_t usage = cgroup::read_int(fd, s.is_v2("memory") ? "memory.current" : "memory.usage_in_bytes");
      if (*m.limit < usage)
        return Error(Code::Busy,
                     "the new memory limit " + std::to_string(*m.limit) + " is below the current usage " +
                         std::to_string(usage) + " (checkBeforeUpdate)",
                     0, p + "limit");
    }
    return s.is_v2("memory") ? apply_v2(s, fd, m, p) : apply_v1(s, fd, m, p);
  }
};

}  // namespace

std::unique_ptr<Controller> make_memory() { return std::make_unique<Memory>(); }

}  // namespace berth::isolators::cgroups
