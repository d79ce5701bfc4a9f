// The isolators a container was made with, by registry name: the record's
// "isolation" (store.hpp), set at create before anything is provisioned,
// so that delete, update, events and stats make the same set.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace berth::state {

// nullopt when none is recorded: no record (a create cut off before its
// first save, when nothing outside the directory was made yet) or one
// without the list.
std::optional<std::vector<std::string>> read_isolator_names(const std::string& state_dir);

}  // namespace berth::state
