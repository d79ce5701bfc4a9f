// The init's process setup (prepare_process, exec_process) in a forked child
// of the test: rlimits, umask, oom_score_adj, groups and ids, capabilities,
// the cwd, no_new_privs, the fds kept for --preserve-fds, the lookup of the
// program; and the ChildError of each step that fails. Needs root.
#include "libcontainer/child/process_setup.hpp"

#include "libcontainer/child/caps.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <string>

#include "tests/unit/child/child_run.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;

namespace {

char kTrue[] = "/bin/true";
char* kTrueArgv[] = {kTrue, nullptr};
char kEnvPath[] = "PATH=/usr/bin:/bin";
char* kEnv[] = {kEnvPath, nullptr};

int last_cap() { return std::stoi(test::slurp("/proc/sys/kernel/cap_last_cap")); }

// The test's own permitted set (root's here, less what the host withholds).
uint64_t own_caps() {
  std::string s = test::slurp("/proc/self/status");
  size_t at = s.find("CapPrm:");
  return at == std::string::npos ? 0 : std::stoull(s.substr(at + 7), nullptr, 16);
}

// A plan that runs /bin/true as root in dir (kept by the caller), changing nothing else.
child::ChildPlan process_plan(const char* dir) {
  child::ChildPlan p = test::empty_plan();
  p.argv = kTrueArgv;
  p.envp = kEnv;
  p.path_env = "/usr/bin:/bin";
  p.cwd = dir;
  p.last_cap = last_cap();
  p.caps.bounding = p.caps.effective = p.caps.permitted = own_caps();
  return p;
}

int proc_fd() { return open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC); }

std::string status_field(const char* key) {
  std::string s = test::slurp("/proc/self/status");
  size_t at = s.find(key);
  return at == std::string::npos ? "" : s.substr(at, s.find('\n', at) - at);
}

}  // namespace

TEST_CASE("ROOT_child process: prepare_process applies ids, groups, caps, rlimits, umask, cwd and the fds") {
  test::TempTree t;
  t.mkdirs("work");
  std::string cwd = t.at("work/new/dir");  // made as runc makes a missing cwd
  child::ChildPlan p = process_plan(cwd.c_str());
  gid_t groups[] = {65534, 100};
  p.uid = 65534;
  p.gid = 65534;
  p.groups = groups;
  p.n_groups = 2;
  p.set_groups = true;
  p.caps = {};  // every set empty
  p.umask = 027;
  p.no_new_privs = true;
  p.has_oom_score_adj = true;
  p.oom_score_adj = 500;
  child::ChildRlimit rl[] = {{RLIMIT_CORE, 1000, 2000, 0}, {RLIMIT_NOFILE, 64, 128, 1}};
  p.rlimits = rl;
  p.n_rlimits = 2;
  p.preserve_fds = 2;
  p.preserved_open = "10";  // fd 3 the caller's, fd 4 a placeholder of the CLI's
  auto r = test::run_in_child(p, [&](int out) {
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    dup3(null, 3, O_CLOEXEC);
    dup3(null, 4, O_CLOEXEC);
    dup2(null, 10);  // no close-on-exec: a leak the init must not pass on
    rlimit nofile_before;
    getrlimit(RLIMIT_NOFILE, &nofile_before);
    child::ExecTarget target = child::prepare_process(p, proc_fd());
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    getresuid(&ru, &eu, &su);
    getresgid(&rg, &eg, &sg);
    gid_t got[8];
    int ng = getgroups(8, got);
    rlimit core, nofile;
    getrlimit(RLIMIT_CORE, &core);
    getrlimit(RLIMIT_NOFILE, &nofile);
    char dir[4096] = "";
    (void)!getcwd(dir, sizeof dir);
    test::report(out, "ids " + std::to_string(ru) + " " + std::to_string(eu) + " " + std::to_string(su) + " " +
                          std::to_string(rg) + " " + std::to_string(eg) + " " + std::to_string(sg));
    std::string gs = "groups";
    for (int i = 0; i < ng; i++) gs += " " + std::to_string(got[i]);
    test::report(out, gs);
    test::report(out, "umask " + std::to_string(umask(0)));
    test::report(out, "nnp " + std::to_string(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)));
    test::report(out, "core " + std::to_string(core.rlim_cur) + " " + std::to_string(core.rlim_max));
    test::report(
        out, std::string("nofile ") +
                 (nofile.rlim_cur == nofile_before.rlim_cur && nofile.rlim_max == nofile_before.rlim_max ? "unchanged"
                                                                                                         : "changed"));
    test::report(out, "oom " + test::slurp("/proc/self/oom_score_adj").substr(0, 3));
    test::report(out, std::string("cwd ") + dir);
    test::report(out, status_field("CapEff:"));
    test::report(out, status_field("CapBnd:"));
    test::report(out, "fds " + std::to_string(fcntl(3, F_GETFD)) + " " + std::to_string(fcntl(4, F_GETFD)) + " " +
                          std::to_string(fcntl(10, F_GETFD)));
    test::report(out, std::string("target ") + target.path + " " + (target.fd >= 0 ? "fd" : "nofd"));
  });
  CHECK_FALSE(r.failed);
  CAPTURE(r.error.step);
  CHECK(r.status == 0);
  CHECK(r.report ==
        "ids 65534 65534 65534 65534 65534 65534\n"
        "groups 100 65534\n"  // sorted by the kernel
        "umask 23\n"          // 027
        "nnp 1\n"
        "core 1000 2000\n"
        "nofile unchanged\n"  // RLIMIT_NOFILE is set just before exec
        "oom 500\n"
        "cwd " +
            cwd +
            "\n"
            "CapEff:\t0000000000000000\n"
            "CapBnd:\t0000000000000000\n"
            "fds 0 -1 1\n"  // 3 kept open across exec, 4 closed, 10 close-on-exec
            "target /bin/true fd\n");
}

