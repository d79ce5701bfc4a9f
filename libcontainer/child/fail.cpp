// Failure reporting from child code: one ChildError over the sync channel.
#include "libcontainer/child/child.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {

BERTH_CHILD void fail(const ChildPlan& plan, int err, const char* step, const char* arg, const char* json_path,
                      int json_index) {
  ChildError e;
  sys::memset(&e, 0, sizeof e);
  e.sys_errno = err < 0 ? -err : err;
  if (arg)
    sys::concat(e.step, sizeof e.step, step, " ", arg);
  else
    sys::concat(e.step, sizeof e.step, step);
  if (json_path) {
    if (json_index >= 0)
      sys::concat(e.json_path, sizeof e.json_path, json_path, "/", json_index);
    else
      sys::concat(e.json_path, sizeof e.json_path, json_path);
  }
  RuntimeChannel(plan.sync_fd).send_failed(e);
  sys::_exit(1);
}

}  // namespace berth::child
