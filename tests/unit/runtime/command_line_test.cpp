// The berth command line without running a command: each command's flags
// with runc 1.1's spellings and defaults, the usage errors naming the bad
// flag, the unknown and not-yet-supported commands, and the scan that
// decides the re-execution from the sealed binary before CLI11 parses.
#include "runtime/command_line.hpp"

#include "runtime/command_word.hpp"
#include "runtime/commands.hpp"

#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace berth;
using berth::cli::Cmd;

namespace {

// argv[0] first, as main gets it.
std::vector<char*> make_argv(std::vector<std::string>& args) {
  args.insert(args.begin(), "berth");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

struct Outcome {
  int code;  // -1: the command would run
  cli::Parsed p;
  std::string out, err;
};

Outcome parse(std::vector<std::string> args) {
  std::vector<char*> argv = make_argv(args);
  Outcome o;
  std::ostringstream out, err;
  o.code = cli::parse(int(argv.size() - 1), argv.data(), o.p, out, err);
  o.out = out.str();
  o.err = err.str();
  return o;
}

bool enters(std::vector<std::string> args) {
  std::vector<char*> argv = make_argv(args);
  return cli::enters_container(int(argv.size() - 1), argv.data());
}

bool mentions(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

}  // namespace

TEST_CASE("command line: defaults of the global options") {
  Outcome o = parse({"list"});
  REQUIRE(o.code == -1);
  CHECK(o.p.cmd == Cmd::List);
  CHECK(o.p.g.root == "/run/berth");
  CHECK(o.p.g.log_path.empty());
  CHECK(o.p.g.log_format == "text");
  CHECK_FALSE(o.p.g.debug);
  CHECK_FALSE(o.p.g.systemd_cgroup);
  CHECK(o.p.format == "table");
  CHECK_FALSE(o.p.quiet);
  CHECK(o.out.empty());
  CHECK(o.err.empty());
}

TEST_CASE("command line: global options before the command, with a value apart or after '='") {
  Outcome o = parse({"--root", "/r", "--log=/l", "--log-format", "json", "--debug", "--systemd-cgroup", "--criu", "/c",
                     "--rootless=true", "state", "id1"});
  REQUIRE(o.code == -1);
  CHECK(o.p.cmd == Cmd::State);
  CHECK(o.p.id == "id1");
  CHECK(o.p.g.root == "/r");
  CHECK(o.p.g.log_path == "/l");
  CHECK(o.p.g.log_format == "json");
  CHECK(o.p.g.debug);
  CHECK(o.p.g.systemd_cgroup);
  CHECK(o.p.criu == "/c");
  CHECK(o.p.rootless_global == "true");
}

TEST_CASE("command line: a global option after the command is refused, naming it (as runc)") {
  Outcome o = parse({"state", "--root", "/r", "id1"});
  CHECK(o.code == 1);
  CHECK(mentions(o.err, "--root"));
}

TEST_CASE("command line: --log-format takes text or json only") {
  Outcome o = parse({"--log-format", "yaml", "list"});
  CHECK(o.code == 1);
  CHECK(mentions(o.err, "--log-format: yaml not in {text,json}"));
}

TEST_CASE("command line: each command maps to its Cmd") {
  const std::pair<std::vector<std::string>, Cmd> cases[] = {{{"create", "c"}, Cmd::Create},
                                                            {{"run", "c"}, Cmd::Run},
                                                            {{"start", "c"}, Cmd::Start},
                                                            {{"state", "c"}, Cmd::State},
                                                            {{"kill", "c"}, Cmd::Kill},
                                                            {{"delete", "c"}, Cmd::Delete},
                                                            {{"list"}, Cmd::List},
                                                            {{"spec"}, Cmd::Spec},
                                                            {{"features"}, Cmd::Features},
                                                            {{"ps", "c"}, Cmd::Ps},
                                                            {{"pause", "c"}, Cmd::Pause},
                                                            {{"resume", "c"}, Cmd::Resume},
                                                            {{"update", "c"}, Cmd::Update},
                                                            {{"events", "c"}, Cmd::Events},
                                                            {{"stats", "c"}, Cmd::Stats},
                                                            {{"wait", "c"}, Cmd::Wait},
                                                            {{"exec", "c", "true"}, Cmd::Exec},
                                                            {{"logs", "c"}, Cmd::Logs}};
  for (const auto& [args, cmd] : cases) {
    CAPTURE(args[0]);
    Outcome o = parse(args);
    CHECK(o.code == -1);
    CHECK(o.p.cmd == cmd);
  }
}

TEST_CASE("command line: a command that takes a container id refuses to go without one") {
  for (const char* c : {"create", "run", "start", "state", "kill", "delete", "pause", "resume", "update", "events",
                        "stats", "wait", "logs"}) {
    CAPTURE(std::string(c));
    Outcome o = parse({c});
    CHECK(o.code == 1);
    CHECK(mentions(o.err, "container-id is required"));
  }
}

TEST_CASE("command line: create's flags as runc's, and their defaults") {
  Outcome d = parse({"create", "c1"});
  REQUIRE(d.code == -1);
  CHECK(d.p.cf.id == "c1");
  CHECK(d.p.cf.bundle == ".");
  CHECK(d.p.cf.console_socket.empty());
  CHECK(d.p.cf.pid_file.empty());
  CHECK_FALSE(d.p.cf.no_pivot);
  CHECK_FALSE(d.p.cf.no_new_keyring);
  CHECK(d.p.cf.preserve_fds == 0);

  Outcome o = parse({"create", "-b", "/b", "--console-socket", "/s", "--pid-file=/p", "--no-pivot", "--no-new-keyring",
                     "--preserve-fds", "2", "c1"});
  REQUIRE(o.code == -1);
  CHECK(o.p.cf.bundle == "/b");
  CHECK(o.p.cf.console_socket == "/s");
  CHECK(o.p.cf.pid_file == "/p");
  CHECK(o.p.cf.no_pivot);
  CHECK(o.p.cf.no_new_keyring);
  CHECK(o.p.cf.preserve_fds == 2);
  CHECK(o.p.cf.id == "c1");
  CHECK(parse({"create", "--bundle", "/b2", "c1"}).p.cf.bundle == "/b2");
  // The id may come first, as runc allows.
  CHECK(parse({"create", "c1", "--bundle", "/b3"}).p.cf.bundle == "/b3");
}

TEST_CASE("command line: run has create's flags plus -d/--detach and --keep") {
  Outcome o = parse({"run", "-d", "--keep", "-b", "/b", "--preserve-fds", "1", "c1"});
  REQUIRE(o.code == -1);
  CHECK(o.p.cmd == Cmd::Run);
  CHECK(o.p.rf.detach);
  CHECK(o.p.rf.keep);
  CHECK(o.p.rf.bundle == "/b");
  CHECK(o.p.rf.preserve_fds == 1);
  CHECK(o.p.rf.id == "c1");
  CHECK(parse({"run", "--detach", "c1"}).p.rf.detach);
  Outcome fg = parse({"run", "c1"});
  CHECK_FALSE(fg.p.rf.detach);
  CHECK_FALSE(fg.p.rf.keep);
  // create has neither.
  Outcome c = parse({"create", "-d", "c1"});
  CHECK(c.code == 1);
  CHECK(mentions(c.err, "-d"));
}

TEST_CASE("command line: create and run take --isolation, a list left to the registry to check") {
  CHECK_FALSE(parse({"create", "c1"}).p.cf.isolation);  // the config's choice
  Outcome o = parse({"create", "--isolation", "cgroups,namespaces", "c1"});
  REQUIRE(o.code == -1);
  CHECK(o.p.cf.isolation == "cgroups,namespaces");
  CHECK(parse({"run", "--isolation=bogus", "c1"}).p.rf.isolation == "bogus");
  CHECK(parse({"create", "--isolation", "", "c1"}).p.cf.isolation == "");
  Outcome help = parse({"create", "--help"});
  CHECK(mentions(help.out, "linux/seccomp"));  // the names, from the registry
}

TEST_CASE("command line: --preserve-fds takes a number that is not negative") {
  for (const char* bad : {"-1", "abc"}) {
    CAPTURE(std::string(bad));
    Outcome o = parse({"create", "--preserve-fds", bad, "c1"});
    CHECK(o.code == 1);
    CHECK(mentions(o.err, "--preserve-fds"));
  }
}

TEST_CASE("command line: an unknown flag or an extra argument is refused, naming it") {
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{"list", "--bogus"}, "--bogus"},
      {{"create", "--bogus", "c1"}, "--bogus"},
      {{"update", "--memory", "1", "--bogus", "c1"}, "--bogus"},
      {{"delete", "-x", "c1"}, "-x"},
      {{"kill", "c1", "TERM", "extra"}, "extra"},
      {{"list", "-q", "extra"}, "extra"}};
  for (const auto& [args, bad] : cases) {
    CAPTURE(std::string(bad));
    Outcome o = parse(args);
    CHECK(o.code == 1);
    CHECK(mentions(o.err, std::string("not expected: ") + bad));
    CHECK(mentions(o.err, "Run with --help for more information."));
  }
}

