// create, start, state, kill, delete, list, spec, features, ps, pause, resume.
#include <fcntl.h>
#include <spawn.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>

#include "images/backend.hpp"
#include "isolators/linux/capabilities/caps.hpp"
#include "isolators/linux/seccomp/compile.hpp"
#include "isolators/network/cni/state.hpp"
#include "isolators/registry.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/launcher/process_attrs.hpp"
#include "libcontainer/spec/known_names.hpp"
#include "libcontainer/spec/default_spec.hpp"
#include "libcontainer/spec/parse.hpp"
#include "runtime/commands.hpp"

namespace berth::cli {

namespace {

// berth-shim lives beside the berth binary.
std::string shim_path(const Globals& g) {
  const std::string& p = g.self_exe;
  if (p.empty()) return "berth-shim";
  return p.substr(0, p.rfind('/') + 1) + "berth-shim";
}

void print(const std::string& s) { fwrite(s.data(), 1, s.size(), stdout); }

isolators::Deps deps_of(const Globals& g) {
  return {*g.kernel, cgroup::host_layout, [&g](const std::string& m) { g.log->warn(m); }};
}

Result<launcher::Created> create_from_bundle(const Globals& g, const CreateFlags& f, const std::string& bundle,
                                             bool keep_console, bool shim, IsolatorList* for_delete) {
  launcher::CreateOptions o;
  auto config = BERTH_TRY(spec::load_config(bundle.empty() ? "." : bundle, &o.config_text));
  BERTH_CHECK(apply_network_flags(f, config));
  o.id = f.id;
  o.bundle = bundle;
  o.console_socket = f.console_socket;
  o.pid_file = f.pid_file;
  o.no_pivot = f.no_pivot;
  o.no_new_keyring = f.no_new_keyring;
  o.preserve_fds = f.preserve_fds;
  o.preserved_open = f.preserved_open;
  o.keep_console = keep_console;
  if (shim) o.shim_path = shim_path(g);
  if (f.logs || !f.logs_path.empty()) {
    if (!shim)
      return Error(Code::Config, g.supervised ? "--logs: under a supervisor (berth-runc) the output is the supervisor's"
                                              : "--logs needs a container that outlives this command (create, run -d)");
    o.log_path = f.logs_path.empty() ? g.store().dir(f.id) + "/container.log" : f.logs_path;
    if (o.log_path[0] != '/') {
      char cwd[4096];
      if (!getcwd(cwd, sizeof cwd)) return sys_error(errno, "getcwd");
      o.log_path = std::string(cwd) + "/" + o.log_path;
    }
    o.log_max_size = BERTH_TRY(parse_size(f.logs_max_size, "--logs-max-size"));
    o.log_max_files = f.logs_max_files;
  }
  if (g.debug) o.debug = [&g](const std::string& line) { g.log->debug(line); };
  o.warn = [&g](const std::string& line) { g.log->warn(line); };
  state::Store store = g.store();
  auto names = BERTH_TRY(isolators::choose(config, f.isolation));
  auto isos = isolators::make(names, deps_of(g));
  if (for_delete) *for_delete = isolators::make(names, deps_of(g));
  return launcher::create(store, o, config, isos);
}

}  // namespace

Result<launcher::Created> create_from_flags(const Globals& g, const CreateFlags& f, bool keep_console, bool shim,
                                            IsolatorList* for_delete) {
  std::string image_dir = BERTH_TRY(image_bundle(g, f));
  auto made = create_from_bundle(g, f, image_dir.empty() ? f.bundle : image_dir, keep_console, shim, for_delete);
  if (!made.ok() && !image_dir.empty()) (void)images::remove_bundle_of(image_dir, f.id);
  return made;
}

IsolatorList isolators_of(const Globals& g, const std::string& id) {
  return isolators::make_recorded(g.store().dir(id), deps_of(g));
}

std::string hold_preserved_fds(int n) {
  std::string open(size_t(std::max(n, 0)), '1');
  for (int i = 0; i < n; i++) {
    if (fcntl(3 + i, F_GETFD) >= 0) continue;
    open[size_t(i)] = '0';
    int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fd != 3 + i) {
      dup3(fd, 3 + i, O_CLOEXEC);
      close(fd);
    }
  }
  return open;
}

