// create: config -> fragments (isolators' prepare) merged into a LaunchPlan
// -> state directory -> provision -> cloner
// (clones the init, becomes the shim) -> the sync protocol with the init ->
// the record in phase "created". Every side effect pushes its undo step; a
// failure anywhere leaves nothing behind.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstring>

#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/child/child.hpp"
#include "libcontainer/hooks/hooks.hpp"
#include "libcontainer/launcher/init_channel.hpp"
#include "libcontainer/launcher/kill.hpp"
#include "libcontainer/launcher/launcher.hpp"
#include "libcontainer/launcher/merge.hpp"
#include "libcontainer/launcher/process_attrs.hpp"
#include "libcontainer/launcher/process_plan.hpp"
#include "libcontainer/log/timeline.hpp"
#include "libcontainer/spec/root_path.hpp"
#include "libcontainer/state/agent_state.hpp"
#include "libcontainer/sys/kernel.hpp"
#include "libcontainer/sys/unix_socket.hpp"
#include "libcontainer/undo/undo_stack.hpp"

namespace berth::launcher {
namespace {

Result<std::string> absolute(const std::string& path) {
  char buf[PATH_MAX];
  if (!realpath(path.c_str(), buf)) return sys_error(errno, "resolve " + path);
  return std::string(buf);
}

// The init's process, and what only an init has: hooks, the pivot, its
// own session keyring.
Status fill_init(const spec::Config& c, const CreateOptions& o, LaunchPlan& plan) {
  if (!c.process) return config_error("/process", "a process is required to create a container");
  const spec::Process& p = *c.process;
  if (!o.log_path.empty() && !o.console_socket.empty() && p.terminal)
    return Error(Code::Config, "--logs and --console-socket: a terminal goes to one of them");
  // With --logs a terminal goes to the shim, as output does.
  bool keep = o.keep_console || !o.log_path.empty();
  BERTH_CHECK(fill_process(p, {!o.console_socket.empty(), keep, o.preserve_fds, o.preserved_open}, plan));
  auto& ch = plan.child;
  ch.no_pivot = o.no_pivot;
  if (!o.no_new_keyring) ch.session_keyring = plan.arena.str("_ses." + o.id);
  plan.create_container_hooks = hooks::to_child(c.hooks.create_container, p.env, plan.arena);
  plan.start_container_hooks = hooks::to_child(c.hooks.start_container, p.env, plan.arena);
  return {};
}

struct Launch {
  const state::Store& store;
  const CreateOptions& opts;
  const spec::Config& config;
  IsolatorList& isolators;
  ContainerContext ctx;
  std::vector<Contribution> parts;  // isolators[i]'s fragment is parts[i]'s
  state::Record rec;
  state::ContainerState& st = rec.st;
  LaunchPlan plan;
  UndoStack undo;
  std::optional<InitChannel> init;
  UniqueFd console;
  log::Timeline timeline;

