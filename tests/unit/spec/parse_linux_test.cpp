// Config parser: the "linux" object, field by field, the namespace rules and
// the fields refused as unsupported.
#include <doctest/doctest.h>

#include "tests/unit/spec/spec_test_util.hpp"

using namespace berth;
using namespace berth::spec;
using namespace berth::spec::test;

TEST_CASE("linux: every field is read") {
  Config c = parsed(with_linux(R"(
      "namespaces":[{"type":"pid"},{"type":"network","path":"/var/run/netns/x"},{"type":"mount"},{"type":"ipc"},
                    {"type":"uts"},{"type":"user"},{"type":"cgroup"},{"type":"time"}],
      "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
      "gidMappings":[{"containerID":0,"hostID":200000,"size":1}],
      "timeOffsets":{"monotonic":{"secs":-5,"nanosecs":7},"boottime":{"secs":86400}},
      "devices":[{"type":"c","path":"/dev/fuse","major":10,"minor":229,"fileMode":438,"uid":0,"gid":0},
                 {"type":"p","path":"/dev/fifo"}],
      "cgroupsPath":"/berth/x",
      "resources":{"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":10,"minor":-1,"access":"rw"}]},
      "sysctl":{"net.ipv4.ip_forward":"1"},
      "rootfsPropagation":"rslave","maskedPaths":["/proc/kcore"],"readonlyPaths":["/proc/sys"],
      "mountLabel":"system_u:object_r:container_file_t:s0")"));
  const Linux& l = c.linux;
  REQUIRE(l.namespaces.size() == 8);
  CHECK(l.namespaces[1].type == NsType::Network);
  CHECK(l.namespaces[1].path == "/var/run/netns/x");
  CHECK(c.has_namespace(NsType::Time));
  CHECK(c.find_namespace(NsType::Network)->path == "/var/run/netns/x");
  CHECK(l.uid_mappings[0].host_id == 100000);
  CHECK(l.gid_mappings[0].size == 1);
  CHECK(l.time_offsets.at("monotonic").secs == -5);
  CHECK(l.time_offsets.at("monotonic").nanosecs == 7);
  CHECK(l.time_offsets.at("boottime").secs == 86400);
  REQUIRE(l.devices.size() == 2);
  CHECK(l.devices[0].type == 'c');
  CHECK(l.devices[0].major == 10);
  CHECK(l.devices[0].minor == 229);
  CHECK(l.devices[0].file_mode == 438u);
  CHECK(l.devices[0].uid == 0u);
  CHECK(l.devices[1].type == 'p');
  CHECK_FALSE(l.devices[1].file_mode);
  CHECK(l.cgroups_path == "/berth/x");
  REQUIRE(l.resources.devices.size() == 2);
  CHECK_FALSE(l.resources.devices[0].allow);
  CHECK(l.resources.devices[0].type == "a");
  CHECK_FALSE(l.resources.devices[0].major);
  CHECK(l.resources.devices[1].allow);
  CHECK(l.resources.devices[1].major == 10);
  CHECK_FALSE(l.resources.devices[1].minor);  // -1 is the wildcard
  CHECK(l.resources.devices[1].access == "rw");
  CHECK(l.sysctl.at("net.ipv4.ip_forward") == "1");
  CHECK(l.rootfs_propagation == "rslave");
  CHECK(l.masked_paths == std::vector<std::string>{"/proc/kcore"});
  CHECK(l.readonly_paths == std::vector<std::string>{"/proc/sys"});
  CHECK(l.mount_label == "system_u:object_r:container_file_t:s0");
}

TEST_CASE("linux: namespace types are known, unique, and paths absolute") {
  CHECK_REFUSED(with_linux(R"("namespaces":[{"type":"pid"},{"type":"bogus"}])"), "/linux/namespaces/1/type",
                "unknown namespace type \"bogus\"");
  CHECK_REFUSED(with_linux(R"("namespaces":[{"type":"pid"},{"type":"pid"}])"), "/linux/namespaces/1/type",
                "duplicate namespace type \"pid\"");
  CHECK_REFUSED(with_linux(R"("namespaces":[{"type":"network","path":"netns"}])"), "/linux/namespaces/0/path",
                "must be an absolute path");
  CHECK_REFUSED(with_linux(R"("namespaces":[{"path":"/x"}])"), "/linux/namespaces/0/type", "required");
}

TEST_CASE("linux: id mappings need a user namespace") {
  CHECK_REFUSED(with_linux(R"("uidMappings":[{"containerID":0,"hostID":1,"size":1}])"), "/linux/uidMappings",
                "requires a user namespace");
  CHECK_REFUSED(with_linux(R"("gidMappings":[])"), "/linux/gidMappings", "requires a user namespace");
}