TEST_CASE("command line: run --image takes the command after the id, options and all; without --image it is refused") {
  Outcome o = parse({"run", "-d", "--image", "busybox", "--image-backend", "copy", "c1", "sh", "-c", "echo -n hi"});
  REQUIRE(o.code == -1);
  CHECK(o.p.rf.id == "c1");
  CHECK(o.p.rf.image == "busybox");
  CHECK(o.p.rf.image_backend == "copy");
  CHECK(o.p.rf.detach);
  CHECK(o.p.rf.command == std::vector<std::string>{"sh", "-c", "echo -n hi"});
  Outcome bare = parse({"create", "c1", "sh"});
  CHECK(bare.code == 1);
  CHECK(mentions(bare.err, "not expected: sh (a command after the container id needs --image)"));
}

TEST_CASE("command line: kill takes an optional signal (default SIGTERM) and -a/--all") {
  Outcome d = parse({"kill", "c1"});
  REQUIRE(d.code == -1);
  CHECK(d.p.id == "c1");
  CHECK(d.p.sig == "SIGTERM");
  CHECK_FALSE(d.p.all);
  Outcome o = parse({"kill", "-a", "c1", "KILL"});
  REQUIRE(o.code == -1);
  CHECK(o.p.all);
  CHECK(o.p.sig == "KILL");
  CHECK(parse({"kill", "--all", "c1", "9"}).p.all);
}

