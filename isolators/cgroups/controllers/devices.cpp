// linux.resources.devices: the config's rules, then the devices every
// container gets and those linux.devices creates: v1 devices.allow /
// devices.deny where the v1 devices controller is mounted, a BPF program
// on the cgroup2 leaf otherwise (cgroup/devices.hpp: the same answers on
// both). The rules given are recorded in the container's record
// (cgroup/device_record.hpp) so that update can change them in place.
#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/device_record.hpp"
#include "libcontainer/cgroup/devices.hpp"

namespace berth::isolators::cgroups {
namespace {

namespace devices = cgroup::devices;

class Devices final : public Controller {
 public:
  // At create: a host with no hierarchy at all refuses rules. On update
  // with a devices list, the record of what the cgroup holds is read here,
  // before any controller writes.
  Status check(Scope& s, const spec::Resources& r) override {
    record_.reset();
    if (r.devices.empty()) return {};
    if (!s.live) {
      if (s.layout.mode == cgroup::Mode::None)
        return Error(Code::Unsupported, "no cgroup hierarchy is mounted on this host", 0, "/linux/resources/devices");
      return {};
    }
    loaded_ = BERTH_TRY(state::Record::load(s.kernel, s.state_dir));
    record_ = BERTH_TRY(read_record(s, *loaded_));
    return {};
  }

  // Recorded first, for update; saved with create's next save (a create
  // cut off before it is undone whole, and never updated).
  Status create(Scope& s, const spec::Linux& l) override {
    if (s.layout.mode == cgroup::Mode::None) return {};
    const std::string p = "/linux/resources/devices";
    auto [fd, v1] = BERTH_TRY(target(s, p));
    auto list = devices::effective_rules(l.resources.devices, l.devices);
    s.record->put(devices::kRecordSection, devices::format_record({{list}}));
    auto rules = devices::rules_of(list);
    if (v1) return at(p, devices::write_v1(s.kernel, fd, rules));
    return at(p, s.kernel.replace_device_filter(fd, devices::program(rules)));
  }

  // The update's devices list in place of the last one; defaults and
  // linux.devices' nodes after it as at create. The record is rewritten
  // before the change with the new list added (if the change is cut off,
  // the next update knows the cgroup holds something between the two) and
  // after it with the new list alone. A resend changes nothing. On v1 only
  // the difference is written, widening lines first; on v2 the new program
  // replaces the old (both attached for a moment). An empty or absent list
  // leaves the rules as they are.
  Status update(Scope& s, const spec::Resources& r) override {
    if (!record_) return {};
    devices::Record record = std::move(*record_);
    record_.reset();
    const std::string p = s.json_root + "/devices";
    auto [fd, v1] = BERTH_TRY(target(s, p));
    devices::RuleList want = devices::replace_resources(record.lists.back(), r.devices);
    if (record.lists.size() == 1 && record.lists[0] == want) return {};
    std::vector<devices::V1State> from;
    for (const auto& list : record.lists) from.push_back(devices::v1_state(devices::rules_of(list)));
    if (record.lists.back() != want) record.lists.push_back(want);
    BERTH_CHECK(save(*loaded_, record));
    auto rules = devices::rules_of(want);
    if (v1)
      BERTH_CHECK(at(p, devices::write_v1(s.kernel, fd, devices::v1_changes(from, devices::v1_state(rules)))));
    else
      BERTH_CHECK(at(p, s.kernel.replace_device_filter(fd, devices::program(rules))));
    return save(*loaded_, {{want}});
  }

 private:
  // The leaf the device rules go to, and whether it is the v1 controller's.
  static Result<std::pair<int, bool>> target(Scope& s, const std::string& json_path) {
    if (Target* t = s.target_for("devices"); t && !t->h->v2) return std::pair{t->fd, true};
    if (Target* t = s.unified()) return std::pair{t->fd, false};
    return Error(Code::Unsupported, "no devices cgroup controller and no cgroup2 mount on this host", 0, json_path);
  }

  static Status save(state::Record& loaded, const devices::Record& r) {
    loaded.put(devices::kRecordSection, devices::format_record(r));
    return loaded.save().context("record the device rules");
  }

  static Result<devices::Record> read_record(const Scope& s, const state::Record& loaded) {
    const std::string& text = loaded.section(devices::kRecordSection);
    if (text.empty())
      return Error(Code::Unsupported, "the container has no record of its device rules: they cannot be changed", 0,
                   s.json_root + "/devices");
    return devices::parse_record(text).context("read the record of the device rules");
  }

  // update: the container's record and its device rules, read by check.
  std::optional<state::Record> loaded_;
  std::optional<devices::Record> record_;
};

}  // namespace

std::unique_ptr<Controller> make_devices() { return std::make_unique<Devices>(); }

}  // namespace berth::isolators::cgroups
