// The isolators a container was made with, by registry name, recorded at
// create so that delete, update, events and stats make the same set. Kept
// behind these two functions, so the one state record can take it over.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::state {

// <state_dir>/isolators, one name a line; before anything is provisioned.
Status write_isolator_names(sys::Kernel& kernel, const std::string& state_dir, const std::vector<std::string>& names);

// nullopt when none is recorded: a container made before the record
// existed, or a create cut off before it wrote it (then nothing was
// provisioned yet).
std::optional<std::vector<std::string>> read_isolator_names(const std::string& state_dir);

}  // namespace berth::state
