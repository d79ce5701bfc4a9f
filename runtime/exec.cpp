// exec: a process started in a running container, flag for flag as runc's
// (exec_process), carried in the foreground (foreground.hpp) or left
// running with -d.
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>

#include "libcontainer/spec/parse.hpp"
#include "libcontainer/state/files.hpp"
#include "runtime/commands.hpp"
#include "runtime/foreground.hpp"

namespace berth::cli {
namespace {

// "NAME=VALUE" replaces NAME's entry, or is added after the others.
void set_env(std::vector<std::string>& env, const std::string& entry) {
  std::string key = entry.substr(0, entry.find('=') + 1);
  auto it = std::find_if(env.begin(), env.end(), [&](const std::string& e) { return e.rfind(key, 0) == 0; });
  if (it != env.end())
    *it = entry;
  else
    env.push_back(entry);
}

Result<uint32_t> parse_id(const std::string& s, const std::string& flag) {
  char* end = nullptr;
  errno = 0;
  unsigned long v = s.empty() || s[0] == '-' ? 0 : strtoul(s.c_str(), &end, 10);
  if (s.empty() || s[0] == '-' || *end || errno || v >= 0xffffffffUL)
    return Error(Code::Config, flag + " " + s + ": not a number (a name is not looked up: UID[:GID])");
  return uint32_t(v);
}

// --cap: to the bounding, effective and permitted sets; to the ambient set
// only where the process may have it (in its inheritable set), as runc
// 1.1 does since CVE-2022-29162.
Status add_caps(spec::Process& p, const std::vector<std::string>& caps) {
  if (caps.empty()) return {};
  auto& c = p.capabilities ? *p.capabilities : p.capabilities.emplace();
  auto add = [](std::optional<std::vector<int>>& set, int n) {
    auto& v = set ? *set : set.emplace();
    if (std::find(v.begin(), v.end(), n) == v.end()) v.push_back(n);
  };
  for (const auto& name : caps) {
    int n = spec::capability_number(name);
    if (n < 0) return Error(Code::Config, "--cap " + name + ": not a capability (CAP_NAME, as in capabilities(7))");
    add(c.bounding, n);
    add(c.effective, n);
    add(c.permitted, n);
    if (c.inheritable && std::count(c.inheritable->begin(), c.inheritable->end(), n)) add(c.ambient, n);
  }
  return {};
}

// process.json, and what it leaves to the container's.
Result<spec::Process> from_process_file(const spec::Process& container, const std::string& path) {
  auto text = BERTH_TRY(state::read_file(path).context("the process file"));
  auto p = BERTH_TRY(spec::parse_process(text).context("process file " + path));
  if (!p.capabilities) p.capabilities = container.capabilities;
  if (p.rlimits.empty()) p.rlimits = container.rlimits;
  if (p.apparmor_profile.empty()) p.apparmor_profile = container.apparmor_profile;
  if (p.selinux_label.empty()) p.selinux_label = container.selinux_label;
  if (!p.oom_score_adj) p.oom_score_adj = container.oom_score_adj;
  return p;
}

}  // namespace

Result<spec::Process> exec_process(const spec::Process& container, const ExecFlags& f) {
  spec::Process p;
  if (!f.process.empty()) {
    if (!f.args.empty())
      return Error(Code::Config, "exec: give the command in the process file (-p) or after the id, not both");
    p = BERTH_TRY(from_process_file(container, f.process));
  } else {
    if (f.args.empty())
      return Error(Code::Config, "exec: no command given (after the container id, or -p process.json)");
    p = container;
    p.args = f.args;
    p.terminal = false;
    p.console_size.reset();
  }
  if (f.tty) p.terminal = true;
  if (!f.cwd.empty()) {
    if (f.cwd[0] != '/') return Error(Code::Config, "--cwd " + f.cwd + ": must be an absolute path");
    p.cwd = f.cwd;
  }
  for (const auto& e : f.env) {
    if (e.find('=') == std::string::npos || e[0] == '=') return Error(Code::Config, "--env " + e + ": not NAME=VALUE");
    set_env(p.env, e);
  }
  if (!f.user.empty()) {
    size_t colon = f.user.find(':');
    p.user.uid = BERTH_TRY(parse_id(f.user.substr(0, colon), "--user"));
    if (colon != std::string::npos) p.user.gid = BERTH_TRY(parse_id(f.user.substr(colon + 1), "--user"));
  }
  for (int64_t g : f.additional_gids) {
    if (g < 0 || g >= 0xffffffffLL)
      return Error(Code::Config, "--additional-gids " + std::to_string(g) + ": not a gid");
    p.user.additional_gids.push_back(uint32_t(g));
  }
  BERTH_CHECK(add_caps(p, f.caps));
  if (f.no_new_privs) p.no_new_privileges = true;
  if (!f.apparmor.empty()) p.apparmor_profile = f.apparmor;
  if (!f.process_label.empty()) p.selinux_label = f.process_label;
  return p;
}

Result<int> cmd_exec(const Globals& g, const ExecFlags& f) {
  // Forwarded signals are blocked before the process exists so none is lost.
  sigset_t fwd = forwarded_signals();
  if (!f.detach) sigprocmask(SIG_BLOCK, &fwd, nullptr);
  state::Store store = g.store();
  BERTH_TRY(store.read(f.id));  // "container X does not exist" before anything about its config
  auto config = BERTH_TRY(spec::load_config(store.dir(f.id)).context("the config " + f.id + " was created with"));
  if (!config.process) return Error(Code::Config, "container " + f.id + " has no process to take defaults from");
  config.process = BERTH_TRY(exec_process(*config.process, f));
  if (f.detach && config.process->terminal && f.console_socket.empty())
    return Error(Code::Config, "exec -d with a terminal needs --console-socket");
  launcher::ExecOptions o;
  o.id = f.id;
  o.console_socket = f.console_socket;
  o.keep_console = !f.detach && f.console_socket.empty();
  o.pid_file = f.pid_file;
  o.preserve_fds = f.preserve_fds;
  o.preserved_open = f.preserved_open;
  o.ignore_paused = f.ignore_paused;
  o.sub_cgroups = f.cgroups;
  if (g.debug) o.debug = [&g](const std::string& line) { g.log->debug(line); };
  o.warn = [&g](const std::string& line) { g.log->warn(line); };
  IsolatorList isos = isolators_of(g, f.id);
  auto ex = BERTH_TRY(launcher::exec(store, o, config, isos));
  // Detached, it runs on: our child until we exit, then our reaper's
  // (conmon's, containerd's shim's), as with runc.
  if (f.detach) return 0;
  Foreground fg;
  fg.done_fd = ex.process.get();
  fg.console = ex.console.get();
  fg.forward = [&](int sig) { (void)g.kernel->signal_pidfd(ex.process.get(), sig); };
  carry(fg);
  auto status = g.kernel->reap_if_exited(ex.pid);
  return status ? exit_code(*status) : 255;
}

}  // namespace berth::cli