TEST_CASE("command line: delete -f/--force") {
  CHECK_FALSE(parse({"delete", "c1"}).p.force);
  CHECK(parse({"delete", "-f", "c1"}).p.force);
  CHECK(parse({"delete", "--force", "c1"}).p.force);
}

TEST_CASE("command line: list -q/--quiet and -f/--format table or json") {
  Outcome o = parse({"list", "-q", "-f", "json"});
  REQUIRE(o.code == -1);
  CHECK(o.p.quiet);
  CHECK(o.p.format == "json");
  CHECK(parse({"list", "--quiet", "--format", "table"}).p.quiet);
  Outcome bad = parse({"list", "--format", "yaml"});
  CHECK(bad.code == 1);
  CHECK(mentions(bad.err, "--format: yaml not in {table,json}"));
}

TEST_CASE("command line: spec -b/--bundle and --rootless") {
  Outcome d = parse({"spec"});
  CHECK(d.p.bundle.empty());
  CHECK_FALSE(d.p.rootless);
  Outcome o = parse({"spec", "-b", "/b", "--rootless"});
  CHECK(o.p.bundle == "/b");
  CHECK(o.p.rootless);
  CHECK(parse({"spec", "--bundle", "/c"}).p.bundle == "/c");
}

TEST_CASE("command line: ps keeps its own options before the id and passes the rest to ps(1)") {
  Outcome o = parse({"ps", "-f", "json", "c1"});
  REQUIRE(o.code == -1);
  CHECK(o.p.format == "json");
  CHECK(o.p.ps_args == std::vector<std::string>{"c1"});
  Outcome a = parse({"ps", "c1", "-o", "pid,comm", "-f"});
  REQUIRE(a.code == -1);
  CHECK(a.p.format == "table");
  CHECK(a.p.ps_args == std::vector<std::string>{"c1", "-o", "pid,comm", "-f"});
  Outcome dd = parse({"ps", "--format", "table", "c1", "--", "-ef"});
  REQUIRE(dd.code == -1);
  CHECK(dd.p.ps_args == std::vector<std::string>{"c1", "--", "-ef"});
  CHECK(parse({"ps", "-f", "yaml", "c1"}).code == 1);
}