TEST_CASE("linux: a new user namespace without mappings is accepted (crun maps root to the runtime's ids)") {
  Config c = parsed(with_linux(R"("namespaces":[{"type":"user"}])"));
  CHECK(c.linux.uid_mappings.empty());
  CHECK(c.linux.gid_mappings.empty());
  CHECK(parse_config(with_linux(R"("namespaces":[{"type":"user","path":"/proc/1/ns/user"}])")).ok());
}

TEST_CASE("linux: id mapping entries are complete unsigned 32-bit values") {
  std::string userns = R"("namespaces":[{"type":"user"}],"gidMappings":[{"containerID":0,"hostID":0,"size":1}],)";
  CHECK_REFUSED(with_linux(userns + R"("uidMappings":[{"containerID":0,"hostID":0}])"), "/linux/uidMappings/0/size",
                "required");
  CHECK_REFUSED(with_linux(userns + R"("uidMappings":[{"containerID":0,"hostID":0,"size":0}])"),
                "/linux/uidMappings/0/size", "greater than 0");
  CHECK_REFUSED(with_linux(userns + R"("uidMappings":[{"containerID":0,"hostID":0,"size":4294967296}])"),
                "/linux/uidMappings/0/size", "at most 4294967295");
}

TEST_CASE("linux: id mapping ids above 2147483647 and ranges reaching 4294967295 are refused") {
  std::string userns = R"("namespaces":[{"type":"user"}],"uidMappings":[{"containerID":0,"hostID":0,"size":1}],)";
  auto gid = [&](const std::string& m) {
    return with_linux(userns + R"("gidMappings":[{"containerID":0,"hostID":0,"size":1},)" + m + "]");
  };
  CHECK_REFUSED(gid(R"({"containerID":0,"hostID":4294967295,"size":1})"), "/linux/gidMappings/1/hostID",
                "uids and gids must be in range 0-2147483647, got 4294967295");
  CHECK_REFUSED(gid(R"({"containerID":2147483648,"hostID":1,"size":1})"), "/linux/gidMappings/1/containerID",
                "range 0-2147483647");
  CHECK_REFUSED(gid(R"({"containerID":0,"hostID":4294967296,"size":1})"), "/linux/gidMappings/1/hostID",
                "range 0-2147483647");
  CHECK_REFUSED(gid(R"({"containerID":1,"hostID":100000,"size":4294967295})"), "/linux/gidMappings/1/size",
                "reaches past id 4294967294");
  CHECK_REFUSED(gid(R"({"containerID":2147483647,"hostID":0,"size":2147483649})"), "/linux/gidMappings/1/size",
                "reaches past id 4294967294");
  // What the kernel and runc accept: a range past 2147483647, and the whole-range map.
  CHECK(parse_config(gid(R"({"containerID":1,"hostID":2147483000,"size":65536})")).ok());
  CHECK(parse_config(gid(R"({"containerID":0,"hostID":0,"size":4294967295})")).ok());
  // Idmapped mounts share the reader.
  CHECK_REFUSED(config(R"("mounts":[{"destination":"/m","source":"/s","options":["bind"],
      "uidMappings":[{"containerID":0,"hostID":0,"size":1}],
      "gidMappings":[{"containerID":0,"hostID":4294967295,"size":1}]}])"),
                "/mounts/0/gidMappings/0/hostID", "range 0-2147483647");
}

TEST_CASE("linux: timeOffsets need a time namespace and known clocks") {
  CHECK_REFUSED(with_linux(R"("timeOffsets":{"monotonic":{"secs":1}})"), "/linux/timeOffsets",
                "requires a time namespace");
  std::string timens = R"("namespaces":[{"type":"time"}],)";
  CHECK_REFUSED(with_linux(timens + R"("timeOffsets":{"realtime":{"secs":1}})"), "/linux/timeOffsets/realtime",
                "unknown clock");
  CHECK_REFUSED(with_linux(timens + R"("timeOffsets":{"boottime":{"nanosecs":1000000000}})"),
                "/linux/timeOffsets/boottime/nanosecs", "less than 1000000000");
}

