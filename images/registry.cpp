// Pulling from a registry; see registry.hpp.
#include "images/registry.hpp"

namespace berth::images {

Result<ImageRecord> pull_registry(const Store&, const std::string& reference, const PullOptions&) {
  return Error(Code::Unsupported, "docker://" + reference + ": pulling from a registry is not supported yet");
}

}  // namespace berth::images