TEST_CASE("command line: exec takes runc's flags before the id, and the command after it whatever it looks like") {
  Outcome o = parse({"exec",
                     "-d",
                     "-t",
                     "--console-socket",
                     "/s",
                     "--pid-file",
                     "/p",
                     "--cwd",
                     "/w",
                     "-e",
                     "A=1",
                     "--env",
                     "B=2",
                     "-u",
                     "5:6",
                     "-g",
                     "7",
                     "--additional-gids",
                     "8",
                     "--process-label",
                     "l",
                     "--apparmor",
                     "a",
                     "--no-new-privs",
                     "-c",
                     "CAP_CHOWN",
                     "--cap",
                     "CAP_KILL",
                     "--preserve-fds",
                     "2",
                     "--cgroup",
                     "pids:sub",
                     "--cgroup",
                     "x",
                     "--ignore-paused",
                     "c1",
                     "sh",
                     "-c",
                     "exit 3",
                     "-d"});
  REQUIRE(o.code == -1);
  const cli::ExecFlags& f = o.p.xf;
  CHECK(f.id == "c1");
  CHECK(f.args == std::vector<std::string>{"sh", "-c", "exit 3", "-d"});
  CHECK(f.detach);
  CHECK(f.tty);
  CHECK(f.console_socket == "/s");
  CHECK(f.pid_file == "/p");
  CHECK(f.cwd == "/w");
  CHECK(f.env == std::vector<std::string>{"A=1", "B=2"});
  CHECK(f.user == "5:6");
  CHECK(f.additional_gids == std::vector<int64_t>{7, 8});
  CHECK(f.process_label == "l");
  CHECK(f.apparmor == "a");
  CHECK(f.no_new_privs);
  CHECK(f.caps == std::vector<std::string>{"CAP_CHOWN", "CAP_KILL"});
  CHECK(f.preserve_fds == 2);
  CHECK(f.cgroups == std::vector<std::string>{"pids:sub", "x"});
  CHECK(f.ignore_paused);
  Outcome p = parse({"exec", "-p", "/proc.json", "c1"});
  REQUIRE(p.code == -1);
  CHECK(p.p.xf.process == "/proc.json");
  CHECK(p.p.xf.args.empty());
  Outcome dd = parse({"exec", "c1", "--", "ls", "--", "-l"});
  REQUIRE(dd.code == -1);
  CHECK(dd.p.xf.args == std::vector<std::string>{"ls", "--", "-l"});
  Outcome none = parse({"exec"});
  CHECK(none.code == 1);
  CHECK(mentions(none.err, "a container id is required"));
}

