// The isolator interface; see isolator.hpp.
#include "libcontainer/isolator/isolator.hpp"

#include "libcontainer/state/record.hpp"

namespace berth {

Status Isolator::cleanup(const std::string& state_dir) {
  return cleanup(state_dir, state::read_record(state_dir).value_or(state::ContainerState{}));
}

}  // namespace berth