Result<long> parse_size(const std::string& s, const std::string& flag) {
  char* end = nullptr;
  errno = 0;
  long long v = s.empty() || !isdigit(static_cast<unsigned char>(s[0])) ? 0 : strtoll(s.c_str(), &end, 10);
  long long unit = 1;
  if (end && *end) {
    std::string u(end);
    if (u == "k" || u == "K" || u == "kB" || u == "KiB")
      unit = 1LL << 10;
    else if (u == "m" || u == "M" || u == "MB" || u == "MiB")
      unit = 1LL << 20;
    else if (u == "g" || u == "G" || u == "GB" || u == "GiB")
      unit = 1LL << 30;
    else
      unit = 0;
  }
  if (v <= 0 || errno || unit == 0 || v > (1LL << 40) / unit)
    return Error(Code::Config, flag + " " + s + ": not a size (a number of bytes, or with k, M or G)");
  return long(v * unit);
}

bool supervised_name(const char* argv0) {
  if (!argv0) return false;
  const char* slash = strrchr(argv0, '/');
  return strcmp(slash ? slash + 1 : argv0, kSupervisedName) == 0;
}

Result<int> cmd_create(const Globals& g, const CreateFlags& f) {
  BERTH_TRY(create_from_flags(g, f, false, !g.supervised, nullptr));
  return 0;
}

Result<int> cmd_start(const Globals& g, const std::string& id) {
  std::vector<std::string> warnings;
  BERTH_CHECK(launcher::start(g.store(), id, &warnings));
  for (const auto& w : warnings) g.log->warn(w);
  return 0;
}

Result<int> cmd_state(const Globals& g, const std::string& id) {
  state::Store store = g.store();
  auto st = BERTH_TRY(store.read(id));
  if (auto rec = state::read_exit_record(store.dir(id))) st.limitations = rec->limitations;
  st.shim_gone = st.shim_pid > 0 && g.kernel->start_time(st.shim_pid) != st.shim_start_time;
  // Its CNI networks: interfaces, addresses, ports (inspect-network has the results too).
  if (cni::read_section(st)) st.shown.push_back({"network", cni::summary(store.dir(id), st)});
  print(state::oci_state_json(st, state::current_status(store, st), true) + "\n");
  return 0;
}

// {"exitCode":137,"signal":9,"oomKilled":false,"exitedAt":"...","limitations":{...}}:
// at once for a container that has exited (long ago too), else once it does.
Result<int> cmd_wait(const Globals& g, const std::string& id) {
  state::ExitRecord r = BERTH_TRY(launcher::wait_for_exit(g.store(), id));
  json::Writer w;
  w.begin_object()
      .field_int("exitCode", r.exit_code)
      .field_int("signal", r.signal)
      .field_bool("oomKilled", r.limitations.count("oom") > 0);
  if (!r.exited_at.empty()) w.field("exitedAt", r.exited_at);
  state::write_limitations(w, r.limitations);
  w.end_object();
  print(w.str() + "\n");
  return 0;
}

Result<int> parse_signal(const std::string& s) {
  if (s.empty()) return Error(Code::Config, "empty signal");
  if (isdigit(static_cast<unsigned char>(s[0]))) {
    char* end;
    long v = strtol(s.c_str(), &end, 10);
    // 0 sends nothing but checks that the init is alive (kill(2)), as runc.
    if (*end || v < 0 || v > SIGRTMAX) return Error(Code::Config, "invalid signal: " + s);
    return int(v);
  }
  std::string n = s;
  for (auto& c : n) c = char(toupper(static_cast<unsigned char>(c)));
  if (n.rfind("SIG", 0) == 0) n = n.substr(3);
  for (int i = 1; i < NSIG; i++) {
    const char* abbrev = sigabbrev_np(i);
    if (abbrev && n == abbrev) return i;
  }
  return Error(Code::Config, "unknown signal \"" + s + "\"");
}