TEST_CASE("ROOT_child process: exec_process sets RLIMIT_NOFILE last and runs the program with its env") {
  test::TempTree t;
  t.mkdirs("work");
  t.touch("work/script");
  {
    std::string body = "#!/bin/sh\nulimit -Sn; ulimit -Hn; echo \"$FOO\"; pwd\n";
    int fd = open(t.at("work/script").c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    REQUIRE(write(fd, body.data(), body.size()) == ssize_t(body.size()));
    close(fd);
    chmod(t.at("work/script").c_str(), 0755);
  }
  std::string work = t.at("work");
  child::ChildPlan p = process_plan(work.c_str());
  std::string script = t.at("work/script");
  char* argv[] = {script.data(), nullptr};
  char foo[] = "FOO=bar";
  char* env[] = {kEnvPath, foo, nullptr};
  p.argv = argv;
  p.envp = env;
  child::ChildRlimit rl[] = {{RLIMIT_NOFILE, 64, 128, 0}};
  p.rlimits = rl;
  p.n_rlimits = 1;
  auto r = test::run_in_child(p, [&](int out) {
    child::ExecTarget target = child::prepare_process(p, proc_fd());
    dup2(out, 1);
    child::exec_process(p, target);
  });
  CAPTURE(r.error.step);
  CHECK_FALSE(r.failed);
  CHECK(r.status == 0);
  CHECK(r.report == "64\n128\nbar\n" + t.at("work") + "\n");
}

namespace {

// One way prepare_process fails: how the plan (and the process, in the
// child, before the call) are set up, and the ChildError it must send.
struct FailCase {
  const char* what;
  std::function<void(child::ChildPlan&)> setup;
  int sys_errno;
  std::string step;
  const char* json_path;
  std::function<void(const child::ChildPlan&)> before = nullptr;
};

}  // namespace

TEST_CASE("ROOT_child process: each failed step names itself, its errno and its config field") {
  test::TempTree t;
  t.touch("file");
  t.mkdirs("dir");
  static std::string file, dir;
  file = t.at("file");
  dir = t.at("dir");
  static child::ChildRlimit bad_rlimits[] = {{RLIMIT_CORE, 0, 0, 0}, {RLIMIT_NPROC, 20, 10, 1}};
  static char missing[] = "berth-no-such-program";
  static char* missing_argv[] = {missing, nullptr};
  struct stat true_st;
  REQUIRE(stat(kTrue, &true_st) == 0);
  const uint64_t sys_admin = uint64_t{1} << 21;
  const FailCase cases[] = {
      {"a cwd that is a file", [](child::ChildPlan& p) { p.cwd = file.c_str(); }, ENOTDIR, "chdir to cwd " + file,
       "/process/cwd"},
      {"an rlimit whose soft value is above its hard one",
       [](child::ChildPlan& p) { p.rlimits = bad_rlimits, p.n_rlimits = 2; }, EINVAL, "setrlimit",
       "/process/rlimits/1"},
      {"an oom_score_adj out of range", [](child::ChildPlan& p) { p.has_oom_score_adj = true, p.oom_score_adj = 5000; },
       EINVAL, "write oom_score_adj", "/process/oomScoreAdj"},
      {"a program not in $PATH", [](child::ChildPlan& p) { p.argv = missing_argv; }, ENOENT,
       "exec: \"berth-no-such-program\": executable file not found in $PATH", "/process/args/0"},
      {"the runtime's own binary",
       [&](child::ChildPlan& p) { p.self_exe_dev = true_st.st_dev, p.self_exe_ino = true_st.st_ino; }, EPERM,
       "refusing to execute the runtime binary: /bin/true", "/process/args/0"},
      {"a capability the process no longer has", [](child::ChildPlan&) {}, EPERM, "capset", "/process/capabilities",
       [sys_admin](const child::ChildPlan& p) {
         child::CapMasks less = p.caps;
         less.permitted &= ~sys_admin;
         less.effective &= ~sys_admin;
         const char* step;
         if (child::apply_capabilities(less, p.last_cap, &step) < 0) _exit(5);
       }},
  };
  for (const FailCase& c : cases) {
    CAPTURE(std::string(c.what));
    child::ChildPlan p = process_plan(dir.c_str());
    c.setup(p);
    auto r = test::run_in_child(p, [&](int) {
      if (c.before) c.before(p);
      child::prepare_process(p, proc_fd());
    });
    CHECK(r.failed);
    CHECK(r.status == 1);
    CHECK(r.error.sys_errno == c.sys_errno);
    CHECK(std::string(r.error.step) == c.step);
    CHECK(std::string(r.error.json_path) == c.json_path);
  }
}
