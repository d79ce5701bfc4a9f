// The order table of isolators, and the choice of a container's set.
//
// A new isolator (network/cni, say) touches exactly:
//   - its folder, isolators/network/cni/, whose .cpp defines its class and
//     `extern const Entry kNetworkCni{"network/cni", needs, make}`: when a
//     config needs it, how it is made from Deps;
//   - this file: its name in the extern line and its row in kOrder.
// Nothing in libcontainer/ (the launcher merges the fragment kinds it
// contributes: namespaces to make or join, mounts, devices, sysctls, ...),
// runtime/ (--isolation and the annotation take any name in the table;
// delete, update and events make what the state directory records) or the
// other isolators. A kind of contribution the Fragment does not have yet
// is a field there and its rule in launcher/merge.cpp.
#include "isolators/registry.hpp"

#include <algorithm>

#include "libcontainer/state/isolator_names.hpp"

namespace berth::isolators {

extern const Entry kCgroups, kNamespaces, kFilesystemLinux, kRlimits, kCapabilities, kSeccomp, kNetworkCni,
    kFilesystemImage;

namespace {

// filesystem/image first: its cleanup (the bundle's rootfs unmounted and
// removed) runs last, once nothing of the container uses it. Then cgroups:
// its cleanup runs once everything else has let go.
// network/cni after namespaces: its isolate attaches the namespace the init
// was born with; its cleanup (DEL) runs before the cgroups go.
constexpr const Entry* kOrder[] = {&kFilesystemImage, &kCgroups, &kNamespaces,   &kNetworkCni,
                                   &kFilesystemLinux, &kRlimits, &kCapabilities, &kSeccomp};

const Entry* find(std::string_view name) {
  for (const Entry* e : kOrder)
    if (name == e->name) return e;
  return nullptr;
}

std::vector<std::string> all_names() {
  std::vector<std::string> all;
  for (const Entry* e : kOrder) all.push_back(e->name);
  return all;
}

std::string known_names() {
  std::string s;
  for (const auto& n : all_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// "a,b,c" -> names, each known; source names the list in errors.
Result<std::vector<std::string>> parse_list(const std::string& list, const std::string& source,
                                            const std::string& json_path) {
  std::vector<std::string> names;
  for (size_t at = 0; at <= list.size();) {
    size_t end = std::min(list.find(',', at), list.size());
    std::string name = list.substr(at, end - at);
    if (!find(name))
      return Error(Code::Config,
                   source + ": unknown isolator \"" + name + "\" (the isolators are: " + known_names() + ")", 0,
                   json_path);
    names.push_back(name);
    at = end + 1;
  }
  return names;
}

}  // namespace

std::span<const Entry* const> entries() { return kOrder; }

Result<std::vector<std::string>> choose(const spec::Config& c, const std::optional<std::string>& isolation) {
  std::optional<std::vector<std::string>> listed;
  std::string source = "--isolation";
  if (isolation) {
    listed = BERTH_TRY(parse_list(*isolation, source, ""));
  } else if (auto a = c.annotations.find(kIsolationAnnotation); a != c.annotations.end()) {
    source = std::string("the annotation ") + kIsolationAnnotation;
    listed = BERTH_TRY(parse_list(a->second, source, std::string("/annotations/") + kIsolationAnnotation));
  }
  std::vector<std::string> names;
  for (const Entry* e : kOrder)
    if (listed ? std::count(listed->begin(), listed->end(), e->name) > 0 : e->needs(c).wanted) names.push_back(e->name);
  BERTH_CHECK(check_needs(names, c, source + " cannot leave it out"));
  return names;
}

Status check_needs(const std::vector<std::string>& names, const spec::Config& c, const std::string& why,
                   std::string_view under) {
  for (const Entry* e : kOrder) {
    std::string field = e->needs(c).required_by;
    if (!field.empty() && field.starts_with(under) && !std::count(names.begin(), names.end(), e->name))
      return Error(Code::Config, std::string("the isolator ") + e->name + " is needed by this field: " + why, 0, field);
  }
  return {};
}

std::vector<std::string> recorded_names(const std::string& state_dir) {
  return state::read_isolator_names(state_dir).value_or(all_names());
}

IsolatorList make(const std::vector<std::string>& names, const Deps& deps) {
  IsolatorList l;
  for (const Entry* e : kOrder)
    if (std::count(names.begin(), names.end(), e->name)) l.push_back(e->make(deps));
  return l;
}

IsolatorList make_recorded(const std::string& state_dir, const Deps& deps) {
  return make(recorded_names(state_dir), deps);
}

IsolatorList make_all(sys::Kernel& kernel, LayoutSource cgroups, Warn warn) {
  return make(all_names(), Deps{kernel, std::move(cgroups), std::move(warn)});
}

}  // namespace berth::isolators
