// Parent-side hooks; see hooks.hpp.
#include "libcontainer/hooks/hooks.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/launcher/launch_plan.hpp"

namespace berth::hooks {
namespace {

std::vector<std::string> argv_of(const spec::Hook& h) {
  // The spec's args include argv[0]; with none, argv[0] is the path.
  if (!h.args.empty()) return h.args;
  return {h.path};
}

Status run_one(sys::Kernel& k, const spec::Hook& h, size_t i, const char* kind, const std::string& state_json) {
  Arena arena;
  char* const* envp = h.env ? arena.strv(*h.env) : environ;
  auto r = k.run_hook(h.path.c_str(), arena.strv(argv_of(h)), envp, h.timeout.value_or(0), state_json);
  std::string where = std::string("/hooks/") + kind + "/" + std::to_string(i);
  if (!r.ok() && r.error().sys_errno() == ETIMEDOUT)
    return Error(
        Code::Child,
        std::string(kind) + " hook " + h.path + " timed out after " + std::to_string(h.timeout.value_or(0)) + "s", 0,
        where);
  if (!r.ok()) return Error(Code::Child, std::string("run ") + kind + " hook " + h.path, r.error().sys_errno(), where);
  int st = *r;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
    return Error(Code::Child, std::string(kind) + " hook " + h.path + ": cannot execute", ENOENT, where);
  if (st != 0) {
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return Error(Code::Child, std::string(kind) + " hook " + h.path + " failed with status " + std::to_string(code), 0,
                 where);
  }
  return {};
}

}  // namespace

Status run(sys::Kernel& k, const std::vector<spec::Hook>& list, const char* kind, const std::string& state_json) {
  for (size_t i = 0; i < list.size(); i++) BERTH_CHECK(run_one(k, list[i], i, kind, state_json));
  return {};
}

void run_all(sys::Kernel& k, const std::vector<spec::Hook>& list, const char* kind, const std::string& state_json,
             std::vector<std::string>* warnings) {
  for (size_t i = 0; i < list.size(); i++) {
    Status s = run_one(k, list[i], i, kind, state_json);
    if (!s.ok() && warnings) warnings->push_back(s.error().message());
  }
}

std::vector<child::ChildHook> to_child(const std::vector<spec::Hook>& list, const std::vector<std::string>& process_env,
                                       Arena& arena) {
  std::vector<child::ChildHook> out;
  for (size_t i = 0; i < list.size(); i++) {
    const spec::Hook& h = list[i];
    out.push_back(child::ChildHook{arena.str(h.path), arena.strv(argv_of(h)), arena.strv(h.env.value_or(process_env)),
                                   h.timeout.value_or(0), int(i)});
  }
  return out;
}

}  // namespace berth::hooks
