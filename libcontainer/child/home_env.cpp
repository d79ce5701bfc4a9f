// HOME for a process.env without one (runc's rule): the home of process.user.uid
// in the container's /etc/passwd, read through the rootfs once its mounts are
// in place; "/" (the parent's default in the buffer) when there is no entry.
// Allocation-free: fixed stack buffers, written into the plan's home_buf.
#include "libcontainer/child/home_env.hpp"

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/sys.hpp"
#include "libcontainer/rootfs/resolve.hpp"

namespace berth::child {
namespace {

// An /etc/passwd bigger than this is not read to its end (its entry, if any,
// is past what any real system has); a line longer than kLine is skipped.
constexpr size_t kMaxRead = 16u << 20;
constexpr size_t kLine = 4096;

BERTH_CHILD bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// "name:password:uid:gid:gecos:home:shell" (passwd(5)). On a line for uid,
// copies its home (possibly empty, as runc) into out and returns true.
BERTH_CHILD bool match_line(const char* s, size_t n, uid_t uid, char* out, size_t cap) {
  while (n && is_space(*s)) s++, n--;
  while (n && is_space(s[n - 1])) n--;
  const char* field[7] = {};
  size_t len[7] = {};
  size_t f = 0;
  field[0] = s;
  for (size_t i = 0; i < n && f < 7; i++) {
    if (s[i] == ':') {
      if (++f < 7) field[f] = s + i + 1;
    } else {
      len[f]++;
    }
  }
  if (f < 2 || len[2] == 0 || len[2] > 10) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len[2]; i++) {
    char c = field[2][i];
    if (c < '0' || c > '9') return false;  // runc reads a bad uid as 0: we skip the line
    v = v * 10 + uint64_t(c - '0');
  }
  if (v != uint64_t(uid)) return false;
  size_t hl = f >= 5 ? len[5] : 0;
  if (hl + 1 > cap) return false;
  if (hl) sys::memcpy(out, field[5], hl);
  out[hl] = 0;
  return true;
}

}  // namespace

// The first entry for uid in the file, read through fd (first match wins, as runc).
BERTH_CHILD bool find_home(int fd, uid_t uid, char* out, size_t cap) {
  char buf[4096], line[kLine];
  size_t len = 0, total = 0;
  bool overlong = false;
  while (total < kMaxRead) {
    ssize_t n = sys::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    total += size_t(n);
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] == '\n') {
        if (!overlong && match_line(line, len, uid, out, cap)) return true;
        len = 0, overlong = false;
      } else if (len < sizeof line) {
        line[len++] = buf[i];
      } else {
        overlong = true;
      }
    }
  }
  return !overlong && match_line(line, len, uid, out, cap);
}

BERTH_CHILD void fill_home_env(const ChildPlan& p) {
  if (!p.home_buf) return;
  int root = sys::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) fail(p, errno, "open / to read /etc/passwd", nullptr, "/process/env", -1);
  // Inside the root (RESOLVE_IN_ROOT): a symlink cannot lead to a host file.
  // O_NONBLOCK: a fifo there must not hang the init; only a regular file is read.
  int fd = rootfs::open_in_root(root, "/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
  sys::close(root);
  if (fd < 0) return;  // no /etc/passwd: HOME=/ (runc)
  struct stat st;
  char home[kLine];
  const size_t prefix = 5;  // "HOME="
  if (sys::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && find_home(fd, p.uid, home, p.home_buf_len - prefix))
    sys::concat(p.home_buf, p.home_buf_len, "HOME=", home);
  sys::close(fd);
}

}  // namespace berth::child
