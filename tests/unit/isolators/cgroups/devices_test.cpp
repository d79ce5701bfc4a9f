// The devices controller of a live container: update writes only the
// difference of the rules on v1, replaces the BPF program on v2, and
// leaves a record the next update finishes from when cut off.
#include <doctest/doctest.h>

#include <cstring>

#include "libcontainer/cgroup/device_record.hpp"
#include "libcontainer/cgroup/devices.hpp"
#include "libcontainer/state/files.hpp"
#include "tests/unit/isolators/cgroups/fixture.hpp"

using namespace berth;
using namespace berth::test::cgroups;

namespace {

namespace devices = cgroup::devices;

// The v1 devices controller this host has and the default fake lacks.
void add_v1_devices(FakeCgroupTree& cg) {
  cg.add_hierarchy("devices",
                   {{"cgroup.procs", ""}, {"devices.allow", ""}, {"devices.deny", ""}, {"devices.list", "a *:* rwm"}});
}

// What the v1 devices leaf holds: every line the kernel took, replayed
// through the model of the kernel (the fake's files keep only the last).
devices::V1State v1_host(const FakeKernel& k) {
  devices::V1State s;
  for (size_t i = 0; i < k.calls.size(); i++) {
    const auto& c = k.calls[i];
    if (c.op != "write_at" || int(i + 1) == k.fail_at) continue;
    for (const char* file : {"devices.allow=", "devices.deny="}) {
      if (c.arg.rfind(file, 0) != 0) continue;
      auto r = devices::parse_record(std::string("[[\"resources ") + (file[8] == 'a' ? "allow " : "deny ") +
                                     c.arg.substr(strlen(file)) + "\"]]");
      REQUIRE(r.ok());
      devices::v1_apply(s, r->lists[0][0].rule);
    }
  }
  return s;
}

devices::Record record_of(const Fixture& f) {
  auto st = state::read_record(f.state.at("c"));
  REQUIRE(st.ok());
  auto r = devices::parse_record(st->sections[devices::kRecordSection]);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(*r);
}

// Calls since `from` that change something: writes, the BPF program.
std::vector<std::string> changes_since(const FakeKernel& k, size_t from) {
  std::vector<std::string> out;
  for (size_t i = from; i < k.calls.size(); i++)
    if (k.calls[i].op == "write_at" || k.calls[i].op == "write_file_synced" || k.calls[i].op == "replace_device_filter")
      out.push_back(k.calls[i].op + " " + k.calls[i].arg.substr(k.calls[i].arg.rfind('/') + 1));
  return out;
}

const char* kDevConfig = R"("cgroupsPath":"/d","devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}],
  "resources":{"devices":[{"allow":false,"access":"rwm"}]})";
const char* kAllowLoop = R"({"devices":[{"allow":false,"access":"rwm"},
  {"allow":true,"type":"c","major":10,"minor":237,"access":"rw"}]})";
const char* kDenyLoop = R"({"devices":[{"allow":false,"access":"rwm"}]})";
// A third set: a wildcard, m taken from /dev/null, the loop device read-only.
const char* kOther = R"({"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"b","access":"r"},
  {"allow":true,"type":"c","major":10,"minor":237,"access":"r"},{"allow":false,"type":"c","major":1,"minor":3,"access":"m"}]})";

spec::Resources resources(const char* doc) {
  auto r = spec::parse_resources(doc);
  REQUIRE(r.ok());
  return std::move(*r);
}

// The full list an update with doc gives the container of kDevConfig.
devices::RuleList full_list(const char* doc) {
  spec::Device fuse{'c', "/dev/fuse", 10, 229, std::nullopt, std::nullopt, std::nullopt};
  return devices::effective_rules(resources(doc).devices, {fuse});
}

}  // namespace

TEST_CASE("cgroups: update on v1 writes only the difference of the device rules; a resend changes nothing") {
  Fixture f;
  add_v1_devices(f.cg);
  auto c = config(kDevConfig);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  CHECK(v1_host(f.kernel) == devices::v1_state(devices::rules_of(full_list(kDenyLoop))));
  CHECK(record_of(f).lists == std::vector<devices::RuleList>{full_list(kDenyLoop)});

  size_t mark = f.kernel.calls.size();
  Status s = f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kAllowLoop));
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  // Record (old and new), the one line, record (new alone).
  CHECK(changes_since(f.kernel, mark) == std::vector<std::string>{"write_file_synced state.json",
                                                                  "write_at devices.allow=c 10:237 rw",
                                                                  "write_file_synced state.json"});
  CHECK(v1_host(f.kernel) == devices::v1_state(devices::rules_of(full_list(kAllowLoop))));
  CHECK(record_of(f).lists == std::vector<devices::RuleList>{full_list(kAllowLoop)});  // linux.devices' fuse kept

  mark = f.kernel.calls.size();
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kAllowLoop)).ok());
  CHECK(changes_since(f.kernel, mark).empty());  // containerd's resend

  mark = f.kernel.calls.size();
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kDenyLoop)).ok());
  CHECK(changes_since(f.kernel, mark) == std::vector<std::string>{"write_file_synced state.json",
                                                                  "write_at devices.deny=c 10:237 rw",
                                                                  "write_file_synced state.json"});
  CHECK(v1_host(f.kernel) == devices::v1_state(devices::rules_of(full_list(kDenyLoop))));

  mark = f.kernel.calls.size();
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(R"({"pids":{"limit":7}})")).ok());
  CHECK(changes_since(f.kernel, mark) == std::vector<std::string>{"write_at pids.max=7"});  // no list: rules kept
}

