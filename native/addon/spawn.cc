// fork + sandbox + exec of a runner (docs/supervisor.md, "Starting a runner").
//
// Node is multithreaded: between fork and exec the child may only make
// async-signal-safe calls (another thread may have held malloc's lock at the
// moment of the fork). So everything the child needs -- argv, envp, fds,
// limits -- is prepared here in the parent, and the child runs a straight
// line of system calls. A step that fails writes {step, errno} to a CLOEXEC
// pipe and exits; a successful execve closes that pipe, which is how the
// parent learns the runner started.
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace embly {
namespace {

// The child's steps, in the order it takes them; the index travels through
// the error pipe.
enum Step : int {
  kStepProcessGroup,
  kStepParentDeath,
  kStepStdio,
  kStepCloseFds,
  kStepRlimits,
  kStepChdir,
  kStepNoNewPrivs,
  kStepExec,
  kStepCount,
};

const char* const kStepNames[kStepCount] = {
    "setpgid", "parent-death signal", "stdio", "close fds",
    "rlimits", "chdir", "no_new_privs", "execve",
};

// Everything the child reads, prepared before fork.
struct ChildPlan {
  const char* file;
  char* const* argv;
  char* const* envp;
  int stdio_source[3];  // fds (in the parent's table) that become 0, 1, 2
  int error_fd;         // write end of the CLOEXEC error pipe, >= 3
  pid_t parent;
  rlim_t max_open_files;
};

struct ChildError {
  int step;
  int error;
};

[[noreturn]] void ChildFail(const ChildPlan& plan, int step) {
  ChildError report = {step, errno};
  ssize_t ignored = write(plan.error_fd, &report, sizeof report);
  (void)ignored;
  _exit(127);
}

// Closes every fd from `from` up, except `keep`. close_range (Linux 5.9)
// does it in one call; older kernels get a loop bounded by RLIMIT_NOFILE.
bool CloseFdsFrom(int from, int keep) {
  bool ok = true;
  if (keep > from)
    ok = syscall(SYS_close_range, from, keep - 1, 0) == 0;
  if (ok && syscall(SYS_close_range, keep + 1, ~0u, 0) == 0)
    return true;
  if (errno != ENOSYS)
    return false;
  struct rlimit limit;
  rlim_t last = getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
  if (last > (1u << 20))
    last = 1u << 20;
  for (rlim_t fd = (rlim_t)from; fd < last; fd++)
    if ((int)fd != keep)
      close((int)fd);
  return true;
}

// Runs in the child: async-signal-safe system calls only, no allocation.
[[noreturn]] void RunChild(const ChildPlan& plan) {
  // 1. Default dispositions. All signals are blocked (the parent blocked them
  //    around fork), so Node's handlers never run here; resetting them also
  //    drops Node's SIG_IGNs, which would otherwise survive execve.
  struct sigaction default_action;
  memset(&default_action, 0, sizeof default_action);
  default_action.sa_handler = SIG_DFL;
  sigemptyset(&default_action.sa_mask);
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &default_action, nullptr);  // glibc-reserved ones: EINVAL

  // 2. Its own process group: a kill of the group reaches the runner and
  //    nothing of the daemon's, and a terminal's ^C does not reach it.
  if (setpgid(0, 0) != 0)
    ChildFail(plan, kStepProcessGroup);

  // 3. Die with the daemon. The signal fires when the forking *thread* ends,
  //    so spawnRunner must be called on Node's main thread (it is: it is a
  //    synchronous JS function). If the daemon died before this line, the
  //    signal will never come: leave now.
  if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0)
    ChildFail(plan, kStepParentDeath);
  if (getppid() != plan.parent)
    _exit(127);

  // 4. fds 0, 1, 2. Copy every source above 2 first, so that moving one into
  //    place cannot overwrite another that is still to be moved.
  int moved[3];
  for (int i = 0; i < 3; i++) {
    moved[i] = fcntl(plan.stdio_source[i], F_DUPFD_CLOEXEC, 3);
    if (moved[i] < 0)
      ChildFail(plan, kStepStdio);
  }
  for (int i = 0; i < 3; i++)
    if (dup2(moved[i], i) != i)  // dup2 clears FD_CLOEXEC on the target
      ChildFail(plan, kStepStdio);

  // 5. Every other fd: the daemon's sockets, pipes to other runners, files.
  //    The error pipe stays until execve closes it.
  if (!CloseFdsFrom(3, plan.error_fd))
    ChildFail(plan, kStepCloseFds);

  // 6. No core dumps (they would write instances' memory to disk), few fds.
  //    Both limits are set hard, so the runner cannot raise them again.
  struct rlimit no_core = {0, 0};
  struct rlimit open_files = {plan.max_open_files, plan.max_open_files};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0 || setrlimit(RLIMIT_NOFILE, &open_files) != 0)
    ChildFail(plan, kStepRlimits);

  // 7. Nothing relative to the daemon's directory.
  if (chdir("/") != 0)
    ChildFail(plan, kStepChdir);

  // 8. execve can never grant privileges (set-uid, file capabilities); also
  //    what lets an unprivileged runner install its seccomp filter.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    ChildFail(plan, kStepNoNewPrivs);

  // 9. The runner, with an empty environment and no signal blocked.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execve(plan.file, plan.argv, plan.envp);
  ChildFail(plan, kStepExec);
}

