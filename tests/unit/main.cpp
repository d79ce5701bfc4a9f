// doctest main for the unit tests. Cases named ROOT_, USERNS_, SECCOMP_ or
// CGROUP2_ need something an ordinary test run may lack; when it is missing
// they are excluded and listed as skipped, with the reason, before the summary.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

namespace {

struct Requirement {
  const char* prefix;
  const char* reason;
  bool met;
};

std::vector<Requirement>& requirements() {
  static std::vector<Requirement> reqs;
  return reqs;
}

// In a child, so the test process itself never changes namespace.
bool can_unshare_user() {
  pid_t pid = fork();
  if (pid < 0) return false;
  if (pid == 0) _exit(unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool cgroup2_writable() {
  struct statfs fs;
  if (statfs("/sys/fs/cgroup", &fs) != 0 || fs.f_type != CGROUP2_SUPER_MAGIC) return false;
  return access("/sys/fs/cgroup", W_OK) == 0;
}

class SkipListener : public doctest::IReporter {
 public:
  explicit SkipListener(const doctest::ContextOptions&) {}
  void test_case_skipped(const doctest::TestCaseData& tc) override {
    std::string name = tc.m_name;
    for (const auto& r : requirements()) {
      if (!r.met && name.rfind(r.prefix, 0) == 0) {
        std::printf("[skipped] %s (%s)\n", tc.m_name, r.reason);
        return;
      }
    }
  }
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("berth-skips", 1, SkipListener);

int main(int argc, char** argv) {
  bool root = geteuid() == 0;
  // As root, the tests run in a mount namespace of their own, private from
  // the host's: a test that fails (or crashes) between a mount and its
  // unmount leaves nothing on the host; its mounts go with this process.
  if (root && (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)) {
    std::perror("unit-tests: a private mount namespace");
    return 2;
  }
  requirements() = {
      {"ROOT_", "needs root", root},
      {"USERNS_", "needs user namespaces", can_unshare_user()},
      {"SECCOMP_", "needs seccomp filters", prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0},
      {"CGROUP2_", "needs a writable cgroup2 hierarchy", cgroup2_writable()},
  };
  doctest::Context ctx;
  ctx.applyCommandLine(argc, argv);
  for (const auto& r : requirements())
    if (!r.met) ctx.addFilter("test-case-exclude", (std::string(r.prefix) + "*").c_str());
  return ctx.run();
}
