// The CLI's end of the sync channel; see init_channel.hpp.
#include "libcontainer/launcher/init_channel.hpp"

#include <poll.h>

namespace berth::launcher {
namespace {

using child::SyncKind;

// What the init reported with Failed: the step, its errno, the config field.
Error child_failure(const child::SyncMsg& m) {
  return Error(Code::Child, m.error.step, m.error.sys_errno, m.error.json_path);
}

// A step that carries no fd (one attached anyway is closed).
Status without_fd(Result<UniqueFd> r) {
  if (!r.ok()) return std::move(r).error();
  return {};
}

}  // namespace

Result<UniqueFd> InitChannel::await(SyncKind want) {
  child::SyncMsg m{};
  int raw = -1;
  int r = child::recv_msg(fd_.get(), &m, &raw);
  UniqueFd fd(raw);
  if (r == -EPIPE || r == -ECONNRESET) return gone_();
  if (r == 0 && m.kind == want) return fd;
  if (r == 0 && m.kind == SyncKind::Failed) return child_failure(m);
  if (r < 0 && r != -EBADMSG && r != -EPROTO) return sys_error(-r, "read from the container init");
  char what[160];
  child::describe_mismatch(what, sizeof what, want, "container init", r, m);
  return Error(Code::Child, what);
}

Status InitChannel::send(SyncKind kind, int fd) {
  int r = child::send_msg(fd_.get(), kind, nullptr, fd);
  // An init that failed early (joining its cgroups, say) said why first.
  if (r == -EPIPE || r == -ECONNRESET) {
    if (auto failed = pending_failure()) return std::move(*failed);
    return gone_();
  }
  if (r < 0) return sys_error(-r, std::string("send ") + child::step_name(kind) + " to the container init");
  return {};
}

Status InitChannel::send_isolated() { return send(SyncKind::Isolated, -1); }
Status InitChannel::send_hooks_done(int state) { return send(SyncKind::HooksDone, state); }
Status InitChannel::await_runtime_ready() { return without_fd(await(SyncKind::RuntimeReady)); }
Status InitChannel::await_created() { return without_fd(await(SyncKind::Created)); }
Status InitChannel::await_exec() {
  child::SyncMsg m{};
  int raw = -1;
  int r = child::recv_msg(fd_.get(), &m, &raw);
  UniqueFd fd(raw);
  if (r == -EPIPE || r == -ECONNRESET) return {};
  if (r == 0 && m.kind == SyncKind::Failed) return child_failure(m);
  if (r < 0 && r != -EBADMSG && r != -EPROTO) return sys_error(-r, "read from the process");
  return Error(Code::Child, "the process sent another message than its exec's");
}

Result<UniqueFd> InitChannel::await_console() { return await(SyncKind::ConsoleFd); }
Result<UniqueFd> InitChannel::await_seccomp_fd() { return await(SyncKind::SeccompFd); }

std::optional<Error> InitChannel::pending_failure() {
  pollfd p{fd_.get(), POLLIN, 0};
  child::SyncMsg m;
  int raw = -1;
  if (poll(&p, 1, 0) != 1 || child::recv_msg(fd_.get(), &m, &raw) != 0) return std::nullopt;
  UniqueFd fd(raw);
  if (m.kind != SyncKind::Failed) return std::nullopt;
  return child_failure(m);
}

}  // namespace berth::launcher
