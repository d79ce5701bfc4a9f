// The record of a container's isolators (isolator_names.hpp).
#include "libcontainer/state/isolator_names.hpp"

#include "libcontainer/state/files.hpp"

namespace berth::state {

namespace {
constexpr const char* kFile = "/isolators";
}

Status write_isolator_names(sys::Kernel& kernel, const std::string& state_dir, const std::vector<std::string>& names) {
  std::string text;
  for (const auto& n : names) text += n + "\n";
  return kernel.write_file(state_dir + kFile, text, 0600).context("record the isolators");
}

std::optional<std::vector<std::string>> read_isolator_names(const std::string& state_dir) {
  auto text = read_file(state_dir + kFile);
  if (!text) return std::nullopt;
  std::vector<std::string> names;
  for (size_t at = 0; at < text->size();) {
    size_t end = text->find('\n', at);
    if (end == std::string::npos) end = text->size();
    if (end > at) names.push_back(text->substr(at, end - at));
    at = end + 1;
  }
  return names;
}

}  // namespace berth::state
