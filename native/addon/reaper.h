// Reaping runners without blocking Node and without touching Node's own
// children (docs/supervisor.md, "Reaping").
//
// One background thread polls a pidfd per runner. A pidfd becomes readable
// when its process exits; the thread then wait4()s that exact pid, which
// collects the status and rusage and frees the zombie. Node's child_process
// waits for its children by pid too, so neither side can take the other's.
#ifndef EMBLY_ADDON_REAPER_H
#define EMBLY_ADDON_REAPER_H

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace embly {

struct ExitReport {
  pid_t pid = 0;
  uint64_t token = 0;          // the runner's token (see Watch)
  int exit_code = -1;          // when it exited; otherwise -1
  int signal = 0;              // the signal that ended it; otherwise 0
  bool core_dumped = false;
  bool reaped_elsewhere = false;  // someone else's wait took it: status unknown
  int64_t user_cpu_us = 0;
  int64_t system_cpu_us = 0;
  int64_t max_rss_kib = 0;
};

class Reaper {
 public:
  // Called on the reaper thread, once per runner, after it is reaped.
  using OnExit = std::function<void(const ExitReport&)>;

  explicit Reaper(OnExit on_exit);
  ~Reaper();
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Starts the thread; false with a message if it cannot.
  bool Start(std::string* error);
  // Watches a runner until it exits; takes ownership of pidfd. The token
  // names this runner for Signal and in its report: unlike a pid, it is
  // never reused.
  void Watch(uint64_t token, pid_t pid, int pidfd);
  // Signals the runner's process group. 0, or an errno: ESRCH once it has
  // been reaped (never a reused pid: a runner is forgotten under the same
  // lock that reaps it).
  int Signal(uint64_t token, int sig);
  // Stops the thread, then SIGKILLs and reaps every runner still live
  // (without reporting them): runners do not outlive their supervisor.
  void Stop();

 private:
  void Loop();
  void Reap(uint64_t token);

  OnExit on_exit_;
  std::mutex mutex_;
  struct Watched {
    pid_t pid;
    int pidfd;
  };
  std::unordered_map<uint64_t, Watched> live_;  // by token
  int wake_fd_ = -1;                     // eventfd: the watch list changed
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace embly

#endif
