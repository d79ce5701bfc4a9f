// berth: the OCI runtime CLI. Argument parsing (CLI11) and the one place
// where errors are logged and turned into exit codes.
#include <CLI/CLI.hpp>
#include <seccomp.h>

#include <cstdio>

#include "runtime/commands.hpp"

using namespace berth;

namespace {

void add_create_flags(CLI::App* c, cli::CreateFlags& f) {
  c->add_option("-b,--bundle", f.bundle, "path to the bundle directory (default: the current directory)");
  c->add_option("--console-socket", f.console_socket, "unix socket that receives the pty master of a terminal container");
  c->add_option("--pid-file", f.pid_file, "file to write the container init's pid to");
  c->add_flag("--no-pivot", f.no_pivot, "use MS_MOVE and chroot instead of pivot_root");
  c->add_flag("--no-new-keyring", f.no_new_keyring, "do not create a new session keyring");
  c->add_option("--preserve-fds", f.preserve_fds, "pass N extra fds (3..3+N-1) to the container")->check(CLI::NonNegativeNumber);
  c->add_option("container-id", f.id, "the container's id")->required();
}

std::string version_text() {
  const scmp_version* v = seccomp_version();
  char buf[256];
  snprintf(buf, sizeof buf, "berth version %s\nspec: 1.2.0\nlibseccomp: %u.%u.%u", BERTH_VERSION, v->major, v->minor,
           v->micro);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"berth: a runc-compatible OCI container runtime", "berth"};
  app.require_subcommand(1);
  app.set_version_flag("-v,--version", version_text());
  cli::Globals g;
  app.add_option("--root", g.root, "root directory for container state")->capture_default_str();
  app.add_option("--log", g.log_path, "write log lines to this file");
  app.add_option("--log-format", g.log_format, "log format: text or json")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("--debug", g.debug, "enable debug logging");
  app.add_flag("--systemd-cgroup", g.systemd_cgroup, "use the systemd cgroup driver (not supported)");
  std::string criu, rootless_global;
  app.add_option("--criu", criu, "CRIU binary (accepted for compatibility, unused)");
  app.add_option("--rootless", rootless_global, "accepted for compatibility: true, false or auto");

  cli::CreateFlags cf, rf;
  std::string id, sig = "SIGTERM", format = "table", bundle;
  bool force = false, quiet = false, all = false, rootless = false;
  auto* create = app.add_subcommand("create", "create a container");
  add_create_flags(create, cf);
  auto* run = app.add_subcommand("run", "create and start a container");
  add_create_flags(run, rf);
  run->add_flag("-d,--detach", rf.detach, "detach from the container's process");
  run->add_flag("--keep", rf.keep, "do not delete the container after it exits");
  auto* start = app.add_subcommand("start", "start a created container");
  start->add_option("container-id", id)->required();
  auto* state = app.add_subcommand("state", "print the state of a container");
  state->add_option("container-id", id)->required();
  auto* kill = app.add_subcommand("kill", "send a signal to the container's init");
  kill->add_option("container-id", id)->required();
  kill->add_option("signal", sig, "signal name or number (default SIGTERM)");
  kill->add_flag("-a,--all", all, "send to all processes (needs the cgroups isolators)");
  auto* del = app.add_subcommand("delete", "delete a container");
  del->add_option("container-id", id)->required();
  del->add_flag("-f,--force", force, "kill the container first if it is running");
  auto* list = app.add_subcommand("list", "list containers");
  list->add_flag("-q,--quiet", quiet, "print only the ids");
  list->add_option("-f,--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));
  auto* spec = app.add_subcommand("spec", "write a default config.json");
  spec->add_option("-b,--bundle", bundle, "bundle directory to write config.json in");
  spec->add_flag("--rootless", rootless, "a config for a rootless container");
  auto* features = app.add_subcommand("features", "print the OCI features document");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 1;
  }

  log::Sink sink;
  if (!sink.open(g.log_path, g.log_format == "json" ? log::Format::Json : log::Format::Text, g.debug)) {
    fprintf(stderr, "berth: cannot open log file %s\n", g.log_path.c_str());
    return 1;
  }
  g.log = &sink;
  Result<int> r = 0;
  if (g.systemd_cgroup) {
    r = Error(Code::Unsupported, "--systemd-cgroup is not supported: berth drives cgroupfs directly");
  } else if (*create) {
    r = cli::cmd_create(g, cf);
  } else if (*run) {
    r = cli::cmd_run(g, rf);
  } else if (*start) {
    r = cli::cmd_start(g, id);
  } else if (*state) {
    r = cli::cmd_state(g, id);
  } else if (*kill) {
    r = cli::cmd_kill(g, id, sig, all);
  } else if (*del) {
    r = cli::cmd_delete(g, id, force);
  } else if (*list) {
    r = cli::cmd_list(g, quiet, format);
  } else if (*spec) {
    r = cli::cmd_spec(bundle, rootless);
  } else if (*features) {
    r = cli::cmd_features();
  }
  if (!r.ok()) {
    sink.error(r.error().message());
    return 1;
  }
  return *r;
}
