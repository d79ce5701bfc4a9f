// CNI network configurations (the CNI specification, "Configuration format"):
// a network list (.conflist) or a single plugin's network (.conf, .json),
// read from a configuration directory and found by name as libcni finds it.
// Everything a plugin is invoked with comes from here: its type (the
// program's name), its own object, passed on verbatim, and the
// capabilities it declares (which runtimeConfig keys it may receive).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/error/error.hpp"

namespace berth::cni {

struct Plugin {
  std::string type;
  std::string text;                       // its JSON object, as written
  std::vector<std::string> capabilities;  // those set to true
};

struct NetworkList {
  std::string name;
  std::string cni_version;
  std::string file;  // where it was read (in errors)
  bool disable_check = false;
  std::vector<Plugin> plugins;
  std::string text;  // the whole configuration, as written (cached for DEL)
};

// The versions berth speaks (results of 0.1/0.2 have another format).
bool known_version(std::string_view v);
// v >= at, both "MAJOR.MINOR.PATCH".
bool version_at_least(std::string_view v, std::string_view at);

// Parses a configuration: a list when it has "plugins", else a single
// plugin's. Errors name the file and the field (Code::Config).
Result<NetworkList> parse_network(std::string_view text, const std::string& file);

// The network named `name` in conf_dir: its *.conf, *.conflist and *.json
// files in lexical order, the first whose name matches. A file that does
// not parse is an error only when it is the one asked for (its name is
// read leniently) or when nothing else matches.
Result<NetworkList> find_network(const std::string& conf_dir, const std::string& name);

// The plugin program `type` in the first of bin_dirs that has it, as an
// executable regular file. A type with a '/' is refused (it would leave the
// directories).
Result<std::string> find_plugin(const std::vector<std::string>& bin_dirs, const std::string& type,
                                const NetworkList& net);

}  // namespace berth::cni
