// network/cni's protocol side: configurations as the CNI specification reads
// them, and the object each plugin gets on stdin.
#include <doctest/doctest.h>

#include "isolators/network/cni/network.hpp"
#include "isolators/network/cni/plugins.hpp"
#include "isolators/network/cni/state.hpp"
#include "libcontainer/json/tree.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;

namespace {

constexpr const char* kList = R"({"cniVersion":"1.0.0","name":"n","disableCheck":true,"plugins":[
  {"type":"bridge","bridge":"b0","name":"ignored","cniVersion":"0.3.1","prevResult":{"x":1}},
  {"type":"portmap","capabilities":{"portMappings":true,"ipRanges":false}}]})";

std::string field(const std::string& json, const char* key) {
  auto d = json::Document::parse(json);
  REQUIRE(d.ok());
  return json::to_text(d->root().get(key));
}

}  // namespace

TEST_CASE("cni: a list's plugins, their capabilities, disableCheck; a single plugin's network is a list of one") {
  auto n = cni::parse_network(kList, "f.conflist");
  REQUIRE(n.ok());
  CHECK(n->name == "n");
  CHECK(n->cni_version == "1.0.0");
  CHECK(n->disable_check);
  REQUIRE(n->plugins.size() == 2);
  CHECK(n->plugins[0].type == "bridge");
  CHECK(n->plugins[1].capabilities == std::vector<std::string>{"portMappings"});
  auto one = cni::parse_network(R"({"cniVersion":"0.4.0","name":"s","type":"bridge"})", "s.conf");
  REQUIRE(one.ok());
  REQUIRE(one->plugins.size() == 1);
  CHECK(one->plugins[0].type == "bridge");
}

TEST_CASE("cni: a bad configuration is refused naming the file and what is wrong") {
  auto msg = [](const char* text) {
    auto n = cni::parse_network(text, "bad.conflist");
    REQUIRE_FALSE(n.ok());
    CHECK(n.error().message().find("bad.conflist") != std::string::npos);
    return n.error().message();
  };
  CHECK(msg("{").find("not JSON") != std::string::npos);
  CHECK(msg(R"({"cniVersion":"1.0.0","plugins":[{"type":"x"}]})").find("no \"name\"") != std::string::npos);
  CHECK(msg(R"({"cniVersion":"0.2.0","name":"n","type":"x"})").find("0.2.0") != std::string::npos);
  CHECK(msg(R"({"cniVersion":"1.0.0","name":"n","plugins":[]})").find("plugins") != std::string::npos);
  CHECK(msg(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"bridge":"b"}]})").find("plugins[0]") != std::string::npos);
}

TEST_CASE(
    "cni: a plugin's stdin: its own object, the list's name and version, the capabilities it declares, prevResult") {
  auto n = cni::parse_network(kList, "f.conflist");
  REQUIRE(n.ok());
  std::string caps = R"({"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"ipRanges":[[]]})";
  std::string bridge = cni::plugin_stdin(*n, n->plugins[0], caps, "");
  CHECK(field(bridge, "name") == "\"n\"");
  CHECK(field(bridge, "cniVersion") == "\"1.0.0\"");
  CHECK(field(bridge, "bridge") == "\"b0\"");
  CHECK(field(bridge, "runtimeConfig") == "null");  // declares none: gets none (absent)
  CHECK(field(bridge, "prevResult") == "null");     // its own prevResult is not passed on
  std::string portmap = cni::plugin_stdin(*n, n->plugins[1], caps, R"({"cniVersion":"1.0.0","ips":[]})");
  CHECK(field(portmap, "runtimeConfig") ==
        R"({"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]})");  // not ipRanges (false)
  CHECK(field(portmap, "prevResult") == R"({"cniVersion":"1.0.0","ips":[]})");
}

TEST_CASE("cni: versions compare by number") {
  CHECK(cni::version_at_least("1.0.0", "0.4.0"));
  CHECK(cni::version_at_least("0.4.0", "0.4.0"));
  CHECK_FALSE(cni::version_at_least("0.3.1", "0.4.0"));
  CHECK(cni::version_at_least("0.10.0", "0.4.0"));
  CHECK(cni::known_version("1.1.0"));
  CHECK_FALSE(cni::known_version("0.2.0"));
}

TEST_CASE("cni: a network is found by its name in the directory, in lexical order; a plugin type is a program name") {
  test::TempTree d;
  d.write("20-b.conflist", R"({"cniVersion":"1.0.0","name":"same","plugins":[{"type":"second"}]})");
  d.write("10-a.conf", R"({"cniVersion":"1.0.0","name":"same","type":"first"})");
  d.write("05-other.json", R"({"cniVersion":"1.0.0","name":"other","type":"x"})");
  d.write("00-notes.txt", "not a configuration");
  auto n = cni::find_network(d.path(), "same");
  REQUIRE(n.ok());
  CHECK(n->plugins[0].type == "first");
  auto missing = cni::find_network(d.path(), "absent");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message().find("other, same") != std::string::npos);
  CHECK_FALSE(cni::find_plugin({d.path()}, "../x", *n).ok());
  CHECK_FALSE(cni::find_plugin({d.path()}, "10-a.conf", *n).ok());  // not executable
}

TEST_CASE("cni: the /etc files from a result: every address under the hostname; the result's DNS, else the host's") {
  std::string result = R"({"cniVersion":"1.0.0","ips":[{"address":"10.1.0.5/24"},{"address":"fd00::5/64"}],
    "dns":{"nameservers":["10.1.0.1"],"domain":"d.test","search":["a.test","b.test"],"options":["ndots:3"]}})";
  auto e = cni::etc_files(result, "web", "nameserver 9.9.9.9\n");
  CHECK(e.hostname == "web\n");
  CHECK(e.hosts.find("127.0.0.1\tlocalhost\n") == 0);
  CHECK(e.hosts.find("10.1.0.5\tweb\n") != std::string::npos);
  CHECK(e.hosts.find("fd00::5\tweb\n") != std::string::npos);
  CHECK(e.resolv_conf == "domain d.test\nnameserver 10.1.0.1\nsearch a.test b.test\noptions ndots:3\n");
  auto bare = cni::etc_files(R"({"cniVersion":"1.0.0","ips":[]})", "h", "nameserver 9.9.9.9\n");
  CHECK(bare.resolv_conf == "nameserver 9.9.9.9\n");
}
