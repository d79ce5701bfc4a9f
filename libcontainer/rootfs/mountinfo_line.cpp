// mountinfo line parsing for the init: pure loops, no allocation and no
// libc call, so the child may use it (allowlist.txt).
#include "libcontainer/rootfs/mountinfo_line.hpp"

namespace berth::rootfs {

long decode_mountinfo_path(const char* in, size_t n, char* out, size_t cap) noexcept {
  if (cap == 0) return -1;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    char c = in[i];
    // A backslash and three octal digits: "\040".
    bool octal = c == '\\' && n - i > 3;
    for (size_t k = 1; octal && k <= 3; k++) octal = in[i + k] >= '0' && in[i + k] <= '7';
    if (octal) {
      c = char(((in[i + 1] - '0') << 6) | ((in[i + 2] - '0') << 3) | (in[i + 3] - '0'));
      i += 3;
    }
    if (o + 1 >= cap) return -1;
    out[o++] = c;
  }
  out[o] = 0;
  return long(o);
}

int parse_mountinfo_line(const char* line, size_t n, uint64_t* id, char* mountpoint, size_t cap) noexcept {
  // Field starts and lengths of the first five space-separated fields.
  const char* f[5];
  size_t len[5];
  size_t i = 0;
  for (int k = 0; k < 5; k++) {
    while (i < n && line[i] == ' ') i++;
    if (i >= n) return -1;
    f[k] = line + i;
    while (i < n && line[i] != ' ') i++;
    len[k] = size_t(line + i - f[k]);
  }
  uint64_t v = 0;
  if (len[0] == 0 || len[0] > 19) return -1;
  for (size_t k = 0; k < len[0]; k++) {
    if (f[0][k] < '0' || f[0][k] > '9') return -1;
    v = v * 10 + uint64_t(f[0][k] - '0');
  }
  *id = v;
  return decode_mountinfo_path(f[4], len[4], mountpoint, cap) < 0 ? -1 : 0;
}

}  // namespace berth::rootfs
