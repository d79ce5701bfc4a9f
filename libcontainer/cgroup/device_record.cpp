// The rule lists a container's cgroup was given; see device_record.hpp.
#include "libcontainer/cgroup/device_record.hpp"

#include <sstream>

#include "libcontainer/cgroup/devices.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"

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
  json::Writer w;
  w.begin_array();
  for (const auto& list : r.lists) {
    w.begin_array();
    for (const auto& x : list)
      w.string(std::string(kOrigins[int(x.origin)]) + (x.rule.allow ? " allow " : " deny ") + v1_line(x.rule));
    w.end_array();
  }
  w.end_array();
  return w.take();
}

Result<Record> parse_record(std::string_view text) {
  auto doc = BERTH_TRY(json::Document::parse(text));
  json::Value lists = doc.root();
  Record r;
  for (size_t i = 0; i < lists.size(); i++) {
    json::Value list = lists.at(i);
    if (!list.is_array()) return Error(Code::Internal, "/" + std::to_string(i) + " is not a rule list");
    r.lists.emplace_back();
    for (size_t j = 0; j < list.size(); j++) {
      RecordedRule x;
      std::string rule(list.at(j).as_string());
      if (!parse_rule(rule, x))
        return Error(Code::Internal,
                     "/" + std::to_string(i) + "/" + std::to_string(j) + " is not a rule: \"" + rule + "\"");
      r.lists.back().push_back(std::move(x));
    }
  }
  if (r.lists.empty()) return Error(Code::Internal, "no rule list");
  return r;
}

}  // namespace berth::cgroup::devices
