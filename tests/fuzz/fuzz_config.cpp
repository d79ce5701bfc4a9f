// libFuzzer target for the config parser: any bytes go to parse_config, and
// whatever parses must survive being walked again (no UB, no leak, no crash).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "libcontainer/spec/parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = berth::spec::parse_config(text);
  if (r.ok()) {
    // Touch the helpers the launcher uses on a parsed config.
    (void)r->has_namespace(berth::spec::NsType::User);
    for (const auto& ns : r->linux.namespaces) (void)berth::spec::ns_type_name(ns.type);
  } else {
    (void)r.error().message();
  }
  return 0;
}
