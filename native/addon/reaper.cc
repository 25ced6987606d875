#include "reaper.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

namespace embly {
namespace {

int64_t Micros(const struct timeval& tv) {
  return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

}  // namespace

Reaper::Reaper(OnExit on_exit) : on_exit_(std::move(on_exit)) {}

Reaper::~Reaper() {
  Stop();
}

bool Reaper::Start(std::string* error) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    *error = std::string("eventfd: ") + strerror(errno);
    return false;
  }
  thread_ = std::thread([this] { Loop(); });
  return true;
}

void Reaper::Watch(uint64_t token, pid_t pid, int pidfd) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    live_[token] = {pid, pidfd};
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

int Reaper::Signal(uint64_t token, int sig) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = live_.find(token);
  if (found == live_.end())
    return ESRCH;
  // Unreaped, so the group (the runner's pid) cannot have been reused.
  return killpg(found->second.pid, sig) == 0 ? 0 : errno;
}

void Reaper::Loop() {
  // Signals are for Node's main thread (libuv's handlers), not this one.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, nullptr);

  std::vector<struct pollfd> fds;
  std::vector<uint64_t> tokens;
  for (;;) {
    fds.assign(1, {wake_fd_, POLLIN, 0});
    tokens.assign(1, 0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_)
        return;
      for (const auto& [token, watched] : live_) {
        fds.push_back({watched.pidfd, POLLIN, 0});
        tokens.push_back(token);
      }
    }
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno != EINTR)
        usleep(10000);  // ENOMEM: try again rather than spin
      continue;
    }
    if (fds[0].revents) {
      uint64_t count;
      ssize_t ignored = read(wake_fd_, &count, sizeof count);
      (void)ignored;
    }
    for (size_t i = 1; i < fds.size(); i++)
      if (fds[i].revents)
        Reap(tokens[i]);
  }
}

void Reaper::Reap(uint64_t token) {
  ExitReport report;
  report.token = token;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = live_.find(token);
    if (found == live_.end())
      return;
    pid_t pid = report.pid = found->second.pid;
    int status = 0;
    struct rusage usage;
    memset(&usage, 0, sizeof usage);
    pid_t got;
    do
      got = wait4(pid, &status, WNOHANG, &usage);
    while (got < 0 && errno == EINTR);
    if (got == 0)
      return;  // not exited after all; keep watching
    close(found->second.pidfd);
    live_.erase(found);
    if (got < 0) {
      report.reaped_elsewhere = true;
    } else {
      if (WIFEXITED(status))
        report.exit_code = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) {
        report.signal = WTERMSIG(status);
        report.core_dumped = WCOREDUMP(status);
      }
      report.user_cpu_us = Micros(usage.ru_utime);
      report.system_cpu_us = Micros(usage.ru_stime);
      report.max_rss_kib = usage.ru_maxrss;  // Linux: KiB
    }
  }
  on_exit_(report);
}

void Reaper::Stop() {
  if (wake_fd_ < 0)
    return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof one);
  (void)ignored;
  if (thread_.joinable())
    thread_.join();
  for (const auto& [token, watched] : live_) {
    killpg(watched.pid, SIGKILL);
    while (waitpid(watched.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    close(watched.pidfd);
  }
  live_.clear();
  close(wake_fd_);
  wake_fd_ = -1;
}

}  // namespace embly
