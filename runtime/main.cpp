// berth: the OCI runtime CLI. The one place where errors are logged and
// turned into exit codes; the command line itself is command_line.cpp.
#include <cstdio>
#include <iostream>
#include <sstream>

#include "libcontainer/sys/linux_kernel.hpp"
#include "libcontainer/sys/sealed_exe.hpp"
#include "runtime/command_line.hpp"
#include "runtime/command_word.hpp"
#include "runtime/commands.hpp"

using namespace berth;

namespace {

using cli::Cmd;
using cli::Parsed;

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
    case Cmd::Wait: return cli::cmd_wait(g, p.id);
    case Cmd::Exec: return cli::cmd_exec(g, p.xf);
    case Cmd::Logs: return cli::cmd_logs(g, p.lf);
    case Cmd::InspectNetwork: return cli::cmd_inspect_network(g, p.nf);
    case Cmd::None: break;
  }
  return 0;
}

// A command line that does not parse: its error on stderr and, as any other
// error, in the --log file (containerd reads the reason from there).
void report_usage_error(int argc, char** argv, const std::string& text) {
  const char* path = cli::global_value(argc, argv, "--log");
  const char* format = cli::global_value(argc, argv, "--log-format");
  log::Sink sink;
  std::string first = text.substr(0, text.find('\n'));
  if (!path || first.empty() ||
      !sink.open(path, format && std::string(format) == "json" ? log::Format::Json : log::Format::Text, false)) {
    fputs(text.c_str(), stderr);
    return;
  }
  sink.error(first);  // the log's line, and (as for any error with a log file) stderr's first
  if (first.size() + 1 < text.size()) fputs(text.c_str() + first.size() + 1, stderr);
}

}  // namespace

int main(int argc, char** argv, char** envp) {
  // `berth image ...` is berth-image's.
  if (const char* word = cli::command_word(argc, argv); word && std::string_view(word) == "image")
    return cli::exec_image_command(argc, argv);
  // Commands whose clone enters a container run from a read-only, noexec view
  // of the binary (libcontainer/sys/sealed_exe.hpp); this may re-execute main.
  Status sealed = cli::enters_container(argc, argv) ? sys::reexec_from_sealed_exe(argv, envp) : Status{};
  Parsed p;
  std::ostringstream usage;
  if (int code = cli::parse(argc, argv, p, std::cout, usage); code >= 0) {
    if (code != 0) report_usage_error(argc, argv, usage.str());
    return code;
  }
  // Nothing may be opened before hold_preserved_fds (the log file neither).
  if (p.cmd == Cmd::Create || p.cmd == Cmd::Run || p.cmd == Cmd::Exec) {
    if (sealed.ok()) sealed = sys::reexec_from_sealed_exe(argv, envp);  // a command line the scan missed
    sys::forbid_exec_of_view();
    if (p.cmd == Cmd::Exec) {
      p.xf.preserved_open = cli::hold_preserved_fds(p.xf.preserve_fds);
    } else {
      cli::CreateFlags& cf = p.cmd == Cmd::Create ? p.cf : p.rf;
      cf.preserved_open = cli::hold_preserved_fds(cf.preserve_fds);
    }
    p.g.self_exe = sys::self_exe_path(argv[0]);
    p.g.supervised = cli::supervised_name(argv[0]);
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
    return p.cmd == Cmd::Exec ? 255 : 1;  // runc's exec: its -1
  }
  return *r;
}