TEST_CASE("command line: logs -f/--follow and -n/--tail; create and run take --logs and its settings") {
  Outcome o = parse({"logs", "-f", "--tail", "5", "c1"});
  REQUIRE(o.code == -1);
  CHECK(o.p.lf.id == "c1");
  CHECK(o.p.lf.follow);
  CHECK(o.p.lf.tail == 5);
  Outcome d = parse({"logs", "c1"});
  CHECK_FALSE(d.p.lf.follow);
  CHECK(d.p.lf.tail == -1);
  CHECK(parse({"logs", "-n", "-1", "c1"}).code == 1);
  for (const char* c : {"create", "run"}) {
    CAPTURE(std::string(c));
    Outcome r = parse({c, "--logs", "--logs-path", "/l", "--logs-max-size", "1M", "--logs-max-files", "4", "c1"});
    REQUIRE(r.code == -1);
    const cli::CreateFlags& f = std::string(c) == "create" ? r.p.cf : r.p.rf;
    CHECK(f.logs);
    CHECK(f.logs_path == "/l");
    CHECK(f.logs_max_size == "1M");
    CHECK(f.logs_max_files == 4);
    Outcome n = parse({c, "c1"});
    const cli::CreateFlags& g = std::string(c) == "create" ? n.p.cf : n.p.rf;
    CHECK_FALSE(g.logs);
    CHECK(g.logs_max_size == "10M");
    CHECK(g.logs_max_files == 2);
    CHECK(parse({c, "--logs-max-files", "0", "c1"}).code == 1);
  }
  CHECK(cli::parse_size("10M", "--x").value() == 10L << 20);
  CHECK(cli::parse_size("512k", "--x").value() == 512L << 10);
  CHECK(cli::parse_size("4096", "--x").value() == 4096);
  CHECK(cli::parse_size("1G", "--x").value() == 1L << 30);
  for (const char* bad : {"", "0", "-1", "10x", "M", "1.5M", "99999999999999G"}) {
    CAPTURE(std::string(bad));
    auto r = cli::parse_size(bad, "--logs-max-size");
    REQUIRE_FALSE(r.ok());
    CHECK(mentions(r.error().message(), "--logs-max-size"));
  }
}

TEST_CASE("command line: update's runc flags are kept as given, -r/--resources names a file or -") {
  Outcome o = parse({"update", "--memory", "1m", "--pids-limit", "10", "--cpu-quota=-1", "--cpuset-cpus", "0-1", "c1"});
  REQUIRE(o.code == -1);
  CHECK(o.p.uf.id == "c1");
  CHECK(o.p.uf.resources.empty());
  CHECK(o.p.uf.values == std::map<std::string, std::string>{
                             {"memory", "1m"}, {"pids-limit", "10"}, {"cpu-quota", "-1"}, {"cpuset-cpus", "0-1"}});
  CHECK(parse({"update", "-r", "-", "c1"}).p.uf.resources == "-");
  CHECK(parse({"update", "--resources", "/f", "c1"}).p.uf.resources == "/f");
  // Every flag runc 1.1's update has.
  for (const char* f :
       {"--blkio-weight", "--cpu-period", "--cpu-quota", "--cpu-share", "--cpu-rt-period", "--cpu-rt-runtime",
        "--cpuset-cpus", "--cpuset-mems", "--kernel-memory", "--kernel-memory-tcp", "--memory", "--memory-reservation",
        "--memory-swap", "--pids-limit", "--l3-cache-schema", "--mem-bw-schema", "--cpu-idle"}) {
    CAPTURE(std::string(f));
    Outcome u = parse({"update", f, "7", "c1"});
    CHECK(u.code == -1);
    CHECK(u.p.uf.values.at(std::string(f).substr(2)) == "7");
  }
}

TEST_CASE("command line: events --interval (default 5s) and --stats") {
  Outcome d = parse({"events", "c1"});
  REQUIRE(d.code == -1);
  CHECK(d.p.ef.id == "c1");
  CHECK(d.p.ef.interval == "5s");
  CHECK_FALSE(d.p.ef.stats);
  Outcome o = parse({"events", "--stats", "--interval", "250ms", "c1"});
  CHECK(o.p.ef.stats);
  CHECK(o.p.ef.interval == "250ms");
  Outcome bad = parse({"events", "--interval"});
  CHECK(bad.code == 1);
  CHECK(mentions(bad.err, "--interval"));
}

