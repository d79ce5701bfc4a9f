// berth: the OCI runtime CLI. Argument parsing (CLI11) and the one place
// where errors are logged and turned into exit codes.
#include <CLI/CLI.hpp>
#include <seccomp.h>

#include <cstdio>

#include "libcontainer/sys/linux_kernel.hpp"
#include "libcontainer/sys/sealed_exe.hpp"
#include "runtime/commands.hpp"
#include "runtime/events.hpp"
#include "runtime/update.hpp"

using namespace berth;

namespace {

void add_create_flags(CLI::App* c, cli::CreateFlags& f) {
  c->add_option("-b,--bundle", f.bundle, "path to the bundle directory (default: the current directory)");
  c->add_option("--console-socket", f.console_socket,
                "unix socket that receives the pty master of a terminal container");
  c->add_option("--pid-file", f.pid_file, "file to write the container init's pid to");
  c->add_flag("--no-pivot", f.no_pivot, "use MS_MOVE and chroot instead of pivot_root");
  c->add_flag("--no-new-keyring", f.no_new_keyring, "do not create a new session keyring");
  c->add_option("--preserve-fds", f.preserve_fds, "pass N extra fds (3..3+N-1) to the container")
      ->check(CLI::NonNegativeNumber);
  c->add_option("container-id", f.id, "the container's id")->required();
}

std::string version_text() {
  const scmp_version* v = seccomp_version();
  char buf[256];
  snprintf(buf, sizeof buf, "berth version %s\nspec: 1.2.0\nlibseccomp: %u.%u.%u", BERTH_VERSION, v->major, v->minor,
           v->micro);
  return buf;
}

enum class Cmd {
  None,
  Create,
  Run,
  Start,
  State,
  Kill,
  Delete,
  List,
  Spec,
  Features,
  Ps,
  Pause,
  Resume,
  Update,
  Events,
  Stats
};

// Everything the command line said, as plain values: the CLI11 App (a large
// heap of options and validators) is gone before a container is forked, so
// the init does not carry its pages while it waits at the start gate.
struct Parsed {
  cli::Globals g;
  cli::CreateFlags cf, rf;
  std::string id, sig = "SIGTERM", format = "table", bundle;
  bool force = false, quiet = false, all = false, rootless = false;
  Cmd cmd = Cmd::None;
  std::vector<std::string> ps_args;  // ps: the container id, then ps(1)'s options
  cli::UpdateFlags uf;
  cli::EventsFlags ef;
};

// runc commands berth does not implement yet: named as such, not as unknown.
constexpr const char* kNotYet[] = {"exec", "checkpoint", "restore"};

// The first argument that is not a global option or its value: the command
// the user meant. CLI11 alone says "A subcommand is required" for a word it
// does not know, and prints the top-level help (exit 0) for `WORD -h`.
const char* command_word(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--") return i + 1 < argc ? argv[i + 1] : nullptr;
    if (a.size() < 2 || a[0] != '-') return argv[i];
    if (a.find('=') != std::string::npos) continue;  // --root=DIR
    const CLI::Option* o = app.get_option_no_throw(a);
    if (o && o->get_items_expected_max() > 0) i++;  // --root DIR
  }
  return nullptr;
}

// Exit code 1 with a message for an unknown or unimplemented command, or -1.
int refuse_command(const CLI::App& app, int argc, char** argv) {
  const char* word = command_word(app, argc, argv);
  if (!word) return -1;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->check_name(word)) return -1;
  for (const char* c : kNotYet)
    if (std::string_view(word) == c) {
      fprintf(stderr, "berth: %s is not supported yet\n", word);
      return 1;
    }
  // As crun ("unknown command"); runc says "No help topic for 'WORD'", exit 3.
  fprintf(stderr, "berth: unknown command \"%s\" (see berth --help)\n", word);
  return 1;
}

// The global options that take a value, as parse() defines them.
constexpr std::string_view kGlobalsWithValue[] = {"--root", "--log", "--log-format", "--criu", "--rootless"};