TEST_CASE("cgroups: update on v2 makes the new program the leaf's only device filter; a resend loads nothing") {
  Fixture f(true);
  auto c = config(kDevConfig);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  std::string leaf = f.cg.tree.at("unified/d");
  REQUIRE(f.kernel.device_filters[leaf].size() == 1);
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kAllowLoop)).ok());
  REQUIRE(f.kernel.device_filters[leaf].size() == 1);
  auto want = devices::program(devices::rules_of(full_list(kAllowLoop)));
  CHECK(f.kernel.device_filters[leaf][0].size() == want.size());
  CHECK(memcmp(f.kernel.device_filters[leaf][0].data(), want.data(), want.size() * sizeof(bpf_insn)) == 0);
  size_t mark = f.kernel.calls.size();
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kAllowLoop)).ok());
  CHECK(changes_since(f.kernel, mark).empty());
}

TEST_CASE("cgroups: a device update without a record, or with a broken one, is refused before any write") {
  Fixture f;
  add_v1_devices(f.cg);
  auto c = config(kDevConfig);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  auto doc =
      resources(R"({"pids":{"limit":9},"devices":[{"allow":true,"type":"c","major":10,"minor":237,"access":"rw"}]})");
  state::Record& rec = *f.record("c");
  rec.put(devices::kRecordSection, R"([["resources allow c 10:237 rw","resources allow c 10:237 rwz"]])");
  REQUIRE(rec.save().ok());
  size_t mark = f.kernel.calls.size();
  Status bad = f.recovered(ctx.state_dir)->update(ctx.state_dir, doc);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("/0/1 is not a rule") != std::string::npos);
  rec.st.sections.erase(devices::kRecordSection);
  REQUIRE(rec.save().ok());
  mark = f.kernel.calls.size();
  Status none = f.recovered(ctx.state_dir)->update(ctx.state_dir, doc);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code() == Code::Unsupported);
  CHECK(none.error().json_path() == "/devices");
  CHECK(changes_since(f.kernel, mark).empty());  // not even the pids limit
}

TEST_CASE("cgroups: a device update that fails at any kernel call leaves a record the next update finishes from") {
  for (bool v2 : {false, true}) {
    auto run = [&](int fail_n, bool& failed) {
      Fixture f(v2);
      if (!v2) add_v1_devices(f.cg);
      auto c = config(kDevConfig);
      ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
      REQUIRE(f.provision(ctx).ok());
      auto iso = f.recovered(ctx.state_dir);
      size_t mark = f.kernel.calls.size();
      if (fail_n) f.kernel.fail_at = int(mark) + fail_n;
      // The default changes on the way too (deny-all, then allow-all).
      const char* first = fail_n % 2 ? kAllowLoop : R"({"devices":[{"allow":true,"access":"rwm"},
        {"allow":false,"type":"c","major":10,"minor":237,"access":"w"}]})";
      Status s = iso->update(ctx.state_dir, resources(first));
      failed = !s.ok();
      if (!fail_n) return f.kernel.calls.size() - mark;
      std::string what = std::string(v2 ? "v2" : "v1") + ": failed call " + std::to_string(fail_n) + ": " +
                         f.kernel.calls[size_t(f.kernel.fail_at - 1)].op;  // a copy: calls grows below
      INFO(what);
      REQUIRE(failed);
      CHECK(s.error().message().find("injected failure") != std::string::npos);
      auto rec = record_of(f);  // still readable: the old list, or the old and the new
      CHECK(rec.lists.front() == full_list(kDenyLoop));
      CHECK(rec.lists.size() <= 2);
      f.kernel.fail_at = 0;
      Status again = f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kOther));
      REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().message()));
      CHECK(record_of(f).lists == std::vector<devices::RuleList>{full_list(kOther)});
      auto rules = devices::rules_of(full_list(kOther));
      if (v2) {
        auto& filters = f.kernel.device_filters[f.cg.tree.at("unified/d")];
        REQUIRE(filters.size() == 1);
        CHECK(filters[0].size() == devices::program(rules).size());
      } else {
        CHECK(v1_host(f.kernel) == devices::v1_state(rules));
      }
      return size_t(0);
    };
    bool failed = false;
    size_t total = run(0, failed);
    REQUIRE_FALSE(failed);
    REQUIRE(total >= 3);
    for (size_t n = 1; n <= total; n++) run(int(n), failed);
  }
}
