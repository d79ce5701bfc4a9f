// InitChannel: the CLI's end of the sync channel with the container init
// (child/sync.hpp has the order of steps and the init's end). One method per
// step; each await_* accepts exactly its step, turns the init's Failed into
// its ChildError (step, errno, config field), and refuses anything else
// naming the step it awaited and the one it received. It owns the fd.
#pragma once

#include <functional>
#include <optional>

#include "libcontainer/child/sync.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"

namespace berth::launcher {

class InitChannel {
 public:
  // gone: the error for an init that closed its end (it died in setup).
  InitChannel(UniqueFd fd, std::function<Error()> gone) : fd_(std::move(fd)), gone_(std::move(gone)) {}

  Status send_isolated();
  Status await_runtime_ready();
  // state: a memfd with the state JSON for the init's hooks, or -1.
  Status send_hooks_done(int state);
  Result<UniqueFd> await_console();
  Result<UniqueFd> await_seccomp_fd();
  Status await_created();
  // An exec'd process, after Created: the channel closes with its exec
  // (close-on-exec), or brings the reason the exec failed.
  Status await_exec();
  // The report of an init that has already failed (without blocking), if
  // that is what waits on the channel.
  std::optional<Error> pending_failure();

 private:
  Result<UniqueFd> await(child::SyncKind want);
  Status send(child::SyncKind kind, int fd);
  UniqueFd fd_;
  std::function<Error()> gone_;
};

}  // namespace berth::launcher
