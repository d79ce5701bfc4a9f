// exec: a process started in a running container (launcher.hpp). The plan is
// built as create's is, from the isolators' enter() instead of prepare(),
// and launched through the same cloner without a shim: the intermediate joins
// the cgroups and the init's namespaces, the process is cloned into them and
// comes to us, a child subreaper, once the cloner exits.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "libcontainer/launcher/init_channel.hpp"
#include "libcontainer/launcher/kill.hpp"
#include "libcontainer/launcher/launcher.hpp"
#include "libcontainer/launcher/merge.hpp"
#include "libcontainer/launcher/process_attrs.hpp"
#include "libcontainer/launcher/process_plan.hpp"
#include "libcontainer/log/timeline.hpp"
#include "libcontainer/state/agent_state.hpp"

namespace berth::launcher {
namespace {

Status check_status(const state::Store& store, const state::ContainerState& st, const ExecOptions& o) {
  switch (state::current_status(store, st)) {
    case state::RunState::Stopped:
      return Error(Code::Busy, "cannot exec in a stopped container: " + o.id + " has exited");
    case state::RunState::Paused:
      if (!o.ignore_paused)
        return Error(Code::Busy, "cannot exec in a paused container (use --ignore-paused to override)");
      return {};
    default: return {};
  }
}

// Each isolator's enter(), merged as create merges prepare().
Status plan_from_isolators(const EnterContext& ctx, IsolatorList& isolators, std::vector<Contribution>& parts,
                           LaunchPlan& plan) {
  for (auto& iso : isolators) {
    parts.push_back({iso->name(), {}});
    BERTH_CHECK(iso->enter(ctx, parts.back().fragment).context(iso->name()));
  }
  BERTH_CHECK(merge(parts, plan));
  return take_provisioned(parts, plan);
}

struct Exec {
  const state::Store& store;
  const ExecOptions& opts;
  const spec::Config& config;
  IsolatorList& isolators;
  state::ContainerState st;
  UniqueFd init_pidfd, host_proc;
  std::vector<Contribution> parts;
  LaunchPlan plan;
  log::Timeline timeline;
  Executed out;

  Status build();
  Status launch();
};

Status Exec::build() {
  auto& ch = plan.child;
  ch.role = child::Role::Exec;
  BERTH_CHECK(fill_process(*config.process,
                           {!opts.console_socket.empty(), opts.keep_console, opts.preserve_fds, opts.preserved_open},
                           plan));
  if (!st.no_new_keyring) ch.session_keyring = plan.arena.str("_ses." + opts.id);
  bool asks_host = config.linux.memory_policy ||
                   !(config.process->apparmor_profile.empty() && config.process->selinux_label.empty());
  HostFacts host = asks_host ? probe_host_facts() : HostFacts{};
  std::vector<std::string> warnings;
  BERTH_CHECK(fill_process_attrs(config, host, plan, &warnings));
  if (opts.warn)
    for (const auto& w : warnings) opts.warn(w);
  EnterContext ctx{config, opts.id, store.dir(opts.id), st, st.pid, init_pidfd.get(), opts.sub_cgroups};
  BERTH_CHECK(plan_from_isolators(ctx, isolators, parts, plan));
  // One setns through the init's pidfd joins them all, the user namespace first.
  if (plan.init_namespaces) {
    ch.joins[0] = child::JoinNs{init_pidfd.get(), int(plan.init_namespaces), -1};
    ch.n_joins = 1;
  }
  ch.cloner_is_intermediate = true;
  // The procfs writes (oomScoreAdj, LSM labels) go through the host's
  // /proc, opened here: the container's /proc is the container's to mount over.
  ch.host_proc_fd = -1;
  if (ch.has_oom_score_adj || ch.attrs.apparmor_exec || ch.attrs.selinux_exec) {
    host_proc.reset(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!host_proc) return sys_error(errno, "open /proc");
    ch.host_proc_fd = host_proc.get();
  }
  ch.fifo_fd = ch.shim_sock_fd = ch.lock_fd = -1;
  plan.finalize();
  return {};
}

Status Exec::launch() {
  sys::Kernel& k = store.kernel();
  auto spawned = BERTH_TRY(k.spawn_init(plan.child, nullptr, nullptr));
  out.pid = spawned.init;
  // Ours since the cloner exited, and it may have failed and exited already:
  // then the channel below says why.
  out.process = BERTH_TRY(k.open_child_pidfd(out.pid));
  InitChannel channel(std::move(spawned.sync), [] { return Error(Code::Child, "the process exited before its exec"); });
  timeline.mark("cloned");
  if (plan.child.terminal) {
    UniqueFd console = BERTH_TRY(channel.await_console());
    if (!opts.console_socket.empty())
      BERTH_CHECK(k.send_fd_to(opts.console_socket, "/dev/ptmx", console.get())
                      .context("send the console to " + opts.console_socket));
    else
      out.console = std::move(console);
  }
  if (plan.child.seccomp_listener) {
    UniqueFd notify = BERTH_TRY(channel.await_seccomp_fd());
    state::ContainerState process = st;
    process.pid = out.pid;
    std::string msg = state::seccomp_agent_state(process, plan.seccomp_listener_metadata);
    BERTH_CHECK(k.send_fd_to(plan.seccomp_listener_path, msg, notify.get())
                    .context("send the seccomp notify fd to " + plan.seccomp_listener_path));
  }
  BERTH_CHECK(channel.await_created());
  BERTH_CHECK(channel.await_exec());
  timeline.mark("exec'd");
  if (!opts.pid_file.empty())
    BERTH_CHECK(k.write_file(opts.pid_file, std::to_string(out.pid), 0644).context("pid file"));
  return {};
}

}  // namespace

Result<Executed> exec(const state::Store& store, const ExecOptions& opts, const spec::Config& config,
                      IsolatorList& isolators) {
  if (!config.process) return config_error("/process", "no process to exec");
  Exec e{store, opts, config, isolators, BERTH_TRY(store.read(opts.id))};
  e.timeline.start();
  BERTH_CHECK(check_status(store, e.st, opts));
  e.init_pidfd = BERTH_TRY(store.kernel().open_pidfd(e.st.pid, e.st.init_start_time).context("the container's init"));
  BERTH_CHECK(e.build());
  e.timeline.mark("plan ready");
  Status s = e.launch();
  if (!s.ok()) {
    // Nothing is left of a failed exec: the process, if there is one, is
    // killed and reaped (it is our child).
    if (e.out.pid > 0) {
      if (e.out.process) (void)store.kernel().signal_pidfd(e.out.process.get(), SIGKILL);
      store.kernel().reap(e.out.pid);
    }
    return std::move(s).error();
  }
  if (opts.debug) opts.debug("exec " + opts.id + ": " + e.timeline.text);
  return std::move(e.out);
}

}  // namespace berth::launcher