TEST_CASE("command line: an unknown command exits 1 naming it, also with -h or after global options") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"nosuch"},
                                               {"nosuch", "-h"},
                                               {"--root", "/r", "nosuch"},
                                               {"--root=/r", "nosuch"},
                                               {"--", "nosuch"},
                                               {"--debug", "nosuch", "create"}}) {
    CAPTURE(args.size());
    Outcome o = parse(args);
    CHECK(o.code == 1);
    CHECK(o.err == "berth: unknown command \"nosuch\" (see berth --help)\n");
    CHECK(o.out.empty());
  }
}

TEST_CASE("command line: runc's commands berth lacks say they are not supported yet") {
  for (const char* c : {"checkpoint", "restore"}) {
    CAPTURE(std::string(c));
    Outcome o = parse({c, "c1"});
    CHECK(o.code == 1);
    CHECK(o.err == std::string("berth: ") + c + " is not supported yet\n");
    CHECK(parse({"--root", "/r", c, "-h"}).code == 1);
  }
}

TEST_CASE("command line: no command is a usage error") {
  for (const std::vector<std::string>& args : {std::vector<std::string>{}, {"--root", "/r"}, {"--"}}) {
    Outcome o = parse(args);
    CHECK(o.code == 1);
    CHECK(mentions(o.err, "A subcommand is required"));
  }
}

TEST_CASE("command line: help and version print to stdout and exit 0") {
  Outcome h = parse({"--help"});
  CHECK(h.code == 0);
  CHECK(mentions(h.out, "Usage: berth"));
  for (const char* c : {"create", "run", "start", "state", "kill", "delete", "list", "spec", "features", "ps", "pause",
                        "resume", "update", "events", "stats", "wait"})
    CHECK(mentions(h.out, c));
  Outcome ch = parse({"create", "-h"});
  CHECK(ch.code == 0);
  CHECK(mentions(ch.out, "--preserve-fds"));
  CHECK(mentions(ch.out, "-b,--bundle"));
  for (const char* v : {"-v", "--version"}) {
    Outcome o = parse({v});
    CHECK(o.code == 0);
    CHECK(o.out.rfind("berth version " BERTH_VERSION "\nspec: 1.2.0\nlibseccomp: ", 0) == 0);
  }
}

TEST_CASE("command line: the re-execution scan finds create, run and exec as the first word past the globals") {
  const std::pair<std::vector<std::string>, bool> cases[] = {
      {{"create", "c1"}, true},
      {{"exec", "c1", "true"}, true},
      {{"--root", "/r", "exec", "-t", "c1", "sh"}, true},
      {{"run", "-d", "c1"}, true},
      {{"--root", "/r", "create", "c1"}, true},
      {{"--root=/r", "--debug", "run", "c1"}, true},
      {{"--log", "create", "state", "c1"}, false},  // "create" is --log's value
      {{"--log-format", "json", "create", "c1"}, true},
      {{"--criu", "x", "--rootless", "auto", "run", "c1"}, true},
      {{"--", "create", "c1"}, true},
      {{"state", "create"}, false},
      {{"list"}, false},
      {{"--root", "/r"}, false},
      {{}, false},
      {{"--"}, false},
      {{"creat", "c1"}, false},
  };
  for (const auto& [args, want] : cases) {
    CAPTURE(args.size());
    CAPTURE(args.empty() ? "" : args[0]);
    CHECK(enters(args) == want);
  }
}

TEST_CASE("command line: the scan agrees with the parse on which commands enter a container") {
  const std::vector<std::string> lines[] = {{"create", "c1"},
                                            {"--root", "/r", "run", "c1"},
                                            {"--log", "/l", "--debug", "create", "-b", "/b", "c1"},
                                            {"state", "c1"},
                                            {"--log-format=json", "kill", "c1"},
                                            {"--root", "/r", "list"},
                                            {"exec", "c1", "true"}};
  // Not "-- run": the scan takes the word after "--" as the command (runc runs it), while
  // CLI11 takes it as a positional and refuses the line.
  for (const auto& args : lines) {
    CAPTURE(args[0]);
    Outcome o = parse(args);
    REQUIRE(o.code == -1);
    CHECK(enters(args) == (o.p.cmd == Cmd::Create || o.p.cmd == Cmd::Run || o.p.cmd == Cmd::Exec));
  }
}

