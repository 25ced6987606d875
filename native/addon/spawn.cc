// clone + sandbox + exec of a runner (docs/supervisor.md, "Starting a runner").
//
// The child is started with clone(CLONE_VM | CLONE_VFORK), as glibc's
// posix_spawn does: it borrows Node's memory instead of copying its page
// tables (fork of a 100 MiB Node costs a millisecond), and the calling thread
// sleeps until the child has exec'd or exited. Sharing memory with a
// multithreaded Node, the child may only make async-signal-safe calls and must
// not allocate, so everything it needs -- argv, envp, fds, limits -- is
// prepared here, and it runs a straight line of system calls on a stack of
// its own. A step that fails stores {step, errno} in the plan, which the
// parent reads once it resumes.
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace embly {
namespace {

// What runs in the child shares Node's memory on a stack the sanitizers do
// not know: instrumented, it would poison and unpoison Node's shadow memory
// from there and report its own bookkeeping (the sanitizer build only,
// docs/sanitizers.md). The interceptors it calls still check their arguments.
#if defined(EMBLY_SANITIZE)
#define CHILD_CODE __attribute__((no_sanitize("address", "undefined")))
#else
#define CHILD_CODE
#endif

// The child's steps, in the order it takes them.
enum Step : int {
  kStepNone = -1,  // no step failed: the child exec'd
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

// Everything the child reads, prepared before clone, and the one thing it
// writes: why it failed. The parent reads `failed_step` only after the child
// exec'd or exited (CLONE_VFORK), so no other synchronisation is needed.
struct ChildPlan {
  const char* file;
  char* const* argv;
  char* const* envp;
  int stdio_source[3];  // fds (in the parent's table) that become 0, 1, 2
  pid_t parent;
  rlim_t max_open_files;
  int failed_step;
  int failed_errno;
};

[[noreturn]] CHILD_CODE void ChildFail(ChildPlan& plan, int step) {
  plan.failed_errno = errno;
  plan.failed_step = step;
  _exit(127);
}

// Closes every fd from 3 up. close_range (Linux 5.9) does it in one call;
// older kernels get a loop bounded by RLIMIT_NOFILE.
CHILD_CODE bool CloseFdsAbove2() {
  if (syscall(SYS_close_range, 3, ~0u, 0) == 0)
    return true;
  if (errno != ENOSYS)
    return false;
  struct rlimit limit;
  rlim_t last = getrlimit(RLIMIT_NOFILE, &limit) == 0 ? limit.rlim_cur : 1024;
  if (last > (1u << 20))
    last = 1u << 20;
  for (rlim_t fd = 3; fd < last; fd++)
    close((int)fd);
  return true;
}

// Runs in the child, on its own stack but in the parent's memory:
// async-signal-safe system calls only, no allocation, and it never returns.
// errno here is the calling thread's (same TLS): harmless, that thread is
// suspended until the child is done, and reads errno only if clone failed.
[[noreturn]] CHILD_CODE void RunChild(ChildPlan& plan) {
  // 1. Default dispositions. All signals are blocked (the parent blocked them
  //    around clone), so Node's handlers never run here; resetting them also
  //    drops Node's SIG_IGNs, which would otherwise survive execve. Without
  //    CLONE_SIGHAND the child has its own copy of the handler table, so
  //    this does not touch Node's.
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

  // 3. Die with the daemon. The signal fires when the cloning *thread* ends,
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
  if (!CloseFdsAbove2())
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

CHILD_CODE int ChildMain(void* plan) {
  RunChild(*static_cast<ChildPlan*>(plan));
}

// The child's stack: a few KiB are used (no frame of the steps is large, and
// no signal handler runs on it); a PROT_NONE page below turns an overflow
// into a fault instead of a write into whatever Node mapped there.
class ChildStack {
 public:
  ChildStack() {
    size_t guard = (size_t)sysconf(_SC_PAGESIZE);
    size_ = guard + kUsable;
    void* base = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (base == MAP_FAILED)
      return;
    base_ = static_cast<char*>(base);
    if (mprotect(base_, guard, PROT_NONE) != 0)
      Release();
  }
  ~ChildStack() { Release(); }
  ChildStack(const ChildStack&) = delete;
  ChildStack& operator=(const ChildStack&) = delete;

  // The highest address: the stack grows down on every target Linux supports here.
  void* top() const { return base_ ? base_ + size_ : nullptr; }

 private:
  static constexpr size_t kUsable = 64 * 1024;

  void Release() {
    if (base_)
      munmap(base_, size_);
    base_ = nullptr;
  }

  char* base_ = nullptr;
  size_t size_ = 0;
};

// Starts the child with every signal blocked, so that no handler of Node's
// runs on its stack or in its (borrowed) memory; returns once it exec'd or
// exited. No atfork handler runs, unlike fork(). CLONE_PIDFD (Linux 5.2)
// stores a pidfd for the child in *pidfd (close-on-exec) as the child is
// made: it names this child and no later process with a reused pid.
pid_t CloneChild(ChildPlan& plan, int* pidfd, int* clone_errno) {
  ChildStack stack;
  if (!stack.top()) {
    *clone_errno = errno;
    return -1;
  }
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t pid = clone(ChildMain, stack.top(), CLONE_VM | CLONE_VFORK | CLONE_PIDFD | SIGCHLD, &plan, pidfd);
  *clone_errno = errno;  // the child's own errno writes landed here too: only meaningful if pid < 0
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return pid;
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

  ~SpawnFds() {
    CloseIfOpen(dev_null);
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
  std::vector<char*> envp;
#if defined(EMBLY_SANITIZE)
  // The sanitizer build only (docs/sanitizers.md): a runner gets the
  // sanitizers' options, where its reports go among them, and nothing else.
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS"}) {
    for (char** entry = environ; *entry; entry++)
      if (strncmp(*entry, name, strlen(name)) == 0 && (*entry)[strlen(name)] == '=')
        envp.push_back(*entry);
  }
#endif
  envp.push_back(nullptr);

  SpawnFds fds;
  ChildPlan plan = {};
  plan.file = request.file.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.parent = getpid();
  plan.max_open_files = request.max_open_files;
  plan.failed_step = kStepNone;

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

  int clone_errno = 0, pidfd = -1;
  pid_t pid = CloneChild(plan, &pidfd, &clone_errno);
  if (pid < 0)
    return Failure("clone (CLONE_PIDFD needs Linux 5.2 or later)", clone_errno);

  if (plan.failed_step != kStepNone) {  // it stored why it failed and exited
    close(pidfd);
    ReapNow(pid);
    return Failure(kStepNames[plan.failed_step], plan.failed_errno);
  }

  // Exec'd. Its pidfd tells the reaper when this child (and no other) exits.

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
