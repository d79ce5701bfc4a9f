// Config parser: top level (ociVersion, root, hostname, mounts, hooks,
// annotations), error collection and load_config.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "libcontainer/spec/default_spec.hpp"
#include "tests/unit/spec/spec_test_util.hpp"

using namespace berth;
using namespace berth::spec;
using namespace berth::spec::test;

TEST_CASE("parse_config: minimal config parses") {
  Config c = parsed(config());
  CHECK(c.oci_version == "1.2.0");
  CHECK(c.root.path == "rootfs");
  CHECK_FALSE(c.root.readonly);
  CHECK_FALSE(c.process.has_value());
  CHECK(c.mounts.empty());
  CHECK(c.hooks.empty());
}

TEST_CASE("parse_config: runc's default spec parses") {
  Config c = parsed(default_spec_json(false));
  REQUIRE(c.process);
  CHECK(c.process->args == std::vector<std::string>{"sh"});
  CHECK(c.root.readonly);
  CHECK(c.hostname == "runc");
  CHECK(c.mounts.size() == 7);
  CHECK(c.linux.namespaces.size() == 5);
  CHECK(c.linux.resources.devices.size() == 1);
  CHECK(c.linux.masked_paths.size() == 10);
  CHECK(c.linux.readonly_paths.size() == 5);
  Config r = parsed(default_spec_json(true));
  CHECK(r.has_namespace(NsType::User));
  CHECK(r.linux.uid_mappings.size() == 1);
}

TEST_CASE("parse_config: syntax errors are Config errors without a path") {
  auto r = parse_config("{\"ociVersion\": ");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Config);
  CHECK(r.error().json_path().empty());
  CHECK(r.error().message().find("invalid JSON") != std::string::npos);
}

TEST_CASE("parse_config: top level must be an object") {
  auto r = parse_config("[1]");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("got array") != std::string::npos);
}

TEST_CASE("parse_config: ociVersion and root are required") {
  auto ps = refused("{}");
  CHECK(has_problem(ps, "/ociVersion", "required"));
  CHECK(has_problem(ps, "/root", "required"));
  CHECK_REFUSED(config(R"("ociVersion":"")"), "/ociVersion", "must not be empty");
  CHECK_REFUSED(config(R"("ociVersion":1)"), "/ociVersion", "expected a string, got number");
  CHECK_REFUSED(config(R"("root":{})"), "/root/path", "required");
  CHECK_REFUSED(config(R"("root":{"path":""})"), "/root/path", "must not be empty");
  CHECK_REFUSED(config(R"("root":"rootfs")"), "/root", "expected an object, got string");
  CHECK_REFUSED(config(R"("root":{"path":"r","readonly":"yes"})"), "/root/readonly", "expected a boolean");
}