Result<int> cmd_kill(const Globals& g, const std::string& id, const std::string& sig, bool all) {
  int signo = BERTH_TRY(parse_signal(sig));
  if (all)
    BERTH_CHECK(launcher::kill_all(g.store(), id, signo));
  else
    BERTH_CHECK(launcher::kill(g.store(), id, signo));
  return 0;
}

namespace {

// Runs argv (searched in PATH) with stdout and stderr into one string, as
// runc's CombinedOutput; the exit status in *status (wait(2)'s).
Result<std::string> run_combined(const std::vector<std::string>& args, int* status) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return sys_error(errno, "pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, wr.get(), 2);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int err = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (err) return sys_error(err, "run " + args[0]);
  wr.reset();
  std::string out = state::read_all(rd.get()).value_or("");
  while (waitpid(pid, status, 0) < 0 && errno == EINTR) {
  }
  return out;
}

std::vector<std::string> fields_of(const std::string& line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && isspace(static_cast<unsigned char>(line[i]))) i++;
    size_t j = i;
    while (j < line.size() && !isspace(static_cast<unsigned char>(line[j]))) j++;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

Result<int> cmd_ps(const Globals& g, const std::string& format, const std::vector<std::string>& args) {
  if (args.empty()) return Error(Code::Config, "\"ps\" requires a minimum of 1 argument(s)");
  const std::string& id = args[0];
  auto pids = BERTH_TRY(launcher::processes(g.store(), id));
  if (format == "json") {
    // runc's shape: a JSON array of the pids, null when there are none.
    if (pids.empty()) {
      print("null\n");
      return 0;
    }
    std::string out = "[";
    for (size_t i = 0; i < pids.size(); i++) out += (i ? "," : "") + std::to_string(pids[i]);
    print(out + "]\n");
    return 0;
  }
  std::vector<std::string> cmd = {"ps"};
  size_t first = args.size() > 1 && args[1] == "--" ? 2 : 1;
  cmd.insert(cmd.end(), args.begin() + long(first), args.end());
  if (cmd.size() == 1) cmd.push_back("-ef");
  int status = 0;
  std::string out = BERTH_TRY(run_combined(cmd, &status));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string how = WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status))
                                        : "ps killed by signal " + std::to_string(WTERMSIG(status));
    return Error(Code::Child, how + ": " + out);
  }
  // ps's header, then its rows whose PID column is one of the container's.
  size_t eol = out.find('\n');
  std::string header = out.substr(0, eol);
  auto titles = fields_of(header);
  auto col = std::find(titles.begin(), titles.end(), "PID");
  if (col == titles.end()) return Error(Code::Child, "couldn't find PID field in ps output");
  size_t index = size_t(col - titles.begin());
  std::string table = header + "\n";
  size_t at = eol == std::string::npos ? out.size() : eol + 1;
  while (at < out.size()) {
    size_t end = out.find('\n', at);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(at, end - at);
    at = end + 1;
    if (line.empty()) continue;
    auto f = fields_of(line);
    char* stop = nullptr;
    long pid = index < f.size() ? strtol(f[index].c_str(), &stop, 10) : 0;
    if (index >= f.size() || f[index].empty() || *stop) {
      print(table);
      return Error(Code::Child, "unable to parse pid: \"" + (index < f.size() ? f[index] : std::string()) + "\"");
    }
    if (std::binary_search(pids.begin(), pids.end(), pid_t(pid))) table += line + "\n";
  }
  print(table);
  return 0;
}

Result<int> cmd_pause(const Globals& g, const std::string& id) {
  BERTH_CHECK(launcher::pause(g.store(), id));
  return 0;
}

