// The launcher: create (isolators' prepare, state directory, cloner/init/shim,
// the sync protocol with the init) and the operations on an existing
// container (start, kill, delete). runtime/ calls these; they never print.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>

#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/isolator/isolator.hpp"
#include "libcontainer/spec/config.hpp"
#include "libcontainer/state/store.hpp"

namespace berth::launcher {

struct CreateOptions {
  std::string id;
  std::string bundle;          // as given; made absolute
  std::string console_socket;  // path of a unix socket that receives the pty master
  std::string pid_file;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
  bool keep_console = false;   // `run` in the foreground: return the master instead
  std::string shim_path;       // berth-shim next to the berth binary
  // With --debug: receives one line of phase timings after a create.
  std::function<void(const std::string&)> debug;
};

struct Created {
  pid_t pid = 0;
  UniqueFd console;  // with keep_console and terminal: true
};

Result<Created> create(const state::Store& store, const CreateOptions& opts, const spec::Config& config,
                       IsolatorList& isolators);

// Opens the start gate, then runs the poststart hooks.
Status start(const state::Store& store, const std::string& id);
// sig: a signal number. all: not supported until cgroups (error).
Status kill(const state::Store& store, const std::string& id, int sig);
// force: kill a live container first. Idempotent cleanup; poststop hooks.
// A failing poststop hook does not fail the delete: it is put in *warning.
Status remove(const state::Store& store, const std::string& id, bool force, IsolatorList& isolators,
              std::string* warning);

// Waits for the container's init to exit, through the shim; returns the
// exit code (128+signal for a signal).
Result<int> wait(const state::Store& store, const std::string& id);

}  // namespace berth::launcher
