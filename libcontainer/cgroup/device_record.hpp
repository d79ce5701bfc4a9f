// The record of a container's device rules, the "devices" section of its
// record (state/store.hpp): written by the cgroups isolator at create
// (before it applies the rules) and by update (saved before and after it
// changes them), read by update to learn what the cgroup holds and which
// rules linux.devices added. A JSON array of rule lists, each an array of
// rules, each one string "ORIGIN allow|deny TYPE MAJOR:MINOR ACCESS" ("*":
// any), the cgroup v1 notation after where the rule came from. ORIGIN is
// "resources" (linux.resources.devices, or the devices list of the last
// update), "default" (berth's default_rules() when it was written) or
// "devices" (a node of linux.devices). One list: the cgroup holds exactly
// it. More: an update to the last one was cut off, and the cgroup holds
// something between them (devices.hpp, v1_changes).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::cgroup::devices {

inline constexpr const char* kRecordSection = "devices";

enum class Origin { Resources, Default, Devices };

struct RecordedRule {
  Origin origin;
  spec::DeviceRule rule;
  bool operator==(const RecordedRule&) const = default;
};
using RuleList = std::vector<RecordedRule>;

struct Record {
  std::vector<RuleList> lists;  // the newest last
};

// What a container's cgroup gets: the resources' rules, then
// default_rules(), then an "rwm" allow for each node of linux.devices
// (fifos are no devices).
RuleList effective_rules(const std::vector<spec::DeviceRule>& resources, const std::vector<spec::Device>& nodes);
// The same after an update: new resources' rules, this berth's defaults,
// and old's linux.devices part.
RuleList replace_resources(const RuleList& old, const std::vector<spec::DeviceRule>& resources);
std::vector<spec::DeviceRule> rules_of(const RuleList& list);

std::string format_record(const Record& r);
// Code::Internal naming the rule ("/0/3") when the text is not a record
// with at least one list.
Result<Record> parse_record(std::string_view text);

}  // namespace berth::cgroup::devices