Result<int> cmd_resume(const Globals& g, const std::string& id) {
  BERTH_CHECK(launcher::resume(g.store(), id));
  return 0;
}

Result<int> cmd_delete(const Globals& g, const std::string& id, bool force) {
  auto isos = isolators_of(g, id);
  std::vector<std::string> warnings;
  BERTH_CHECK(launcher::remove(g.store(), id, force, isos, &warnings));
  for (const auto& w : warnings) g.log->warn(w);
  return 0;
}

// The name /etc/passwd gives uid, as runc's `list` reads it (not through
// NSS, which a static binary cannot load); "#UID" when it names none.
static std::string owner_name(uid_t uid) {
  std::ifstream passwd("/etc/passwd");
  for (std::string line; std::getline(passwd, line);) {
    size_t c1 = line.find(':'), c2 = c1 == std::string::npos ? c1 : line.find(':', c1 + 1);
    if (c2 == std::string::npos) continue;
    char* end;
    unsigned long u = strtoul(line.c_str() + c2 + 1, &end, 10);
    if (end != line.c_str() + c2 + 1 && *end == ':' && u == uid) return line.substr(0, c1);
  }
  return "#" + std::to_string(uid);
}

Result<int> cmd_list(const Globals& g, bool quiet, const std::string& format) {
  state::Store store = g.store();
  struct Row {
    state::ContainerState st;
    state::RunState status;
    std::string owner;
  };
  std::vector<Row> rows;
  std::map<uid_t, std::string> owners;  // /etc/passwd read once per uid, not per container
  for (const auto& id : store.list_ids()) {
    auto st = store.read(id);
    if (!st.ok()) continue;  // being created or half-deleted
    struct stat sb;
    std::string owner;
    if (stat(store.dir(id).c_str(), &sb) == 0) {
      auto it = owners.find(sb.st_uid);
      if (it == owners.end()) it = owners.emplace(sb.st_uid, owner_name(sb.st_uid)).first;
      owner = it->second;
    }
    auto status = state::current_status(store, *st);
    // A row keeps what is shown: not the isolators' sections, nor the parsed record.
    st->sections.clear();
    st->section_values.clear();
    st->parsed.reset();
    rows.push_back({std::move(*st), status, owner});
  }
  if (quiet) {
    for (const auto& r : rows) print(r.st.id + "\n");
    return 0;
  }
  if (format == "json") {
    if (rows.empty()) {
      print("null\n");
      return 0;
    }
    json::Writer w;
    w.begin_array();
    for (auto& r : rows) {
      r.st.owner = r.owner;
      state::write_oci_state(w, r.st, r.status);
    }
    w.end_array();
    print(w.str() + "\n");
    return 0;
  }
  // runc's tabwriter layout: min width 12, padding 3, last column unpadded.
  std::vector<std::vector<std::string>> cells = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const auto& r : rows)
    cells.push_back({r.st.id, std::to_string(r.status == state::RunState::Stopped ? 0 : r.st.pid),
                     state::status_name(r.status), r.st.bundle, r.st.created, r.owner});
  std::vector<size_t> width(6, 0);
  for (const auto& row : cells)
    for (size_t i = 0; i < 5; i++) width[i] = std::max(width[i], std::max<size_t>(row[i].size() + 3, 12));
  for (const auto& row : cells) {
    std::string line;
    for (size_t i = 0; i < 5; i++) line += row[i] + std::string(width[i] - row[i].size(), ' ');
    print(line + row[5] + "\n");
  }
  return 0;
}

Result<int> cmd_spec(const std::string& bundle, bool rootless) {
  std::string path = (bundle.empty() ? std::string(".") : bundle) + "/config.json";
  struct stat st;
  if (stat(path.c_str(), &st) == 0) return Error(Code::Exists, "File " + path + " exists. Remove it first");
  std::string text = spec::default_spec_json(rootless);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) return sys_error(errno, "create " + path);
  bool ok = write(fd, text.data(), text.size()) == ssize_t(text.size());
  close(fd);
  if (!ok) return sys_error(errno, "write " + path);
  return 0;
}

