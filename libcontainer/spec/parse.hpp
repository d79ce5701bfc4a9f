// Loading config.json into spec::Config: one yajl_tree parse, one walk that
// converts and validates every field and collects every problem it finds.
//
// Error shape (when the config is refused):
//   code       Code::Unsupported if every problem is a spec field berth does
//              not implement, otherwise Code::Config;
//   json_path  the RFC 6901 path of the first problem ("" for a JSON syntax
//              error or a non-object document);
//   frames     one frame, "PATH: what" for the first problem;
//   notes      "PATH: what" for each further problem, in document order.
// So the number of problems is 1 + notes().size(), and message() reads
// "/process/cwd: must be an absolute path [config /process/cwd]; also: ...".
//
// Unknown keys are ignored (the spec lets other platforms and extensions add
// them); JSON null is treated as an absent field, as Go's decoder does.
// Spec fields berth does not implement (process.execCPUAffinity, linux.intelRdt,
// linux.resources.memory, ...) are refused by name unless null, {} or [],
// which request nothing and which config generators commonly emit.
#pragma once

#include <string>
#include <string_view>

#include "libcontainer/error/error.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::spec {

// Parses and validates a runtime-spec 1.2 config document.
Result<Config> parse_config(std::string_view json_text);

// Parses a linux.resources object on its own, as `update -r FILE` reads it
// (runc's format); JSON paths are relative to it ("/memory/limit").
Result<Resources> parse_resources(std::string_view json_text);

// Reads and parses bundle_dir/config.json. Errors name the file: an I/O error
// keeps its errno (ENOENT gives Code::NotFound), and a refused config gets
// the outer frame "load <bundle>/config.json". text: receives the file's
// text when it is a config.
Result<Config> load_config(const std::string& bundle_dir, std::string* text = nullptr);

// A process object on its own, as `exec -p process.json` reads it (runc's
// format); JSON paths are relative to it ("/args").
Result<Process> parse_process(std::string_view json_text);

// "CAP_NET_ADMIN" -> its number (libcap's); -1 for anything else, other
// spellings ("cap_net_admin", "12") included, as runc and the spec take none.
int capability_number(const std::string& name);

}  // namespace berth::spec
