// The record of a container's isolators (isolator_names.hpp).
#include "libcontainer/state/isolator_names.hpp"

#include "libcontainer/state/record.hpp"

namespace berth::state {

std::optional<std::vector<std::string>> read_isolator_names(const std::string& state_dir) {
  auto st = read_record(state_dir);
  if (!st) return std::nullopt;
  return st->isolation;
}

}  // namespace berth::state