TEST_CASE("linux: devices have a known type, an absolute path and numbers") {
  CHECK_REFUSED(with_linux(R"("devices":[{"type":"x","path":"/dev/x","major":1,"minor":1}])"), "/linux/devices/0/type",
                "expected one of \"c\", \"b\", \"u\", \"p\"");
  CHECK_REFUSED(with_linux(R"("devices":[{"type":"c","path":"dev/x","major":1,"minor":1}])"), "/linux/devices/0/path",
                "absolute");
  CHECK_REFUSED(with_linux(R"("devices":[{"type":"b","path":"/dev/x","minor":1}])"), "/linux/devices/0/major",
                "required");
  CHECK_REFUSED(with_linux(R"("devices":[{"type":"c","path":"/dev/x","major":1,"minor":1,"fileMode":65535}])"),
                "/linux/devices/0/fileMode", "07777");
  CHECK_REFUSED(with_linux(R"("devices":[{"type":"c","path":"/dev/x","major":1,"minor":1,"uid":-1}])"),
                "/linux/devices/0/uid", "must not be negative");
}

TEST_CASE("linux: resources.devices rules are checked") {
  CHECK_REFUSED(with_linux(R"("resources":{"devices":[{"access":"rwm"}]})"), "/linux/resources/devices/0/allow",
                "required");
  CHECK_REFUSED(with_linux(R"("resources":{"devices":[{"allow":true,"type":"p"}]})"), "/linux/resources/devices/0/type",
                "expected one of \"a\", \"c\", \"b\"");
  CHECK_REFUSED(with_linux(R"("resources":{"devices":[{"allow":true,"access":"rx"}]})"),
                "/linux/resources/devices/0/access", "combination of");
  CHECK_REFUSED(with_linux(R"("resources":{"devices":[{"allow":true,"major":-2}]})"),
                "/linux/resources/devices/0/major", "must be -1");
}

TEST_CASE(
    "linux: resources.devices access is what runc 1.1.5 takes: r, w, m in any order and repeated; never empty or "
    "absent") {
  for (const char* ok : {"r", "wr", "mwr", "rrw", "rwmrwm"}) {
    auto c = parsed(
        with_linux(std::string(R"("resources":{"devices":[{"allow":true,"type":"c","access":")") + ok + "\"}]}"));
    CHECK(c.linux.resources.devices[0].access == ok);
  }
  CHECK_REFUSED(with_linux(R"("resources":{"devices":[{"allow":false}]})"), "/linux/resources/devices/0/access",
                "required");
  CHECK_REFUSED(with_linux(R"("resources":{"devices":[{"allow":false,"access":""}]})"),
                "/linux/resources/devices/0/access", "combination of");
  for (const char* bad : {"rwx", "RWM", " r", "r,w", "a"})
    CHECK_REFUSED(with_linux(std::string(R"("resources":{"devices":[{"allow":true,"access":")") + bad + "\"}]}"),
                  "/linux/resources/devices/0/access", "combination of");
}

TEST_CASE("linux: resources.pids.limit is read, required, and an integer") {
  auto r = parse_config(with_linux(R"("resources":{"pids":{"limit":7}})"));
  REQUIRE(r.ok());
  CHECK(r->linux.resources.pids_limit == 7);
  auto neg = parse_config(with_linux(R"("resources":{"pids":{"limit":-1}})"));
  REQUIRE(neg.ok());
  CHECK(neg->linux.resources.pids_limit == -1);
  CHECK_REFUSED(with_linux(R"("resources":{"pids":{}})"), "/linux/resources/pids/limit", "required");
  CHECK_REFUSED(with_linux(R"("resources":{"pids":{"limit":"7"}})"), "/linux/resources/pids/limit", "integer");
}

TEST_CASE("linux: resources.memory and resources.cpu are read field by field") {
  auto r = parse_config(with_linux(R"("resources":{"memory":{"limit":1048576,"reservation":-1,"swap":2097152,
    "swappiness":10,"disableOOMKiller":true},"cpu":{"shares":512,"quota":50000,"period":100000,"burst":10,
    "cpus":"0-1","mems":"0","idle":1}})"));
  REQUIRE(r.ok());
  const auto& m = *r->linux.resources.memory;
  CHECK(m.limit == 1048576);
  CHECK(m.reservation == -1);
  CHECK(m.swap == 2097152);
  CHECK(m.swappiness == 10u);
  CHECK(m.disable_oom_killer == true);
  CHECK_FALSE(m.kernel);
  const auto& c = *r->linux.resources.cpu;
  CHECK(c.shares == 512u);
  CHECK(c.quota == 50000);
  CHECK(c.period == 100000u);
  CHECK(c.burst == 10u);
  CHECK(c.cpus == "0-1");
  CHECK(c.mems == "0");
  CHECK(c.idle == 1);
  CHECK_REFUSED(with_linux(R"("resources":{"memory":{"swappiness":101}})"), "/linux/resources/memory/swappiness",
                "at most 100");
  CHECK_REFUSED(with_linux(R"("resources":{"memory":{"limit":"1G"}})"), "/linux/resources/memory/limit", "integer");
  CHECK_REFUSED(with_linux(R"("resources":{"cpu":{"shares":-1}})"), "/linux/resources/cpu/shares", "");
  CHECK(parse_config(with_linux(R"("resources":{"memory":null,"cpu":null})")).ok());
}