// Whether the command is create or run, whose clone enters a container: they
// run from the sealed view of the binary (sealed_exe.hpp), decided before the
// CLI11 App is built so that the re-execution does not parse twice (about a
// third of a millisecond). main checks again after parsing.
bool enters_container(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    std::string_view a = argv[i];
    if (a == "--") {
      a = i + 1 < argc ? argv[i + 1] : "";
    } else if (a.size() >= 2 && a[0] == '-') {
      if (a.find('=') != std::string_view::npos) continue;  // --root=DIR
      for (std::string_view g : kGlobalsWithValue)
        if (a == g) {
          i++;  // --root DIR
          break;
        }
      continue;
    }
    return a == "create" || a == "run";  // the first word that is not a global option
  }
  return false;
}

// Returns -1 to go on, or the exit code (help, version, usage errors).
int parse(int argc, char** argv, Parsed& p) {
  CLI::App app{"berth: a runc-compatible OCI container runtime", "berth"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", version_text());
  cli::Globals& g = p.g;
  app.add_option("--root", g.root, "root directory for container state")->capture_default_str();
  app.add_option("--log", g.log_path, "write log lines to this file");
  app.add_option("--log-format", g.log_format, "log format: text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "enable debug logging");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "use the systemd cgroup driver (not supported)");
  std::string criu, rootless_global;
  app.add_option("--criu", criu, "CRIU binary (accepted for compatibility, unused)");
  app.add_option("--rootless", rootless_global, "accepted for compatibility: true, false or auto");

  auto* create = app.add_subcommand("create", "create a container");
  add_create_flags(create, p.cf);
  auto* run = app.add_subcommand("run", "create and start a container");
  add_create_flags(run, p.rf);
  run->add_flag("-d,--detach", p.rf.detach, "detach from the container's process");
  run->add_flag("--keep", p.rf.keep, "do not delete the container after it exits");
  auto* start = app.add_subcommand("start", "start a created container");
  start->add_option("container-id", p.id)->required();
  auto* state = app.add_subcommand("state", "print the state of a container");
  state->add_option("container-id", p.id)->required();
  auto* kill = app.add_subcommand("kill", "send a signal to the container's init");
  kill->add_option("container-id", p.id)->required();
  kill->add_option("signal", p.sig, "signal name or number (default SIGTERM)");
  kill->add_flag("-a,--all", p.all, "send to every process in the container's cgroup");
  auto* del = app.add_subcommand("delete", "delete a container");
  del->add_option("container-id", p.id)->required();
  del->add_flag("-f,--force", p.force, "kill the container first if it is running");
  auto* list = app.add_subcommand("list", "list containers");
  list->add_flag("-q,--quiet", p.quiet, "print only the ids");
  list->add_option("-f,--format", p.format, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto* spec = app.add_subcommand("spec", "write a default config.json");
  spec->add_option("-b,--bundle", p.bundle, "bundle directory to write config.json in");
  spec->add_flag("--rootless", p.rootless, "a config for a rootless container");
  auto* features = app.add_subcommand("features", "print the OCI features document");
  // As runc: options up to the container id are ours, everything after it is ps(1)'s.
  auto* ps = app.add_subcommand("ps", "display the processes running inside a container");
  ps->add_option("-f,--format", p.format, "table (ps(1)'s output, the container's rows) or json (the pids)")
      ->check(CLI::IsMember({"table", "json"}));
  ps->prefix_command();
  ps->footer(
      "Arguments (after the options): CONTAINER-ID [PS-OPTIONS...]\n  PS-OPTIONS go to ps(1) (default: -ef); a '--' "
      "right after the id is dropped.");
  auto* pause = app.add_subcommand("pause", "suspend all processes inside the container (freeze its cgroup)");
  pause->add_option("container-id", p.id)->required();
  auto* resume = app.add_subcommand("resume", "resume all processes of a paused container (thaw its cgroup)");
  resume->add_option("container-id", p.id)->required();
  auto* update = app.add_subcommand("update", "update the resource limits of a container");
  cli::add_update_options(update, p.uf);
  auto* events = app.add_subcommand("events", "display container events: OOM notifications and usage statistics");
  cli::add_events_options(events, p.ef);
  auto* stats = app.add_subcommand("stats", "print a human-readable snapshot of a container's resource usage");
  stats->add_option("container-id", p.id)->required();

  if (int code = refuse_command(app, argc, argv); code >= 0) return code;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }
  const std::pair<CLI::App*, Cmd> cmds[] = {{create, Cmd::Create}, {run, Cmd::Run},       {start, Cmd::Start},
                                            {state, Cmd::State},   {kill, Cmd::Kill},     {del, Cmd::Delete},
                                            {list, Cmd::List},     {spec, Cmd::Spec},     {features, Cmd::Features},
                                            {ps, Cmd::Ps},         {pause, Cmd::Pause},   {resume, Cmd::Resume},
                                            {update, Cmd::Update}, {events, Cmd::Events}, {stats, Cmd::Stats}};
  for (const auto& [sub, c] : cmds)
    if (*sub) p.cmd = c;
  if (p.cmd == Cmd::Ps) p.ps_args = ps->remaining();
  return -1;
}

Result<int> dispatch(Parsed& p) {
  const cli::Globals& g = p.g;
  if (g.systemd_cgroup)
    return Error(Code::Unsupported, "--systemd-cgroup is not supported: berth drives cgroupfs directly");
  switch (p.cmd) {
    case Cmd::Create: return cli::cmd_create(g, p.cf);
    case Cmd::Run: return cli::cmd_run(g, p.rf);
    case Cmd::Start: return cli::cmd_start(g, p.id);
    case Cmd::State: return cli::cmd_state(g, p.id);
    case Cmd::Kill: return cli::cmd_kill(g, p.id, p.sig, p.all);
    case Cmd::Delete: return cli::cmd_delete(g, p.id, p.force);
    case Cmd::List: return cli::cmd_list(g, p.quiet, p.format);
    case Cmd::Spec: return cli::cmd_spec(p.bundle, p.rootless);
    case Cmd::Features: return cli::cmd_features();
    case Cmd::Ps: return cli::cmd_ps(g, p.format, p.ps_args);
    case Cmd::Pause: return cli::cmd_pause(g, p.id);
    case Cmd::Resume: return cli::cmd_resume(g, p.id);
    case Cmd::Update: return cli::cmd_update(g, p.uf);
    case Cmd::Events: return cli::cmd_events(g, p.ef);
    case Cmd::Stats: return cli::cmd_stats(g, p.id);
    case Cmd::None: break;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  // Commands whose clone enters a container run from a read-only, noexec view
  // of the binary (libcontainer/sys/sealed_exe.hpp); this may re-execute main.
  Status sealed = enters_container(argc, argv) ? sys::reexec_from_sealed_exe(argv, envp) : Status{};
  Parsed p;
  if (int code = parse(argc, argv, p); code >= 0) return code;
  // Nothing may be opened before hold_preserved_fds (the log file neither).
  if (p.cmd == Cmd::Create || p.cmd == Cmd::Run) {
    if (sealed.ok()) sealed = sys::reexec_from_sealed_exe(argv, envp);  // a command line the scan missed
    sys::forbid_exec_of_view();
    cli::CreateFlags& cf = p.cmd == Cmd::Create ? p.cf : p.rf;
    cf.preserved_open = cli::hold_preserved_fds(cf.preserve_fds);
    p.g.self_exe = sys::self_exe_path(argv[0]);
  }
  log::Sink sink;
  if (!sink.open(p.g.log_path, p.g.log_format == "json" ? log::Format::Json : log::Format::Text, p.g.debug)) {
    fprintf(stderr, "berth: cannot open log file %s\n", p.g.log_path.c_str());
    return 1;
  }
  p.g.log = &sink;
  if (!sealed.ok()) {  // never run a container from a writable binary
    sink.error(sealed.error().message());
    return 1;
  }
  sys::LinuxKernel kernel;
  p.g.kernel = &kernel;
  Result<int> r = dispatch(p);
  if (!r.ok()) {
    sink.error(r.error().message());
    return 1;
  }
  return *r;
}
