// Pulling from a registry that speaks the OCI distribution API.
#pragma once

#include <string>

#include "images/pull.hpp"

namespace berth::images {

// HOST[:PORT]/NAME[:TAG|@DIGEST] into the store.
Result<ImageRecord> pull_registry(const Store& store, const std::string& reference, const PullOptions& opts);

}  // namespace berth::images
