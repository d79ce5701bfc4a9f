// `berth update`: runc's flags, or a resources document with -r FILE / -r -
// (containerd's way). The flags are kept as given (strings), so "not given"
// differs from 0; the document, when given, is used instead of the flags.
#pragma once

#include <map>
#include <string>

#include "libcontainer/error/error.hpp"
#include "runtime/commands.hpp"

namespace CLI {
class App;
}

namespace berth::cli {

struct UpdateFlags {
  std::string id;
  std::string resources;                      // -r FILE, or "-" for stdin
  std::map<std::string, std::string> values;  // flag name -> value, only those given
};

void add_update_options(CLI::App* cmd, UpdateFlags& f);
Result<int> cmd_update(const Globals& g, const UpdateFlags& f);

// runc's update flags to a resources document's fields; exposed for tests.
Result<spec::Resources> resources_from_flags(const std::map<std::string, std::string>& values);

}  // namespace berth::cli