TEST_CASE("command line: the scan skips exactly the global options that take a value") {
  cli::Parsed p;
  CLI::App app;
  cli::define_command_line(app, p);
  int seen = 0;
  for (const CLI::Option* o : app.get_options()) {
    for (const std::string& name : o->get_lnames()) {
      CAPTURE(name);
      CHECK(cli::global_takes_value(("--" + name).c_str()) == (o->get_items_expected_max() > 0));
      seen++;
    }
  }
  CHECK(seen >= 8);  // help, version, root, log, log-format, debug, systemd-cgroup, criu, rootless
  CHECK_FALSE(cli::global_takes_value("--bundle"));
  CHECK_FALSE(cli::global_takes_value("-b"));
}

TEST_CASE("command line: a command defined alone has the options it has among all the others") {
  cli::Parsed all_p;
  CLI::App all;
  cli::define_command_line(all, all_p);
  auto describe = [](const CLI::App* a) {
    std::vector<std::string> out;
    for (const CLI::Option* o : a->get_options())
      out.push_back(o->get_name() + "/" + std::to_string(o->get_items_expected_max()) + (o->get_required() ? "!" : ""));
    return out;
  };
  auto subs = all.get_subcommands([](const CLI::App*) { return true; });
  CHECK(subs.size() == 19);
  for (const CLI::App* sub : subs) {
    CAPTURE(sub->get_name());
    cli::Parsed p;
    CLI::App alone;
    cli::define_command_line(alone, p, sub->get_name().c_str());
    auto only = alone.get_subcommands([](const CLI::App*) { return true; });
    REQUIRE(only.size() == 1);
    CHECK(only[0]->get_name() == sub->get_name());
    CHECK(describe(only[0]) == describe(sub));
    CHECK(describe(&alone) == describe(&all));  // the global options
  }
}

TEST_CASE("command line: help before the command is that command's help, as after it") {
  for (auto [before, after, mark] : {std::tuple<std::vector<std::string>, std::vector<std::string>, const char*>{
                                         {"--help", "run"}, {"run", "--help"}, "--keep"},
                                     {{"-h", "state", "x"}, {"state", "-h"}, "Usage: berth state"}}) {
    Outcome b = parse(before), a = parse(after);
    CHECK(b.code == 0);
    CHECK(b.out == a.out);
    CHECK(mentions(b.out, mark));
  }
}

TEST_CASE(
    "command line: the global options' values are found before the command word, for a line that does not parse") {
  auto value = [](std::vector<std::string> args, const char* option) {
    std::vector<char*> argv = make_argv(args);
    const char* v = cli::global_value(int(argv.size() - 1), argv.data(), option);
    return v ? std::string(v) : std::string("<none>");
  };
  CHECK(value({"--log", "/l", "create", "--bogus"}, "--log") == "/l");
  CHECK(value({"--log=/l", "--log-format", "json", "create"}, "--log") == "/l");
  CHECK(value({"--log=/l", "--log-format", "json", "create"}, "--log-format") == "json");
  CHECK(value({"--root", "/r", "--log", "/a", "--log", "/b", "x"}, "--log") == "/b");  // the last, as the parse
  CHECK(value({"create", "--log", "/l"}, "--log") == "<none>");                        // after the word: not a global
  CHECK(value({"--debug", "state", "x"}, "--log") == "<none>");
  CHECK(value({"--log-format=json", "x"}, "--log") == "<none>");  // a prefix is no match
}

TEST_CASE("command line: berth-runc, by any path, is the supervised name; berth is not") {
  CHECK(cli::supervised_name("berth-runc"));
  CHECK(cli::supervised_name("/usr/local/bin/berth-runc"));
  CHECK_FALSE(cli::supervised_name("/usr/local/bin/berth"));
  CHECK_FALSE(cli::supervised_name("berth-runc-old"));
  CHECK_FALSE(cli::supervised_name("/opt/berth-runc/berth"));
  CHECK_FALSE(cli::supervised_name(nullptr));
}
