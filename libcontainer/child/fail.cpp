// Failure reporting from child code: one ChildError over the sync channel.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "libcontainer/child/child.hpp"

namespace berth::child {

BERTH_CHILD void fail(const ChildPlan& plan, int err, const char* step, const char* arg,
                      const char* json_path, int json_index) {
  ChildError e;
  memset(&e, 0, sizeof e);
  e.sys_errno = err < 0 ? -err : err;
  if (arg)
    snprintf(e.step, sizeof e.step, "%s %s", step, arg);
  else
    snprintf(e.step, sizeof e.step, "%s", step);
  if (json_path) {
    if (json_index >= 0)
      snprintf(e.json_path, sizeof e.json_path, "%s/%d", json_path, json_index);
    else
      snprintf(e.json_path, sizeof e.json_path, "%s", json_path);
  }
  send_msg(plan.sync_fd, SyncKind::Failed, &e, -1);
  _exit(1);
}

}  // namespace berth::child