TEST_CASE("linux: blockIO, hugepageLimits, network, rdma and unified are read, each error at its path") {
  auto r = parse_config(with_linux(R"("resources":{"blockIO":{"weight":500,"leafWeight":0,
    "weightDevice":[{"major":8,"minor":0,"weight":200}],"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1048576}]},
    "hugepageLimits":[{"pageSize":"2MB","limit":4194304}],"network":{"classID":1048577,"priorities":[{"name":"eth0","priority":5}]},
    "rdma":{"mlx5_0":{"hcaHandles":3}},"unified":{"memory.high":"100M"}})"));
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  const auto& res = r->linux.resources;
  CHECK(res.block_io->weight == 500);
  CHECK_FALSE(res.block_io->leaf_weight);  // 0 is "not set", as runc
  REQUIRE(res.block_io->weight_device.size() == 1);
  CHECK(res.block_io->weight_device[0].weight == 200);
  CHECK(res.block_io->throttle_read_bps[0].rate == 1048576u);
  CHECK(res.hugepage_limits[0].page_size == "2MB");
  CHECK(res.network->class_id == 1048577u);
  CHECK(res.network->priorities[0].first == "eth0");
  CHECK(res.rdma.at("mlx5_0").hca_handles == 3u);
  CHECK_FALSE(res.rdma.at("mlx5_0").hca_objects);
  CHECK(res.unified.at("memory.high") == "100M");
  CHECK_REFUSED(with_linux(R"("resources":{"blockIO":{"weight":5}})"), "/linux/resources/blockIO/weight",
                "between 10 and 1000");
  CHECK_REFUSED(with_linux(R"("resources":{"hugepageLimits":[{"pageSize":"2M","limit":1}]})"),
                "/linux/resources/hugepageLimits/0/pageSize", "2MB");
  CHECK_REFUSED(with_linux(R"("resources":{"unified":{"../memory.max":"1"}})"),
                "/linux/resources/unified/..~1memory.max", "control file name");
  CHECK_REFUSED(with_linux(R"("resources":{"blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":0}]}})"),
                "/linux/resources/blockIO/throttleReadBpsDevice/0/rate", "required");
}

TEST_CASE("linux: other unimplemented features are refused by name") {
  for (const char* f : {"intelRdt", "netDevices"}) {
    auto r = parse_config(with_linux(std::string("\"") + f + R"(":{"x":{}})"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == Code::Unsupported);
    CHECK(r.error().json_path() == std::string("/linux/") + f);
  }
}

TEST_CASE("linux: propagation, sysctl and path lists are checked") {
  CHECK_REFUSED(with_linux(R"("rootfsPropagation":"recursive")"), "/linux/rootfsPropagation",
                "unknown propagation \"recursive\"");
  CHECK_REFUSED(with_linux(R"("sysctl":{"":"1"})"), "/linux/sysctl/", "must not be empty");
  CHECK_REFUSED(with_linux(R"("sysctl":{"kernel.shmmax":1})"), "/linux/sysctl/kernel.shmmax", "expected a string");
  CHECK_REFUSED(with_linux(R"("maskedPaths":["/ok","proc/kcore"])"), "/linux/maskedPaths/1", "absolute");
  CHECK_REFUSED(with_linux(R"("readonlyPaths":["sys"])"), "/linux/readonlyPaths/0", "absolute");
  CHECK_REFUSED(config(R"("linux":[])"), "/linux", "expected an object, got array");
}

TEST_CASE("resources document (update -r): read on its own, paths relative to it") {
  auto r = spec::parse_resources(R"({"memory":{"limit":100},"pids":{"limit":3}})");
  REQUIRE(r.ok());
  CHECK(r->memory->limit == 100);
  CHECK(r->pids_limit == 3);
  auto bad = spec::parse_resources(R"({"memory":{"limit":"x"}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().json_path() == "/memory/limit");
  CHECK_FALSE(spec::parse_resources("[1]").ok());
  CHECK_FALSE(spec::parse_resources("{").ok());
}