// fork without the atfork handlers: the child only execs, and handlers
// registered by Node's libraries would run their code in a process that must
// stay async-signal-safe.
pid_t ForkWithoutHandlers() {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
  return _Fork();
#else
  return fork();
#endif
}

void CloseIfOpen(int& fd) {
  if (fd >= 0)
    close(fd);
  fd = -1;
}

// Keeps the fds the parent opened for one spawn and closes what is left of
// them whichever way the spawn ends.
struct SpawnFds {
  int dev_null = -1;
  int child_end[3] = {-1, -1, -1};
  int parent_end[3] = {-1, -1, -1};
  int error_read = -1;
  int error_write = -1;

  ~SpawnFds() {
    CloseIfOpen(dev_null);
    CloseIfOpen(error_read);
    CloseIfOpen(error_write);
    for (int i = 0; i < 3; i++) {
      CloseIfOpen(child_end[i]);
      CloseIfOpen(parent_end[i]);
    }
  }
};

SpawnResult Failure(const char* step, int error) {
  SpawnResult result;
  result.step = step;
  result.error = error;
  return result;
}

// Waits for a child that is known to be exiting now.
void ReapNow(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

SpawnResult SpawnRunner(const SpawnRequest& request) {
  std::vector<char*> argv;
  for (const std::string& arg : request.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  char* envp[] = {nullptr};

  SpawnFds fds;
  ChildPlan plan = {};
  plan.file = request.file.c_str();
  plan.argv = argv.data();
  plan.envp = envp;
  plan.parent = getpid();
  plan.max_open_files = request.max_open_files;

  for (int i = 0; i < 3; i++) {
    const StdioSlot& slot = request.stdio[i];
    switch (slot.kind) {
      case StdioSlot::kNull:
        if (fds.dev_null < 0 && (fds.dev_null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
          return Failure("open /dev/null", errno);
        plan.stdio_source[i] = fds.dev_null;
        break;
      case StdioSlot::kPipe: {
        int ends[2];
        if (pipe2(ends, O_CLOEXEC) != 0)
          return Failure("pipe", errno);
        // stdin: the runner reads; stdout/stderr: the runner writes.
        fds.child_end[i] = i == 0 ? ends[0] : ends[1];
        fds.parent_end[i] = i == 0 ? ends[1] : ends[0];
        plan.stdio_source[i] = fds.child_end[i];
        break;
      }
      case StdioSlot::kInherit:
        if (fcntl(slot.fd, F_GETFD) < 0)
          return Failure("stdio", errno);
        plan.stdio_source[i] = slot.fd;
        break;
    }
  }

  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0)
    return Failure("pipe", errno);
  fds.error_read = error_pipe[0];
  fds.error_write = error_pipe[1];
  if (fds.error_write < 3) {  // the child moves fds into 0-2: keep clear of them
    int high = fcntl(fds.error_write, F_DUPFD_CLOEXEC, 3);
    if (high < 0)
      return Failure("pipe", errno);
    CloseIfOpen(fds.error_write);
    fds.error_write = high;
  }
  plan.error_fd = fds.error_write;

  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = ForkWithoutHandlers();
  if (pid == 0)
    RunChild(plan);
  int fork_error = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (pid < 0)
    return Failure("fork", fork_error);

  // The child has its copies; ours of its ends would keep its pipes open.
  CloseIfOpen(fds.error_write);
  CloseIfOpen(fds.dev_null);
  for (int i = 0; i < 3; i++)
    CloseIfOpen(fds.child_end[i]);

  ChildError report = {0, 0};
  size_t got = 0;
  while (got < sizeof report) {
    ssize_t n = read(fds.error_read, reinterpret_cast<char*>(&report) + got, sizeof report - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  if (got > 0) {  // it wrote why it failed and exits
    ReapNow(pid);
    bool known = got == sizeof report && report.step >= 0 && report.step < kStepCount;
    return Failure(known ? kStepNames[report.step] : "child setup", known ? report.error : EIO);
  }

  // Exec'd. A pidfd tells the reaper when this child (and no other) exits.
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    int error = errno;
    kill(pid, SIGKILL);
    ReapNow(pid);
    return Failure("pidfd_open (Linux 5.3 or later is needed)", error);
  }

  SpawnResult result;
  result.pid = pid;
  result.pidfd = pidfd;
  for (int i = 0; i < 3; i++) {
    result.parent_fds[i] = fds.parent_end[i];
    fds.parent_end[i] = -1;  // handed over
  }
  return result;
}

}  // namespace embly
