// Phase timestamps of one command, reported with --debug: "plan ready
// 0.61 ms, provisioned 1.72 ms, ...", each from start().
#pragma once

#include <time.h>

#include <cstdio>
#include <string>

namespace berth::log {

struct Timeline {
  timespec t0{};
  std::string text;
  void start() { clock_gettime(CLOCK_MONOTONIC, &t0); }
  void mark(const char* phase) {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double ms = double(t.tv_sec - t0.tv_sec) * 1e3 + double(t.tv_nsec - t0.tv_nsec) / 1e6;
    char buf[96];
    snprintf(buf, sizeof buf, "%s%s %.2f ms", text.empty() ? "" : ", ", phase, ms);
    text += buf;
  }
};

}  // namespace berth::log
