// berth's command line (see command_line.hpp): the CLI11 App, the scan for
// the command word, and the refusal of unknown or unimplemented commands.
#include "runtime/command_line.hpp"

#include <seccomp.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ostream>

#include "isolators/registry.hpp"

namespace berth::cli {
namespace {

void add_create_flags(CLI::App* c, CreateFlags& f) {
  c->add_option("-b,--bundle", f.bundle, "path to the bundle directory (default: the current directory)");
  c->add_option("--console-socket", f.console_socket,
                "unix socket that receives the pty master of a terminal container");
  c->add_option("--pid-file", f.pid_file, "file to write the container init's pid to");
  c->add_flag("--no-pivot", f.no_pivot, "use MS_MOVE and chroot instead of pivot_root");
  c->add_flag("--no-new-keyring", f.no_new_keyring, "do not create a new session keyring");
  c->add_option("--preserve-fds", f.preserve_fds, "pass N extra fds (3..3+N-1) to the container")
      ->check(CLI::NonNegativeNumber);
  std::string names;
  for (const auto* e : isolators::entries()) names += (names.empty() ? "" : ", ") + std::string(e->name);
  c->add_option("--isolation", f.isolation,
                "the isolators, comma-separated (" + names + "); default: those the config needs");
  c->add_flag("--logs", f.logs, "keep the container's stdout and stderr in a log its shim writes (berth logs)");
  c->add_option("--logs-path", f.logs_path, "where the log is (implies --logs; default: the state directory)");
  c->add_option("--logs-max-size", f.logs_max_size, "rotate the log past this size (k, M, G; default 10M)");
  c->add_option("--logs-max-files", f.logs_max_files, "keep this many log files, the current one included (default 2)")
      ->check(CLI::PositiveNumber);
  c->add_option("--network", f.networks,
                "attach the container to this CNI network (repeat, or NAME,NAME...; eth0, eth1, ... in order)");
  c->add_option("-p,--publish", f.publish,
                "map a host port to a container port, [HOST-IP:]HOST-PORT:CONTAINER-PORT[/tcp|udp|sctp] "
                "(the portmap plugin; needs --network)");
  c->add_option("--ip", f.ips,
                "ask the networks for this address (repeat for several; the ips capability argument, as "
                "host-local's; needs --network)");
  c->add_option("--mac-address", f.mac,
                "give the container's interfaces this MAC address (the mac capability argument, as tuning's; "
                "needs --network)");
  c->add_option("--cni-conf-dir", f.cni_conf_dir,
                "where the CNI network configurations are (default /etc/berth/cni/net.d)");
  c->add_option("--cni-bin-dir", f.cni_bin_dir, "where the CNI plugins are, ':'-separated (default /usr/lib/cni)");
  c->add_option("--image", f.image,
                "make the bundle from this image (a stored name or id, or oci:, docker-archive:, docker:// to "
                "pull first), in the image store; the command after the id replaces the image's Cmd");
  c->add_option("--image-backend", f.image_backend, "overlay, copy, bind or auto (overlay where the kernel has it)");
  c->add_flag("-t,--tty", f.tty, "with --image: the process gets a terminal");
  c->add_option("container-id", f.id, "the container's id")->required();
  // After the id, the command of an --image container, options and all.
  c->prefix_command();
}

std::string version_text() {
  const scmp_version* v = seccomp_version();
  char buf[256];
  snprintf(buf, sizeof buf, "berth version %s\nspec: 1.2.0\nlibseccomp: %u.%u.%u", BERTH_VERSION, v->major, v->minor,
           v->micro);
  return buf;
}

// runc commands berth does not implement yet: named as such, not as unknown.
constexpr const char* kNotYet[] = {"checkpoint", "restore"};

// CLI11 alone says "A subcommand is required" for a word it does not know,
// and prints the top-level help (exit 0) for `WORD -h`.
int refuse_command(const CLI::App& app, int argc, char** argv, std::ostream& err) {
  const char* word = command_word(argc, argv);
  if (!word) return -1;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->check_name(word)) return -1;
  for (const char* c : kNotYet)
    if (std::string_view(word) == c) {
      err << "berth: " << word << " is not supported yet\n" << std::flush;
      return 1;
    }
  // As crun ("unknown command"); runc says "No help topic for 'WORD'", exit 3.
  err << "berth: unknown command \"" << word << "\" (see berth --help)\n" << std::flush;
  return 1;
}

void define_globals(CLI::App& app, Parsed& p) {
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", version_text());
  Globals& g = p.g;
  app.add_option("--root", g.root, "root directory for container state")->capture_default_str();
  app.add_option("--log", g.log_path, "write log lines to this file");
  app.add_option("--log-format", g.log_format, "log format: text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "enable debug logging");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "use the systemd cgroup driver (not supported)");
  app.add_option("--criu", p.criu, "CRIU binary (accepted for compatibility, unused)");
  app.add_option("--rootless", p.rootless_global, "accepted for compatibility: true, false or auto");
}

// The commands that take only a container id.
void add_id_command(CLI::App& app, const char* name, const char* help, std::string& id) {
  app.add_subcommand(name, help)->add_option("container-id", id)->required();
}

void define_create(CLI::App& app, Parsed& p) {
  add_create_flags(app.add_subcommand("create", "create a container"), p.cf);
}

void define_run(CLI::App& app, Parsed& p) {
  auto* run = app.add_subcommand("run", "create and start a container");
  add_create_flags(run, p.rf);
  run->add_flag("-d,--detach", p.rf.detach, "detach from the container's process");
  run->add_flag("--keep", p.rf.keep, "do not delete the container after it exits");
}

void define_kill(CLI::App& app, Parsed& p) {
  auto* kill = app.add_subcommand("kill", "send a signal to the container's init");
  kill->add_option("container-id", p.id)->required();
  kill->add_option("signal", p.sig, "signal name or number (default SIGTERM)");
  kill->add_flag("-a,--all", p.all, "send to every process in the container's cgroup");
}

void define_delete(CLI::App& app, Parsed& p) {
  auto* del = app.add_subcommand("delete", "delete a container");
  del->add_option("container-id", p.id)->required();
  del->add_flag("-f,--force", p.force, "kill the container first if it is running");
}

void define_list(CLI::App& app, Parsed& p) {
  auto* list = app.add_subcommand("list", "list containers");
  list->add_flag("-q,--quiet", p.quiet, "print only the ids");
  list->add_option("-f,--format", p.format, "table or json")->check(CLI::IsMember({"table", "json"}));
}

void define_spec(CLI::App& app, Parsed& p) {
  auto* spec = app.add_subcommand("spec", "write a default config.json");
  spec->add_option("-b,--bundle", p.bundle, "bundle directory to write config.json in");
  spec->add_flag("--rootless", p.rootless, "a config for a rootless container");
}

void define_ps(CLI::App& app, Parsed& p) {
  // As runc: options up to the container id are ours, everything after it is ps(1)'s.
  auto* ps = app.add_subcommand("ps", "display the processes running inside a container");
  ps->add_option("-f,--format", p.format, "table (ps(1)'s output, the container's rows) or json (the pids)")
      ->check(CLI::IsMember({"table", "json"}));
  ps->prefix_command();
  ps->footer(
      "Arguments (after the options): CONTAINER-ID [PS-OPTIONS...]\n  PS-OPTIONS go to ps(1) (default: -ef); a '--' "
      "right after the id is dropped.");
}

void define_exec(CLI::App& app, Parsed& p) {
  // As runc: options up to the container id are ours, everything after it
  // is the command.
  auto* x = app.add_subcommand("exec", "run a process in a running container");
  ExecFlags& f = p.xf;
  x->add_option("-p,--process", f.process, "path to a process.json (runc's format) to run");
  x->add_option("--console-socket", f.console_socket, "unix socket that receives the pty master of a terminal process");
  x->add_option("--pid-file", f.pid_file, "file to write the process's pid to");
  x->add_option("--cwd", f.cwd, "working directory in the container");
  x->add_option("-e,--env", f.env, "set an environment variable (NAME=VALUE), more than once")->allow_extra_args(false);
  x->add_flag("-t,--tty", f.tty, "give the process a pseudo-terminal");
  x->add_option("-u,--user", f.user, "UID[:GID] to run as (numbers)");
  x->add_option("-g,--additional-gids", f.additional_gids, "an additional gid, more than once")
      ->allow_extra_args(false);
  x->add_flag("-d,--detach", f.detach, "return once the process runs");
  x->add_option("--process-label", f.process_label, "the SELinux label of the process");
  x->add_option("--apparmor", f.apparmor, "the AppArmor profile of the process");
  x->add_flag("--no-new-privs", f.no_new_privs, "set no_new_privs for the process");
  x->add_option("-c,--cap", f.caps, "add a capability (CAP_NAME) to its bounding, effective and permitted sets")
      ->allow_extra_args(false);
  x->add_option("--preserve-fds", f.preserve_fds, "pass N extra fds (3..3+N-1) to the process")
      ->check(CLI::NonNegativeNumber);
  x->add_option("--cgroup", f.cgroups, "run in an existing sub-cgroup: [CONTROLLER[,CONTROLLER...]:]PATH")
      ->allow_extra_args(false);
  x->add_flag("--ignore-paused", f.ignore_paused, "exec into a paused container (the process waits for resume)");
  x->prefix_command();
  x->footer("Arguments (after the options): CONTAINER-ID [COMMAND [ARG...]]");
}

// Each command: its name, what it runs, and what defines its subcommand.
struct Command {
  const char* name;
  Cmd cmd;
  void (*define)(CLI::App&, Parsed&);
};

constexpr Command kCommands[] = {
    {"create", Cmd::Create, define_create},
    {"run", Cmd::Run, define_run},
    {"start", Cmd::Start,
     [](CLI::App& a, Parsed& p) { add_id_command(a, "start", "start a created container", p.id); }},
    {"state", Cmd::State,
     [](CLI::App& a, Parsed& p) { add_id_command(a, "state", "print the state of a container", p.id); }},
    {"kill", Cmd::Kill, define_kill},
    {"delete", Cmd::Delete, define_delete},
    {"list", Cmd::List, define_list},
    {"spec", Cmd::Spec, define_spec},
    {"features", Cmd::Features,
     [](CLI::App& a, Parsed&) { a.add_subcommand("features", "print the OCI features document"); }},
    {"ps", Cmd::Ps, define_ps},
    {"pause", Cmd::Pause,
     [](CLI::App& a, Parsed& p) {
       add_id_command(a, "pause", "suspend all processes inside the container (freeze its cgroup)", p.id);
     }},
    {"resume", Cmd::Resume,
     [](CLI::App& a, Parsed& p) {
       add_id_command(a, "resume", "resume all processes of a paused container (thaw its cgroup)", p.id);
     }},
    {"update", Cmd::Update,
     [](CLI::App& a, Parsed& p) {
       add_update_options(a.add_subcommand("update", "update the resource limits of a container"), p.uf);
     }},
    {"events", Cmd::Events,
     [](CLI::App& a, Parsed& p) {
       add_events_options(
           a.add_subcommand("events", "display container events: OOM notifications and usage statistics"), p.ef);
     }},
    {"stats", Cmd::Stats,
     [](CLI::App& a, Parsed& p) {
       add_id_command(a, "stats", "print a human-readable snapshot of a container's resource usage", p.id);
     }},
    {"wait", Cmd::Wait,
     [](CLI::App& a, Parsed& p) {
       add_id_command(a, "wait", "wait for a container to exit and print its exit status as JSON", p.id);
     }},
    {"exec", Cmd::Exec, define_exec},
    {"inspect-network", Cmd::InspectNetwork,
     [](CLI::App& a, Parsed& p) {
       auto* n =
           a.add_subcommand("inspect-network", "print a container's CNI networks: interfaces, IPs, ports, results");
       n->add_flag("--check", p.nf.check, "run each network's CHECK against its cached result (cniVersion 0.4.0+)");
       n->add_flag("--status", p.nf.status, "run STATUS of each plugin that speaks CNI 1.1");
       n->add_option("container-id", p.nf.id)->required();
     }},
    {"logs", Cmd::Logs, [](CLI::App& a, Parsed& p) {
       auto* l = a.add_subcommand("logs", "print the output a container created with --logs wrote");
       l->add_flag("-f,--follow", p.lf.follow, "go on printing until the container has exited");
       l->add_option("-n,--tail", p.lf.tail, "print only the last N lines")->check(CLI::NonNegativeNumber);
       l->add_option("container-id", p.lf.id)->required();
     }}};

// The command the line runs, when the App needs no other: one it knows,
// with no help or version asked for before it (those show every command).
// CLI11 builds every option up front, 0.15 ms for all of berth's here.
const Command* only_command(int argc, char** argv) {
  const char* word = command_word(argc, argv);
  if (!word) return nullptr;
  for (int i = 1; i < argc && argv[i] != word; i++) {
    std::string_view a = argv[i];
    if (a == "-h" || a == "--help" || a == "-v" || a == "--version") return nullptr;
  }
  for (const auto& c : kCommands)
    if (std::string_view(word) == c.name) return &c;
  return nullptr;
}

}  // namespace

void define_command_line(CLI::App& app, Parsed& p, const char* only) {
  define_globals(app, p);
  for (const auto& c : kCommands)
    if (!only || std::string_view(only) == c.name) c.define(app, p);
}

int parse(int argc, char** argv, Parsed& p, std::ostream& out, std::ostream& err) {
  CLI::App app{"berth: a runc-compatible OCI container runtime", "berth"};
  const Command* only = only_command(argc, argv);
  define_command_line(app, p, only ? only->name : nullptr);
  if (int code = refuse_command(app, argc, argv, err); code >= 0) return code;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, out, err);
    return code == 0 ? 0 : 1;
  }
  for (const auto& c : kCommands)
    if ((!only || only == &c) && app.got_subcommand(c.name)) p.cmd = c.cmd;
  if (p.cmd == Cmd::Ps) p.ps_args = app.get_subcommand("ps")->remaining();
  if (p.cmd == Cmd::Create || p.cmd == Cmd::Run) {
    CreateFlags& f = p.cmd == Cmd::Create ? p.cf : p.rf;
    f.command = app.get_subcommand(p.cmd == Cmd::Create ? "create" : "run")->remaining();
    // What prefix_command let through: before the id, an unknown flag; after
    // it without --image, an extra argument. Refused as CLI11 refuses them.
    if (!f.command.empty() && (f.id.empty() || f.image.empty())) {
      err << "The following argument was not expected: " << f.command[0]
          << (f.id.empty() ? "" : " (a command after the container id needs --image)")
          << "\nRun with --help for more information.\n"
          << std::flush;
      return 1;
    }
  }
  if (p.cmd == Cmd::Exec) {
    auto rest = app.get_subcommand("exec")->remaining();
    if (rest.empty()) {
      err << "berth exec: a container id is required\n" << std::flush;
      return 1;
    }
    p.xf.id = rest[0];
    size_t first = rest.size() > 1 && rest[1] == "--" ? 2 : 1;
    p.xf.args.assign(rest.begin() + long(first), rest.end());
  }
  return -1;
}

}  // namespace berth::cli
