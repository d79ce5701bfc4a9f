// <state>/devices: the rule lists a container's cgroup was given; see device_record.hpp.
#include "libcontainer/cgroup/device_record.hpp"

#include <sstream>

#include "libcontainer/cgroup/devices.hpp"

namespace berth::cgroup::devices {
namespace {

constexpr const char* kOrigins[] = {"resources", "default", "devices"};

bool parse_number(const std::string& s, std::optional<int64_t>& out) {
  if (s == "*") {
    out.reset();
    return true;
  }
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos) return false;
  out = std::stoll(s);
  return true;
}

bool parse_rule(const std::string& line, RecordedRule& out) {
  std::istringstream in(line);
  std::string origin, kind, type, numbers, access, extra;
  if (!(in >> origin >> kind >> type >> numbers >> access) || (in >> extra)) return false;
  size_t o = 0;
  while (o < 3 && origin != kOrigins[o]) o++;
  size_t colon = numbers.find(':');
  if (o == 3 || (kind != "allow" && kind != "deny") || (type != "a" && type != "b" && type != "c") ||
      colon == std::string::npos || access.find_first_not_of("rwm") != std::string::npos)
    return false;
  out.origin = Origin(o);
  out.rule.allow = kind == "allow";
  out.rule.type = type;
  out.rule.access = access;
  return parse_number(numbers.substr(0, colon), out.rule.major) &&
         parse_number(numbers.substr(colon + 1), out.rule.minor);
}

}  // namespace

RuleList effective_rules(const std::vector<spec::DeviceRule>& resources, const std::vector<spec::Device>& nodes) {
  RuleList out;
  for (const auto& r : resources) out.push_back({Origin::Resources, r});
  for (auto& r : default_rules()) out.push_back({Origin::Default, std::move(r)});
  for (const auto& d : nodes) {
    if (d.type == 'p') continue;
    out.push_back({Origin::Devices,
                   spec::DeviceRule{true, std::string(1, d.type == 'u' ? 'c' : d.type), d.major, d.minor, "rwm"}});
  }
  return out;
}

RuleList replace_resources(const RuleList& old, const std::vector<spec::DeviceRule>& resources) {
  RuleList out = effective_rules(resources, {});
  for (const auto& r : old)
    if (r.origin == Origin::Devices) out.push_back(r);
  return out;
}

std::vector<spec::DeviceRule> rules_of(const RuleList& list) {
  std::vector<spec::DeviceRule> out;
  for (const auto& r : list) out.push_back(r.rule);
  return out;
}

std::string format_record(const Record& r) {
  std::string out;
  for (const auto& list : r.lists) {
    out += "rules\n";
    for (const auto& x : list)
      out += std::string(kOrigins[int(x.origin)]) + (x.rule.allow ? " allow " : " deny ") + v1_line(x.rule) + "\n";
  }
  return out;
}

Result<Record> parse_record(std::string_view text) {
  Record r;
  std::istringstream in{std::string(text)};
  size_t n = 0;
  for (std::string line; std::getline(in, line);) {
    n++;
    if (line == "rules") {
      r.lists.emplace_back();
      continue;
    }
    RecordedRule x;
    if (r.lists.empty() || !parse_rule(line, x))
      return Error(Code::Internal, "line " + std::to_string(n) + " is not a rule: \"" + line + "\"");
    r.lists.back().push_back(std::move(x));
  }
  if (r.lists.empty()) return Error(Code::Internal, "no rule list");
  return r;
}

}  // namespace berth::cgroup::devices
