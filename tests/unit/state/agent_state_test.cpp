// The seccomp agent's container process state (state/agent_state.cpp).
#include <doctest/doctest.h>

#include "libcontainer/json/tree.hpp"
#include "libcontainer/state/agent_state.hpp"

using namespace berth;

TEST_CASE("agent state: listenerMetadata is escaped, the document parses back") {
  state::ContainerState s;
  s.id = "c1";
  s.pid = 42;
  s.bundle = "/b";
  s.rootfs = "/b/rootfs";
  std::string meta = "a\"b\\c\n{\"injected\":1}\x01";
  std::string text = state::seccomp_agent_state(s, meta);
  auto doc = json::Document::parse(text);
  REQUIRE_MESSAGE(doc.ok(), text);
  json::Value root = doc->root();
  CHECK(root.get("metadata").as_string() == meta);
  CHECK(!root.get("injected").present());
  CHECK(root.get("ociVersion").as_string() == "1.2.0");
  CHECK(root.get("fds").at(0).as_string() == "seccompFd");
  CHECK(root.get("pid").number_text() == "42");
  CHECK(root.get("state").get("id").as_string() == "c1");
  CHECK(root.get("state").get("status").as_string() == "creating");
}
