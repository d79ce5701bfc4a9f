// The container's output as the shim keeps it (create --logs): each line it
// writes, in the CRI log format that containerd and podman's k8s-file use,
//   2026-12-07T06:52:59.123456789Z stdout F hello
// F for a whole line (its newline dropped), P for a part of one (a line
// longer than the buffer, or the last bytes before the end without a
// newline), so that `berth logs` gives back the very bytes written. The
// file is rotated before a line would take it past max_size: PATH.(N-1) is
// dropped, PATH.i becomes PATH.(i+1), PATH becomes PATH.1; max_files counts
// PATH too. libc only, as the shim; its calls that leave a trace go through
// Sys (shim.hpp).
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libcontainer/state/rfc3339.hpp"

namespace berth::shim {

constexpr size_t kLogLineMax = 16384;  // a longer line is cut into P entries, as CRI's

// One output of the container: a pipe (stdout, stderr) or a pty master.
struct LogStream {
  int fd = -1;  // non-blocking; -1 once at its end
  const char* name = "stdout";
  size_t len = 0;
  char buf[kLogLineMax];
};

template <class Sys>
struct LogWriter {
  const char* path = nullptr;  // nullptr: no logs
  long max_size = 10L << 20;
  int max_files = 2;
  int fd = -1;
  long size = 0;

  bool enabled() const { return path != nullptr; }

  bool open() {
    fd = Sys::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return false;
    struct stat st;
    size = fstat(fd, &st) == 0 ? long(st.st_size) : 0;
    return true;
  }

  void rotate() {
    char from[4200], to[4200];
    for (int i = max_files - 1; i >= 1; i--) {
      if (i == 1)
        snprintf(from, sizeof from, "%s", path);
      else
        snprintf(from, sizeof from, "%s.%d", path, i - 1);
      snprintf(to, sizeof to, "%s.%d", path, i);
      (void)Sys::rename(from, to);
    }
    if (max_files <= 1) (void)Sys::unlink(path);
    Sys::close(fd);
    fd = -1;
    size = 0;
    open();
  }

  // One entry: the header and the content in one write (O_APPEND keeps an
  // entry whole for a reader).
  void entry(const char* stream, char tag, const char* data, size_t n) {
    if (fd < 0 && !open()) return;
    char head[96];
    berth::state::format_rfc3339_now(head, sizeof head);
    size_t h = strlen(head);
    int w = snprintf(head + h, sizeof head - h, " %s %c ", stream, tag);
    if (w > 0) h += size_t(w);
    static char line[96 + kLogLineMax + 1];
    memcpy(line, head, h);
    memcpy(line + h, data, n);
    line[h + n] = '\n';
    long total = long(h + n + 1);
    if (size > 0 && size + total > max_size) rotate();
    if (fd >= 0 && Sys::write(fd, line, size_t(total)) == total) size += total;
  }

  // Whole lines of s's buffer as F entries; a full buffer without a newline
  // as one P entry (the rest of the line follows).
  void drain_lines(LogStream& s) {
    size_t start = 0;
    for (;;) {
      char* nl = static_cast<char*>(memchr(s.buf + start, '\n', s.len - start));
      if (!nl) break;
      size_t end = size_t(nl - s.buf);
      entry(s.name, 'F', s.buf + start, end - start);
      start = end + 1;
    }
    memmove(s.buf, s.buf + start, s.len - start);
    s.len -= start;
    if (s.len == sizeof s.buf) {
      entry(s.name, 'P', s.buf, s.len);
      s.len = 0;
    }
  }

  // Reads what s has now; at its end (EOF, or EIO from a pty whose other
  // side is closed) the bytes left without a newline as a P entry, and the
  // stream closed. Returns false once it has ended.
  bool pump(LogStream& s) {
    if (s.fd < 0) return false;
    for (;;) {
      ssize_t n = Sys::read(s.fd, s.buf + s.len, sizeof s.buf - s.len);
      if (n > 0) {
        s.len += size_t(n);
        drain_lines(s);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return true;
      if (s.len > 0) entry(s.name, 'P', s.buf, s.len);
      s.len = 0;
      Sys::close(s.fd);
      s.fd = -1;
      return false;
    }
  }
};

}  // namespace berth::shim