  Status run();
  Status prepare();
  Status provision();
  Status spawn();
  Status add_watches(std::vector<std::string>& argv);
  Status add_logs(std::vector<std::string>& argv);
  UniqueFd console_to_shim;  // --logs with a terminal: our end of the shim's console socket
  Status tell_shim_created();
  Status isolate();
  Status parent_step(Status s, const char* what);
  Status talk_to_init();
  Status run_runtime_hooks();
  Error init_gone();
  Status handle_seccomp_fd(UniqueFd notify);
};

// Each isolator's fragment, merged into the plan: every config error and
// every conflict is known before anything is made.
Status Launch::prepare() {
  for (auto& iso : isolators) {
    parts.push_back({iso->name(), {}});
    BERTH_CHECK(iso->prepare(ctx, parts.back().fragment).context(iso->name()));
  }
  return merge(parts, plan);
}

// The fds the plan names, then the isolators' host resources; the plan is
// complete after them.
Status Launch::provision() {
  BERTH_CHECK(acquire_fds(plan));
  for (size_t i = 0; i < isolators.size(); i++)
    BERTH_CHECK(isolators[i]->provision(ctx, parts[i].fragment).context(isolators[i]->name()));
  BERTH_CHECK(take_provisioned(parts, plan));
  plan.finalize();
  return {};
}

Status Launch::spawn() {
  sys::Kernel& k = store.kernel();
  UniqueFd shim_sock;
  char* const* shim_argv = nullptr;
  const char* shim_path = nullptr;
  plan.child.shim_sock_fd = -1;
  if (!opts.shim_path.empty()) {
    shim_sock = BERTH_TRY(k.listen_unix(ctx.state_dir + "/shim.sock"));
    plan.child.shim_sock_fd = shim_sock.get();
    std::vector<std::string> argv = {opts.shim_path, "--state-dir=" + ctx.state_dir, std::string(24, ' '),
                                     "--socket-fd=" + std::to_string(shim_sock.get()), "--id=" + ctx.id};
    BERTH_CHECK(add_watches(argv));
    if (!opts.log_path.empty()) BERTH_CHECK(add_logs(argv));
    // What the shim removes if the container is orphaned (shim/orphan.hpp):
    // the cgroups this create makes, parents first.
    for (const auto& e : cgroup::read_journal(st))
      if (e.kind == "made" && e.path != "/") argv.push_back("--cgroup=" + e.dir());
    shim_argv = plan.arena.strv(argv);
    shim_path = plan.arena.str(opts.shim_path);
  }

  auto spawned = BERTH_TRY(k.spawn_init(plan.child, shim_path, shim_argv));
  init.emplace(std::move(spawned.sync), [this] { return init_gone(); });
  st.pid = spawned.init;
  st.init_start_time = k.start_time(spawned.init);
  st.shim_pid = spawned.shim;
  if (spawned.shim > 0) {
    st.shim_start_time = k.start_time(spawned.shim);
    // The shim is our child until we exit: its pid cannot be reused before
    // the reap. The init is the shim's: check its start time.
    undo.push("stop the shim", [&k, pid = st.shim_pid, t = st.shim_start_time] {
      (void)k.signal(pid, t, SIGKILL);
      k.reap(pid);
      return Status{};
    });
  }
  // Waited for: a failed create leaves no process behind, not even an init
  // still tearing down its namespaces after the SIGKILL; without a shim it
  // is our child, reaped.
  undo.push("kill the container init", [&k, pid = st.pid, t = st.init_start_time, ours = spawned.shim == 0] {
    Status s = kill_and_wait(k, pid, t);
    if (ours) k.reap(pid);
    return s;
  });
  // If this process is killed from here on, `delete --force` finds the init
  // and the shim through the record (still "creating").
  return rec.save();
}

// --logs: the init's stdout and stderr are pipes whose read ends the shim
// gets (its stdin /dev/null), or, for a terminal, a socket on which the
// shim receives the pty's master once the init has made it. The log file
// is made here, so that a path that cannot be written fails the create.
Status Launch::add_logs(std::vector<std::string>& argv) {
  auto& ch = plan.child;
  bool existed = access(opts.log_path.c_str(), F_OK) == 0;
  UniqueFd log(open(opts.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!log) return sys_error(errno, "make the log " + opts.log_path);
  if (!existed)
    undo.push("remove the log", [path = opts.log_path] {
      unlink(path.c_str());
      return Status{};
    });
  UniqueFd null(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (!null) return sys_error(errno, "open /dev/null");
  ch.own_stdio = true;
  ch.stdio_fds[0] = ch.stdio_fds[1] = ch.stdio_fds[2] = null.get();
  auto keep = [&](UniqueFd fd, const char* flag) {
    ch.shim_log_fds[ch.n_shim_log_fds++] = fd.get();
    argv.push_back(std::string(flag) + std::to_string(fd.get()));
    plan.owned_fds.push_back(std::move(fd));
  };
  if (ch.terminal) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return sys_error(errno, "socketpair");
    console_to_shim.reset(sv[0]);
    keep(UniqueFd(sv[1]), "--console-fd=");
  } else {
    for (int i = 1; i <= 2; i++) {
      int pp[2];
      if (pipe2(pp, O_CLOEXEC) < 0) return sys_error(errno, "pipe");
      ch.stdio_fds[i] = pp[1];
      plan.owned_fds.emplace_back(pp[1]);
      keep(UniqueFd(pp[0]), i == 1 ? "--stdout-fd=" : "--stderr-fd=");
    }
  }
  plan.owned_fds.push_back(std::move(null));
  argv.push_back("--log=" + opts.log_path);
  argv.push_back("--log-max-size=" + std::to_string(opts.log_max_size));
  argv.push_back("--log-max-files=" + std::to_string(opts.log_max_files));
  st.log_path = opts.log_path;
  return {};
}

// What the isolators want the shim to watch (isolator.hpp, watch), on its
// command line, "--watch=" and state/watch_file.hpp's line each.
Status Launch::add_watches(std::vector<std::string>& argv) {
  std::vector<Watch> watches;
  for (auto& iso : isolators) BERTH_CHECK(iso->watch(ctx, watches).context(iso->name()));
  for (const auto& w : watches)
    argv.push_back("--watch=" + w.limitation + "\t" + w.key + "\t" + std::to_string(w.base) + "\t" + w.file);
  return {};
}

// The shim exits once the init is gone if its create never finished: from
// now on it stays until delete. It then makes the record durable.
Status Launch::tell_shim_created() {
  auto reply = BERTH_TRY(store.kernel().request_line(ctx.state_dir + "/shim.sock", "created").context("tell the shim"));
  if (reply != "ok") return Error(Code::Internal, "the shim answered \"" + reply + "\" to \"created\"");
  return {};
}

Status Launch::handle_seccomp_fd(UniqueFd notify) {
  std::string msg = state::seccomp_agent_state(st, plan.seccomp_listener_metadata);
  return store.kernel()
      .send_fd_to(plan.seccomp_listener_path, msg, notify.get())
      .context("send the seccomp notify fd to " + plan.seccomp_listener_path);
}

// The init closed its end: it died during setup (or the shim never ran).
Error Launch::init_gone() {
  auto status = st.shim_pid > 0 ? store.kernel().reap_if_exited(st.shim_pid) : std::nullopt;
  if (status && WIFEXITED(*status) && WEXITSTATUS(*status) == 127)
    return Error(Code::Child, "cannot execute the shim " + opts.shim_path);
  return Error(Code::Child, "the container init exited during setup");
}

// The parent-side steps, while the init waits: the isolators', then the
// bind sources (the init takes them before Isolated).
Status Launch::isolate() {
  for (size_t i = 0; i < isolators.size(); i++)
    BERTH_CHECK(parent_step(isolators[i]->isolate(ctx, parts[i].fragment, st.pid), isolators[i]->name()));
  if (plan.child.bind_sources_from_parent)
    BERTH_CHECK(parent_step(store.kernel().send_bind_sources(st.pid, plan.child), "send the bind sources"));
  return {};
}

// An init that died early (the write of its pid then fails, with ESRCH for
// cgroup.procs) has left its own report of why on the channel: that is the
// error worth showing.
Status Launch::parent_step(Status s, const char* what) {
  if (s.ok()) return s;
  if (auto failed = init->pending_failure()) return std::move(*failed);
  return std::move(s).error().context(what);
}

// prestart and createRuntime, then the state the init's own hooks read.
Status Launch::run_runtime_hooks() {
  sys::Kernel& k = store.kernel();
  std::string s = state::oci_state_json(st, state::RunState::Creating, false);
  // prestart (spec 1.0: "after start, before the user program") sees
  // "created", as crun and the runtime-tools suite (hooks_stdin) expect.
  if (!config.hooks.prestart.empty())
    BERTH_CHECK(
        hooks::run(k, config.hooks.prestart, "prestart", state::oci_state_json(st, state::RunState::Created, false)));
  BERTH_CHECK(hooks::run(k, config.hooks.create_runtime, "createRuntime", s));
  UniqueFd mem;
  if (!plan.create_container_hooks.empty() || !plan.start_container_hooks.empty())
    mem = BERTH_TRY(k.make_memfd("berth-state", s));
  return init->send_hooks_done(mem.get());
}

// The steps in child/sync.hpp's order.
Status Launch::talk_to_init() {
  BERTH_CHECK(isolate());
  timeline.mark("isolated");
  if (plan.child.await_parent) BERTH_CHECK(init->send_isolated());
  if (plan.child.await_hooks) {
    BERTH_CHECK(init->await_runtime_ready());
    timeline.mark("init mounts done");
    BERTH_CHECK(run_runtime_hooks());
  }
  if (plan.child.terminal) console = BERTH_TRY(init->await_console());
  if (plan.child.seccomp_listener) BERTH_CHECK(handle_seccomp_fd(BERTH_TRY(init->await_seccomp_fd())));
  return init->await_created();
}

Status Launch::run() {
  timeline.start();
  ctx.bundle = BERTH_TRY(absolute(opts.bundle.empty() ? "." : opts.bundle).context("bundle"));
  ctx.rootfs = BERTH_TRY(spec::resolve_root_path(ctx.bundle, config.root.path).context("rootfs"));
  ctx.state_dir = store.dir(ctx.id);
  BERTH_CHECK(fill_init(config, opts, plan));
  // The host is read only when the config asks for something it decides.
  bool asks_host =
      config.linux.memory_policy || !config.linux.mount_label.empty() ||
      (config.process && !(config.process->apparmor_profile.empty() && config.process->selinux_label.empty()));
  HostFacts host = asks_host ? probe_host_facts() : HostFacts{};
  std::vector<std::string> warnings;
  BERTH_CHECK(fill_process_attrs(config, host, plan, &warnings));
  if (opts.warn)
    for (const auto& w : warnings) opts.warn(w);
  plan.child.rootfs = plan.arena.str(ctx.rootfs);
  BERTH_CHECK(prepare());
  BERTH_CHECK(apply_mount_label(config, host, plan));
  // A new cgroup namespace is rooted where the init is when it unshares:
  // after the parent has placed it in its cgroups.
  plan.child.await_parent = plan.child.new_userns || plan.child.new_cgroupns;
  // Without hooks the init goes from its mounts to "created" in one go.
  plan.child.await_hooks = !config.hooks.prestart.empty() || !config.hooks.create_runtime.empty() ||
                           !plan.create_container_hooks.empty() || !plan.start_container_hooks.empty();
  timeline.mark("plan ready");

  // Side effects start here.
  sys::Kernel& k = store.kernel();
  auto lock = BERTH_TRY(store.claim(ctx.id));
  plan.child.lock_fd = lock.get();
  undo.push("remove the state directory", [this] { return store.remove(ctx.id); });
  st.isolation.emplace();
  for (auto& iso : isolators) st.isolation->push_back(iso->name());
  for (auto it = isolators.rbegin(); it != isolators.rend(); ++it)
    undo.push(std::string("clean up ") + (*it)->name(),
              [this, iso = it->get()] { return iso->cleanup(ctx.state_dir, st); });
  std::string fifo = ctx.state_dir + "/exec.fifo";
  // As runc: writable by the init after it has dropped to process.user, which
  // may be an unprivileged uid of a user namespace.
  BERTH_CHECK(k.make_fifo(fifo, 0622));
  auto fifo_fd = BERTH_TRY(k.open_path(fifo));
  plan.child.fifo_fd = fifo_fd.get();

  st.id = ctx.id;
  st.bundle = ctx.bundle;
  st.rootfs = ctx.rootfs;
  st.created = state::now_rfc3339();
  st.annotations = config.annotations;
  st.poststart = config.hooks.poststart;
  st.poststop = config.hooks.poststop;
  st.oci_version = config.oci_version.empty() ? "1.2.0" : config.oci_version;
  st.no_new_keyring = opts.no_new_keyring;

  // The record is saved three times: by the cgroups isolator with its
  // journal before its first mkdir (with the fields above; a crash before
  // leaves a directory without a record, which `delete --force` removes
  // with every isolator's cleanup), after the spawn with the pids, and at
  // the end in phase "created". The device rules ride along with the pids.
  // filesystem/linux saves once more when the init shares the host's mount
  // namespace. Each save is an atomic replace, without fsync (up to a
  // millisecond or two each on a disk-backed --root): what the record
  // names before "created" (processes, cgroups) does not outlive a crash of
  // the host, and a killed caller needs only the page cache. The shim makes
  // the final record durable once told "created", off this path.
  ctx.record = &rec;
  BERTH_CHECK(provision());
  timeline.mark("provisioned");
  BERTH_CHECK(spawn());
  timeline.mark("init cloned");
  // While the init sets up: the config for exec (store.hpp), which no
  // crash needs (the directory goes with the container).
  if (!opts.config_text.empty())
    BERTH_CHECK(k.write_file(ctx.state_dir + "/config.json", opts.config_text, 0600).context("keep the config"));
  BERTH_CHECK(talk_to_init());
  timeline.mark("init created");
  st.phase = state::Phase::Created;
  BERTH_CHECK(rec.save());
  if (st.shim_pid > 0) BERTH_CHECK(tell_shim_created());
  if (console && console_to_shim) {
    BERTH_CHECK(sys::send_fd(console_to_shim.get(), "console", console.get()).context("give the terminal to the shim"));
    console.reset();
  }
  if (console && !opts.console_socket.empty()) {
    BERTH_CHECK(k.send_fd_to(opts.console_socket, "/dev/ptmx", console.get())
                    .context("send the console to " + opts.console_socket));
    console.reset();
  }
  if (!opts.pid_file.empty())
    BERTH_CHECK(k.write_file(opts.pid_file, std::to_string(st.pid), 0644).context("pid file"));
  undo.commit();
  timeline.mark("state written");
  if (opts.debug) opts.debug("create " + ctx.id + ": " + timeline.text);
  return {};
}

}  // namespace

Result<Created> create(const state::Store& store, const CreateOptions& opts, const spec::Config& config,
                       IsolatorList& isolators) {
  BERTH_CHECK(state::validate_id(opts.id));
  Launch l{store,
           opts,
           config,
           isolators,
           ContainerContext{config, opts.id, "", "", ""},
           {},
           state::Record(store.kernel(), store.dir(opts.id), state::Sync::Spare)};
  Status s = l.run();
  if (!s.ok()) {
    Error e = std::move(s).error();
    l.undo.unwind(&e);
    return e;
  }
  Created c;
  c.pid = l.st.pid;
  c.console = std::move(l.console);
  if (l.st.shim_pid == 0) c.init = BERTH_TRY(store.kernel().open_pidfd(l.st.pid, l.st.init_start_time));
  return c;
}

}  // namespace berth::launcher
