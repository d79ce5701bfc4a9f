// Mechanism: the control files berth writes, each through a cgroup
// directory fd and the Kernel (never O_CREAT: a controller the kernel did
// not create the file for fails as it would on a host). Policy, which
// values and when, is the cgroups isolator's.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::cgroup {

// cgroup.procs: moves a whole process (all its threads) into the cgroup.
Status add_process(sys::Kernel& k, int dirfd, pid_t pid);
// The pids listed in cgroup.procs (empty when unreadable).
std::vector<pid_t> read_procs(int dirfd);
// The container init is still in the cgroup at dirfd (dir names it):
// Code::NotFound otherwise. Acting on a cgroup its init was moved out of
// (update, stats, pause) would act on something else than the container.
Status check_holds_init(int dirfd, const std::string& dir, pid_t init);
// The kernel made FILE in the cgroup at dirfd (a controller's files tell
// that it is there).
bool has_file(int dirfd, const char* file);
// A control file's content without the trailing newline; "" when unreadable.
std::string read_value(int dirfd, const std::string& file);
// The same as a signed integer ("max" and unreadable files read as 0).
int64_t read_int(int dirfd, const std::string& file);

namespace pids {
// pids.max (v1 and v2 share the name): a limit > 0, or "max" for < 0.
Status set_max(sys::Kernel& k, int dirfd, int64_t limit);
}  // namespace pids

namespace v1::cpuset {
// A new v1 cpuset cgroup starts with empty cpus and mems, and no task can
// join it: copy the parent's.
Status inherit(sys::Kernel& k, int parent_fd, int dirfd);
}  // namespace v1::cpuset

namespace v2 {
// "+pids +memory" into cgroup.subtree_control: the children of dirfd get
// these controllers. One write per controller, so one missing from
// cgroup.controllers names itself.
Status enable_controllers(sys::Kernel& k, int dirfd, const std::vector<std::string>& controllers);
}  // namespace v2

}  // namespace berth::cgroup
