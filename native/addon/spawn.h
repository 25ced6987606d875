// Starting a runner process: clone, sandbox the child, exec (docs/supervisor.md).
//
// Plain data in, plain data out: nothing here touches JavaScript, so the
// Node-API glue (supervisor.cc) stays a thin translation layer and this file
// reads as the sequence of steps a runner's life starts with.
#ifndef EMBLY_ADDON_SPAWN_H
#define EMBLY_ADDON_SPAWN_H

#include <sys/types.h>

#include <string>
#include <vector>

namespace embly {

// What fd 0, 1 or 2 of the runner is.
struct StdioSlot {
  enum Kind { kNull, kPipe, kInherit } kind = kNull;
  int fd = -1;  // kInherit: the daemon's fd the child gets a copy of
};

struct SpawnRequest {
  std::string file;               // the runner executable (absolute path)
  std::vector<std::string> argv;  // argv[0] included
  StdioSlot stdio[3];
  unsigned max_open_files = 32;   // RLIMIT_NOFILE, soft and hard
};

struct SpawnResult {
  pid_t pid = -1;    // also the runner's process group
  int pidfd = -1;    // owned by the caller: tells the reaper when it exits
  int parent_fds[3] = {-1, -1, -1};  // our end of each kPipe slot, CLOEXEC
  // On failure pid is -1, step names what failed and error is its errno.
  const char* step = nullptr;
  int error = 0;
};

// Starts and execs a sandboxed runner; returns once it has exec'd (or failed
// to: a child that cannot exec is reaped here and reported as data).
SpawnResult SpawnRunner(const SpawnRequest& request);

}  // namespace embly

#endif
