// linux.sysctl writes of the init (see sysctl.hpp).
#include "libcontainer/child/sysctl.hpp"

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/process_setup.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {

BERTH_CHILD void sysctl_path(const char* key, char* out, size_t cap) {
  size_t n = sys::concat(out, cap, "sys/");
  const char* sep = key;
  while (*sep && *sep != '.' && *sep != '/') sep++;
  bool swap = *sep == '.';
  for (const char* k = key; *k && n + 1 < cap; k++, n++) out[n] = !swap ? *k : *k == '.' ? '/' : *k == '/' ? '.' : *k;
  out[n] = 0;
}

BERTH_CHILD void write_sysctls(const ChildPlan& p, int procfd) {
  for (size_t i = 0; i < p.n_sysctls; i++) {
    char path[256];
    sysctl_path(p.sysctls[i].key, path, sizeof path);
    int r = write_proc_file(procfd, path, p.sysctls[i].value);
    if (r < 0) {
      char jp[160] = "/linux/sysctl/";  // the key as an RFC 6901 token
      size_t n = sys::strlen(jp);
      for (const char* k = p.sysctls[i].key; *k && n + 3 < sizeof jp; k++)
        n += *k == '/'   ? sys::concat(jp + n, 3, "~1")
             : *k == '~' ? sys::concat(jp + n, 3, "~0")
                         : sys::concat(jp + n, 2, *k);
      fail(p, r, "write sysctl", p.sysctls[i].key, jp, -1);
    }
  }
}

}  // namespace berth::child
