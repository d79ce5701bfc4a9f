// The process part of a launch plan (process_plan.hpp).
#include "libcontainer/launcher/process_plan.hpp"

#include <sys/stat.h>

namespace berth::launcher {

Status fill_process(const spec::Process& p, const ProcessIo& io, LaunchPlan& plan) {
  auto& ch = plan.child;
  ch.argv = plan.arena.strv(p.args);
  plan.set_env(p.env);
  for (const auto& e : p.env)
    if (e.rfind("PATH=", 0) == 0) ch.path_env = plan.arena.str(e.substr(5));
  ch.cwd = plan.arena.str(p.cwd);
  ch.uid = p.user.uid;
  ch.gid = p.user.gid;
  plan.groups.assign(p.user.additional_gids.begin(), p.user.additional_gids.end());
  ch.set_groups = true;
  ch.umask = p.user.umask ? int(*p.user.umask) : -1;
  ch.no_new_privs = p.no_new_privileges;
  ch.has_oom_score_adj = p.oom_score_adj.has_value();
  ch.oom_score_adj = p.oom_score_adj.value_or(0);
  ch.terminal = p.terminal;
  if (p.console_size) {
    ch.console_rows = static_cast<unsigned short>(p.console_size->height);
    ch.console_cols = static_cast<unsigned short>(p.console_size->width);
  }
  if (p.terminal && !io.console_socket && !io.keep_console)
    return config_error("/process/terminal", "cannot allocate a terminal without --console-socket when detached");
  if (!p.terminal && io.console_socket)
    return Error(Code::Config, "--console-socket given but process.terminal is false");
  ch.preserve_fds = io.preserve_fds;
  if (!io.preserved_open.empty()) ch.preserved_open = plan.arena.str(io.preserved_open);
  struct stat st;
  if (stat("/proc/self/exe", &st) < 0) return sys_error(errno, "stat /proc/self/exe");
  ch.self_exe_dev = st.st_dev;
  ch.self_exe_ino = st.st_ino;
  return {};
}

}  // namespace berth::launcher
