// berth's command line: the CLI11 App (global options, subcommands, their
// flags and defaults, runc's spellings) and its parse into plain values,
// apart from main() so that the unit tests parse an argv without running
// a command. Messages (help, version, usage errors) go to the streams given.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/command_word.hpp"
#include "runtime/commands.hpp"
#include "runtime/events.hpp"
#include "runtime/update.hpp"

namespace CLI {
class App;
}

namespace berth::cli {

enum class Cmd {
  None,
  Create,
  InspectNetwork,
  Run,
  Start,
  State,
  Kill,
  Delete,
  List,
  Spec,
  Features,
  Ps,
  Pause,
  Resume,
  Update,
  Events,
  Stats,
  Wait,
  Exec,
  Logs
};

// Everything the command line said, as plain values: the CLI11 App (a large
// heap of options and validators) is gone before a container is forked, so
// the init does not carry its pages while it waits at the start gate.
struct Parsed {
  Globals g;
  CreateFlags cf, rf;
  ExecFlags xf;
  LogsFlags lf;
  InspectNetworkFlags nf;
  std::string id, sig = "SIGTERM", format = "table", bundle;
  bool force = false, quiet = false, all = false, rootless = false;
  Cmd cmd = Cmd::None;
  std::vector<std::string> ps_args;  // ps: the container id, then ps(1)'s options
  UpdateFlags uf;
  EventsFlags ef;
  std::string criu, rootless_global;  // runc's global options, accepted and unused
};

// Defines berth's global options and subcommands on app (only the
// subcommand named `only`, when given), bound to p's fields; p must
// outlive app's parse.
void define_command_line(CLI::App& app, Parsed& p, const char* only = nullptr);

// Parses argv into p. Returns -1 when p.cmd is to be run, or the exit code
// (0 after help or version, 1 for a usage error or an unknown command).
int parse(int argc, char** argv, Parsed& p, std::ostream& out, std::ostream& err);

}  // namespace berth::cli