TEST_CASE("parse_config: all problems are collected, first one frames the error") {
  auto r = parse_config(with_process(R"("cwd":"rel","rlimits":[{"type":"RLIMIT_FOO","hard":1,"soft":1}],
                                        "capabilities":{"bounding":["CAP_TEST"]})"));
  REQUIRE_FALSE(r.ok());
  const Error& e = r.error();
  CHECK(e.code() == Code::Config);
  auto ps = problems(e);
  REQUIRE(ps.size() == 3);
  CHECK(e.json_path() == "/process/cwd");
  CHECK(ps[0] == "/process/cwd: must be an absolute path, got \"rel\"");
  CHECK(has_problem(ps, "/process/capabilities/bounding/0", "unknown capability \"CAP_TEST\""));
  CHECK(has_problem(ps, "/process/rlimits/0/type", "unknown rlimit \"RLIMIT_FOO\""));
  CHECK(e.message().find("also: ") != std::string::npos);
}

TEST_CASE("parse_config: only unsupported fields give Code::Unsupported") {
  auto r = parse_config(with_linux(R"("intelRdt":{"closID":"x"})"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Unsupported);
  auto mixed = parse_config(with_linux(R"("intelRdt":{"closID":"x"},"maskedPaths":["rel"])"));
  REQUIRE_FALSE(mixed.ok());
  CHECK(mixed.error().code() == Code::Config);
}

TEST_CASE("parse_config: unknown keys and other platforms are ignored") {
  Config c = parsed(config(R"("solaris":{"milestone":"x"},"windows":{},"vm":{"hypervisor":{}},"zos":{},
                              "x-extension":[1,2,{"a":null}],"linux":{"futureThing":{"deep":[true]}})"));
  CHECK(c.root.path == "rootfs");
}

TEST_CASE("parse_config: null reads as absent") {
  Config c = parsed(config(R"("hostname":null,"mounts":null,"process":null,"hooks":null)"));
  CHECK(c.hostname.empty());
  CHECK_FALSE(c.process);
  CHECK_REFUSED(config(R"("root":null)"), "/root", "required");
}

TEST_CASE("parse_config: hostname and domainname need a uts namespace") {
  Config c = parsed(config(R"("hostname":"h","domainname":"d","linux":{"namespaces":[{"type":"uts"}]})"));
  CHECK(c.hostname == "h");
  CHECK(c.domainname == "d");
  CHECK_REFUSED(config(R"("hostname":"h")"), "/hostname", "requires a uts namespace");
  CHECK_REFUSED(config(R"("domainname":"d")"), "/domainname", "requires a uts namespace");
}

TEST_CASE("mounts: fields are read and a relative destination is made absolute") {
  Config c = parsed(config(R"("mounts":[
      {"destination":"/proc","type":"proc","source":"proc","options":["nosuid","ro"]},
      {"destination":"data","source":"/srv","options":["rbind"],
       "uidMappings":[{"containerID":0,"hostID":1000,"size":65536}],
       "gidMappings":[{"containerID":0,"hostID":2000,"size":10}]}])"));
  REQUIRE(c.mounts.size() == 2);
  CHECK(c.mounts[0].destination == "/proc");
  CHECK(c.mounts[0].type == "proc");
  CHECK(c.mounts[0].options == std::vector<std::string>{"nosuid", "ro"});
  CHECK(c.mounts[1].destination == "/data");
  CHECK(c.mounts[1].type.empty());
  REQUIRE(c.mounts[1].uid_mappings.size() == 1);
  CHECK(c.mounts[1].uid_mappings[0].host_id == 1000);
  CHECK(c.mounts[1].uid_mappings[0].size == 65536);
  CHECK(c.mounts[1].gid_mappings[0].host_id == 2000);
}

// runtime-spec: a relative destination is relative to "/" (deprecated); ".."
// is cleaned lexically and stops at "/", as runc's SecureJoin does.
TEST_CASE("mounts: destinations are made absolute and cleaned lexically, never above /") {
  const std::pair<const char*, const char*> cases[] = {
      {"/dev", "/dev"},
      {"/dev/", "/dev"},
      {"dev", "/dev"},
      {"dev/", "/dev"},
      {"/tmp/../dev", "/dev"},
      {"./dev/.", "/dev"},
      {"//a//b/", "/a/b"},
      {"../../../etc", "/etc"},
      {"/a/../../../b", "/b"},
      {"a/b/../c", "/a/c"},
      {"/..", "/"},
      {".", "/"},
      {"/a/..b/c..", "/a/..b/c.."},
      {"/a/.../b", "/a/.../b"},
  };
  for (const auto& [in, want] : cases) {
    std::string m = std::string(R"("mounts":[{"destination":")") + in + R"(","type":"tmpfs","source":"t"}])";
    Config c = parsed(config(m));
    CHECK_MESSAGE(c.mounts[0].destination == want, in);
  }
}

TEST_CASE("mounts: invalid entries name their index") {
  CHECK_REFUSED(config(R"("mounts":[{"destination":"/a"},{"type":"tmpfs"}])"), "/mounts/1/destination", "required");
  CHECK_REFUSED(config(R"("mounts":[{"destination":""}])"), "/mounts/0/destination", "must not be empty");
  CHECK_REFUSED(config(R"("mounts":[{"destination":"/a","options":["ro",3]}])"), "/mounts/0/options/1",
                "expected a string, got number");
  CHECK_REFUSED(config(R"("mounts":{})"), "/mounts", "expected an array, got object");
  CHECK_REFUSED(config(R"("mounts":[7])"), "/mounts/0", "expected an object, got number");
  CHECK_REFUSED(config(R"("mounts":[{"destination":"/a","uidMappings":[{"containerID":0,"hostID":1,"size":1}]}])"),
                "/mounts/0/gidMappings", "required when uidMappings is given");
  CHECK_REFUSED(config(R"("mounts":[{"destination":"/a","uidMappings":[{"containerID":0,"hostID":-1,"size":1}],
                                     "gidMappings":[]}])"),
                "/mounts/0/uidMappings/0/hostID", "must not be negative");
}

TEST_CASE("hooks: every list is read") {
  Config c = parsed(config(R"("hooks":{
      "prestart":[{"path":"/bin/a","args":["a","1"],"env":["X=1"],"timeout":5}],
      "createRuntime":[{"path":"/bin/b"}],"createContainer":[{"path":"/bin/c"}],
      "startContainer":[{"path":"/bin/d"}],"poststart":[{"path":"/bin/e"}],"poststop":[{"path":"/bin/f"},{"path":"/bin/g"}]})"));
  REQUIRE(c.hooks.prestart.size() == 1);
  CHECK(c.hooks.prestart[0].path == "/bin/a");
  CHECK(c.hooks.prestart[0].args == std::vector<std::string>{"a", "1"});
  CHECK(c.hooks.prestart[0].env == std::vector<std::string>{"X=1"});
  CHECK(c.hooks.prestart[0].timeout == 5);
  CHECK(c.hooks.create_runtime[0].path == "/bin/b");
  CHECK_FALSE(c.hooks.create_runtime[0].timeout);
  CHECK(c.hooks.create_container[0].path == "/bin/c");
  CHECK(c.hooks.start_container[0].path == "/bin/d");
  CHECK(c.hooks.poststart[0].path == "/bin/e");
  CHECK(c.hooks.poststop.size() == 2);
}

TEST_CASE("hooks: an absent or null env differs from an empty one (runc inherits for absent)") {
  Config c = parsed(config(R"("hooks":{"poststop":[{"path":"/a"},{"path":"/b","env":null},{"path":"/c","env":[]}]})"));
  REQUIRE(c.hooks.poststop.size() == 3);
  CHECK_FALSE(c.hooks.poststop[0].env);
  CHECK_FALSE(c.hooks.poststop[1].env);
  REQUIRE(c.hooks.poststop[2].env);
  CHECK(c.hooks.poststop[2].env->empty());
}

TEST_CASE("hooks: path must be absolute and timeout positive") {
  CHECK_REFUSED(config(R"("hooks":{"poststop":[{"path":"hook"}]})"), "/hooks/poststop/0/path", "absolute");
  CHECK_REFUSED(config(R"("hooks":{"prestart":[{"args":[]}]})"), "/hooks/prestart/0/path", "required");
  CHECK_REFUSED(config(R"("hooks":{"createRuntime":[{"path":"/h","timeout":0}]})"), "/hooks/createRuntime/0/timeout",
                "must be greater than 0");
  CHECK_REFUSED(config(R"("hooks":{"createRuntime":[{"path":"/h","timeout":-3}]})"), "/hooks/createRuntime/0/timeout",
                "must be greater than 0");
  CHECK_REFUSED(config(R"("hooks":{"createRuntime":[{"path":"/h","timeout":1.5}]})"), "/hooks/createRuntime/0/timeout",
                "expected an integer");
}

TEST_CASE("annotations: string map with escaped pointer tokens") {
  Config c = parsed(config(R"("annotations":{"org.example/key":"v","a~b":"w"})"));
  CHECK(c.annotations.at("org.example/key") == "v");
  CHECK(c.annotations.at("a~b") == "w");
  CHECK_REFUSED(config(R"("annotations":{"org.example/key":1})"), "/annotations/org.example~1key", "expected a string");
  CHECK_REFUSED(config(R"("annotations":{"":"x"})"), "/annotations/", "must not be empty");
}

TEST_CASE("parse_config: strings with NUL are refused before yajl truncates them") {
  auto r = parse_config(config(R"("hostname":"a\u0000b")"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("\\u0000") != std::string::npos);
  std::string with_nul = config();
  with_nul.push_back('\0');
  CHECK_FALSE(parse_config(with_nul).ok());
}

TEST_CASE("parse_config: deep nesting is refused") {
  std::string deep = config(R"("x":)" + std::string(1000, '[') + std::string(1000, ']'));
  auto r = parse_config(deep);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("nested deeper") != std::string::npos);
}

TEST_CASE("load_config: reads bundle/config.json and names the file") {
  char dir[] = "/tmp/berth-load-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  std::string bundle = dir;
  auto missing = load_config(bundle);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code() == Code::NotFound);
  CHECK(missing.error().sys_errno() == ENOENT);
  CHECK(missing.error().message().find(bundle + "/config.json") != std::string::npos);

  std::ofstream(bundle + "/config.json") << config(R"("hostname":5)");
  auto bad = load_config(bundle);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().json_path() == "/hostname");
  CHECK(bad.error().message().find("load " + bundle + "/config.json: /hostname") == 0);

  std::ofstream(bundle + "/config.json") << config();
  auto good = load_config(bundle);
  CHECK(good.ok());
  std::remove((bundle + "/config.json").c_str());
  rmdir(dir);
}