// The architectures a filter on this host can hold: libseccomp refuses to mix
// byte orders (EDOM for SCMP_ARCH_PPC64 next to x86_64), so listing those would
// advertise what create then refuses.
static std::vector<std::string> usable_seccomp_architectures() {
  std::vector<std::string> out;
  for (const auto& arch : seccomp::known_architectures()) {
    spec::Seccomp probe;
    probe.default_action = "SCMP_ACT_ALLOW";
    probe.architectures = {arch};
    if (seccomp::compile_seccomp(probe).ok()) out.push_back(arch);
  }
  return out;
}

Result<int> cmd_features() {
  json::Writer w(json::Writer::Options{"    ", false});
  w.begin_object().field("ociVersionMin", "1.0.0").field("ociVersionMax", "1.2.0");
  w.field_strings("hooks", {"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"});
  w.field_strings("mountOptions", {"async",       "atime",       "bind",           "defaults",  "dev",
                                   "diratime",    "dirsync",     "exec",           "lazytime",  "mand",
                                   "noatime",     "nodev",       "nodiratime",     "noexec",    "nolazytime",
                                   "nomand",      "norelatime",  "nostrictatime",  "nosuid",    "nosymfollow",
                                   "private",     "ratime",      "rbind",          "rdev",      "rdiratime",
                                   "relatime",    "rexec",       "rnoatime",       "rnodev",    "rnodiratime",
                                   "rnoexec",     "rnorelatime", "rnostrictatime", "rnosuid",   "rnosymfollow",
                                   "ro",          "rprivate",    "rrelatime",      "rro",       "rrw",
                                   "rshared",     "rslave",      "rstrictatime",   "rsuid",     "rsymfollow",
                                   "runbindable", "rw",          "shared",         "slave",     "strictatime",
                                   "suid",        "symfollow",   "sync",           "tmpcopyup", "unbindable"});
  w.key("linux").begin_object();
  w.field_strings("namespaces", {"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"});
  int last = capabilities::read_last_cap();
  w.field_strings("capabilities", capabilities::known_capability_names(last < 0 ? 40 : last));
  w.key("cgroup")
      .begin_object()
      .field_bool("v1", true)
      .field_bool("v2", true)
      .field_bool("systemd", false)
      .field_bool("systemdUser", false)
      .field_bool("rdma", true)
      .end_object();
  w.key("seccomp").begin_object().field_bool("enabled", true);
  w.field_strings("actions", seccomp::known_actions());
  w.field_strings("operators", seccomp::known_operators());
  w.field_strings("archs", usable_seccomp_architectures());
  w.field_strings("knownFlags", seccomp::known_flags());
  w.field_strings("supportedFlags", seccomp::known_flags());
  w.end_object();
  // Labels are applied where the host has the LSM and refused where it has not.
  launcher::HostFacts host = launcher::probe_host_facts();
  w.key("apparmor").begin_object().field_bool("enabled", host.apparmor).end_object();
  w.key("selinux").begin_object().field_bool("enabled", host.selinux).end_object();
  w.key("intelRdt").begin_object().field_bool("enabled", false).end_object();
  w.key("memoryPolicy").begin_object();
  w.field_strings("modes", spec::memory_policy_modes());
  w.field_strings("flags", spec::memory_policy_flags());
  w.end_object();
  w.key("mountExtensions")
      .begin_object()
      .key("idmap")
      .begin_object()
      .field_bool("enabled", true)
      .end_object()
      .end_object();
  w.key("netDevices").begin_object().field_bool("enabled", false).end_object();
  w.end_object();
  w.key("annotations")
      .begin_object()
      .field("org.opencontainers.runtime-spec.features.berth.version", BERTH_VERSION)
      .end_object();
  w.end_object();
  print(w.str() + "\n");
  return 0;
}

}  // namespace berth::cli
