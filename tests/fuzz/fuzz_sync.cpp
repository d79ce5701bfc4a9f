// libFuzzer target for the sync-protocol decoder: arbitrary datagrams (and
// lengths) arrive on the CLI's end of the SEQPACKET channel; recv_msg must
// accept exactly one well-formed SyncMsg of a known step, tell a well-formed
// one of an unknown step apart (-EPROTO, which the typed channels name), and
// refuse everything else cleanly.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "libcontainer/child/sync.hpp"

using namespace berth::child;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int sp[2] = {-1, -1};
  if (sp[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) abort();
  if (size > 65536) return 0;
  if (send(sp[1], data, size, MSG_DONTWAIT) != ssize_t(size)) return 0;
  SyncMsg m;
  int fd = -1;
  int r = recv_msg(sp[0], &m, &fd);
  if (r == 0) {
    // Accepted: it must be exactly one message of a known kind, NUL-terminated strings.
    if (size != sizeof(SyncMsg) || m.magic != kSyncMagic) abort();
    if (strnlen(m.error.step, sizeof m.error.step) == sizeof m.error.step) abort();
    if (strnlen(m.error.json_path, sizeof m.error.json_path) == sizeof m.error.json_path) abort();
    if (!step_name(m.kind)) abort();
  } else if (r == -EPROTO) {
    if (size != sizeof(SyncMsg) || m.magic != kSyncMagic || step_name(m.kind) || fd >= 0) abort();
    char what[160];
    describe_mismatch(what, sizeof what, SyncKind::Created, "container init", r, m);
    if (!strstr(what, "unknown step")) abort();
  } else if (r != -EBADMSG && r != -EPIPE) {
    abort();
  }
  if (fd >= 0) close(fd);
  return 0;
}
