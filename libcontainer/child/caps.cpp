// Raw capability syscalls for the init (libcap's cap_t allocates); see caps.hpp.
#include "libcontainer/child/caps.hpp"

#include <sys/prctl.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {
namespace {

struct RawCaps {
  uint64_t effective, permitted, inheritable;
};

BERTH_CHILD int raw_capget(RawCaps* out) {
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2] = {};
  if (sys::capget(&h, d) < 0) return -errno;
  out->effective = d[0].effective | (uint64_t{d[1].effective} << 32);
  out->permitted = d[0].permitted | (uint64_t{d[1].permitted} << 32);
  out->inheritable = d[0].inheritable | (uint64_t{d[1].inheritable} << 32);
  return 0;
}

// Version 3 takes each 64-bit set as two 32-bit words, low word first.
BERTH_CHILD int raw_capset(const RawCaps& c) {
  __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct d[2] = {};
  for (int i = 0; i < 2; i++) {
    d[i].effective = uint32_t(c.effective >> (32 * i));
    d[i].permitted = uint32_t(c.permitted >> (32 * i));
    d[i].inheritable = uint32_t(c.inheritable >> (32 * i));
  }
  return sys::capset(&h, d) < 0 ? -errno : 0;
}

}  // namespace

BERTH_CHILD int apply_capabilities(const CapMasks& m, int last_cap, const char** step) noexcept {
  if (last_cap > 63) last_cap = 63;
  RawCaps cur;
  if (int r = raw_capget(&cur); r < 0) return *step = "capget", r;
  // setuid under KEEPCAPS keeps the permitted set but clears the effective
  // one, and dropping from the bounding set needs CAP_SETPCAP effective.
  if (cur.effective != cur.permitted) {
    if (int r = raw_capset(RawCaps{cur.permitted, cur.permitted, cur.inheritable}); r < 0)
      return *step = "raise effective capabilities", r;
  }
  // A drop is refused without CAP_SETPCAP even when the cap is gone
  // already (a nested runtime's bounding set): that one is no failure.
  for (int c = 0; c <= last_cap; c++) {
    if (m.bounding & (uint64_t{1} << c)) continue;
    if (sys::prctl(PR_CAPBSET_DROP, c) < 0) {
      int e = errno;
      if (sys::prctl(PR_CAPBSET_READ, c) == 1) return *step = "drop a bounding capability", -e;
    }
  }
  if (int r = raw_capset(RawCaps{m.effective, m.permitted, m.inheritable}); r < 0) return *step = "capset", r;
  if (sys::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL) < 0 && m.ambient)
    return *step = "clear ambient capabilities", -errno;
  // An ambient cap must be permitted and inheritable; runc's default spec
  // lists ambient caps without inheritable ones and runc ignores the refusal,
  // so a cap the kernel will not raise is skipped here too.
  for (int c = 0; c <= last_cap; c++)
    if (m.ambient & (uint64_t{1} << c)) sys::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c);
  return 0;
}

}  // namespace berth::child
