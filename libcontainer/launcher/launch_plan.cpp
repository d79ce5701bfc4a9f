// Arena and LaunchPlan::finalize.
#include "libcontainer/launcher/launch_plan.hpp"

#include <cstring>

namespace berth {

char* Arena::buffer(size_t n) {
  blocks_.push_back(std::make_unique<char[]>(n ? n : 1));
  char* p = blocks_.back().get();
  memset(p, 0, n ? n : 1);
  return p;
}

const char* Arena::str(std::string_view s) {
  char* p = buffer(s.size() + 1);
  memcpy(p, s.data(), s.size());
  return p;
}

char* const* Arena::strv(const std::vector<std::string>& v) {
  auto** p = reinterpret_cast<char**>(buffer(sizeof(char*) * (v.size() + 1)));
  for (size_t i = 0; i < v.size(); i++) p[i] = const_cast<char*>(str(v[i]));
  return p;
}

void Arena::adopt(Arena&& other) {
  for (auto& b : other.blocks_) blocks_.push_back(std::move(b));
  other.blocks_.clear();
}

namespace {
char* buffer_with(Arena& a, size_t n, std::string_view init) {
  char* p = a.buffer(n);
  memcpy(p, init.data(), init.size());
  return p;
}
}  // namespace

void LaunchPlan::set_env(const std::vector<std::string>& env) {
  // runc's rule: HOME unset or empty takes the user's home. The last HOME
  // entry is the one that counts (each entry is set in order).
  size_t home = env.size();
  for (size_t i = 0; i < env.size(); i++)
    if (env[i].rfind("HOME=", 0) == 0) home = i;
  if (home < env.size() && env[home].size() > 5) {
    child.envp = arena.strv(env);
    return;
  }
  std::vector<std::string> v = env;
  if (home == v.size()) v.emplace_back();
  auto** envp = const_cast<char**>(arena.strv(v));
  // "HOME=" and a home of up to PATH_MAX bytes; "/" until the init reads passwd.
  child.home_buf_len = 5 + 4096 + 1;
  child.home_buf = buffer_with(arena, child.home_buf_len, "HOME=/");
  envp[home] = child.home_buf;
  child.envp = envp;
}

void LaunchPlan::finalize() {
  child.mounts = arena.copy(mounts);
  child.n_mounts = mounts.size();
  child.devices = arena.copy(devices);
  child.n_devices = devices.size();
  child.masked_paths = arena.copy(masked_paths);
  child.n_masked = masked_paths.size();
  child.readonly_paths = arena.copy(readonly_paths);
  child.n_readonly = readonly_paths.size();
  child.sysctls = arena.copy(sysctls);
  child.n_sysctls = sysctls.size();
  child.rlimits = arena.copy(rlimits);
  child.n_rlimits = rlimits.size();
  child.groups = arena.copy(groups);
  child.n_groups = groups.size();
  child.create_container_hooks = arena.copy(create_container_hooks);
  child.n_create_container_hooks = create_container_hooks.size();
  child.start_container_hooks = arena.copy(start_container_hooks);
  child.n_start_container_hooks = start_container_hooks.size();
  if (!seccomp_bpf.empty()) {
    child.seccomp_filter = arena.copy(seccomp_bpf);
    child.seccomp_len = unsigned(seccomp_bpf.size() / 8);  // sizeof(struct sock_filter)
  }
}

}  // namespace berth
