// Capability sets: the parent-side builder and name tables (libcap). The
// init applies the masks with child::apply_capabilities (libcontainer/child).
#include "isolators/linux/capabilities/caps.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace berth::capabilities {
namespace {

// Bits representable in CapSets, whatever the kernel says.
constexpr int kMaxCap = 63;

uint64_t mask_of(const std::optional<std::vector<int>>& set, int last_cap) {
  uint64_t m = 0;
  if (!set) return m;
  for (int c : *set)
    if (c >= 0 && c <= last_cap && c <= kMaxCap) m |= uint64_t{1} << c;
  return m;
}

}  // namespace

CapSets cap_sets_from(const std::optional<spec::Capabilities>& caps, int last_cap) {
  CapSets s;
  s.last_cap = last_cap;
  if (!caps) return s;
  s.bounding = mask_of(caps->bounding, last_cap);
  s.effective = mask_of(caps->effective, last_cap);
  s.permitted = mask_of(caps->permitted, last_cap);
  s.inheritable = mask_of(caps->inheritable, last_cap);
  s.ambient = mask_of(caps->ambient, last_cap);
  return s;
}

int read_last_cap() noexcept {
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  char buf[16];
  ssize_t n;
  do n = read(fd, buf, sizeof buf - 1);
  while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0) return -err;
  int v = 0;
  ssize_t i = 0;
  for (; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) {
    v = v * 10 + (buf[i] - '0');
    if (v > kMaxCap) return -EINVAL;
  }
  if (i == 0) return -EINVAL;
  return v;
}

std::vector<std::string> known_capability_names(int last_cap) {
  std::vector<std::string> out;
  for (int c = 0; c <= last_cap && c <= kMaxCap; ++c) {
    char* name = cap_to_name(static_cast<cap_value_t>(c));
    if (!name) continue;
    // libcap prints caps it has no name for as their number; those are not names.
    if (std::isalpha(static_cast<unsigned char>(name[0]))) {
      std::string n(name);
      for (char& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.push_back(std::move(n));
    }
    cap_free(name);
  }
  return out;
}

}  // namespace berth::capabilities
