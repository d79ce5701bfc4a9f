// Written with json::Writer: listenerMetadata is the config's text and may
// hold quotes, backslashes or control characters.
#include "libcontainer/state/agent_state.hpp"

#include "libcontainer/json/writer.hpp"

namespace berth::state {

std::string seccomp_agent_state(const ContainerState& s, std::string_view metadata) {
  json::Writer w;
  w.begin_object().field("ociVersion", "1.2.0");
  w.key("fds").begin_array().string("seccompFd").end_array();
  w.field_int("pid", s.pid).field("metadata", metadata).key("state");
  write_oci_state(w, s, RunState::Creating);
  w.end_object();
  return w.take();
}

}  // namespace berth::state
