/* `serve SOCKET --template`: the template runner of an isolation: process
 * function (docs/supervisor.md §6). Exec, ld.so, dlopen and the sandbox's
 * filter are paid once here; each fresh runner is then a fork() of this
 * process, which costs a fraction of an exec.
 *
 * The template never runs guest code. It says TEMPLATE_HELLO, then answers
 * each FORK from the master: it connects a new socket to the master (so the
 * master sees the template's pid on it, and knows who vouches for the child),
 * forks, and says FORKED with the child's pid. It reaps its children and
 * reports each end as CHILD_EXIT (docs/protocol.md). */
#include "template.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "frames.h"
#include "log.h"
#include "log_budget.h"
#include "sandbox.h"
#include "serve.h"
#include "status.h"

static int g_socket = -1;
static byte_pipe* g_in;
static byte_pipe* g_out;
static const char* g_socket_path;
static function_def* g_fn;
static pid_t g_self;
static sigset_t g_wait_mask; /* the mask while waiting: SIGCHLD let through */
static bool g_failed;

static void send_frame(uint8_t kind, const frame_header* h, const void* rest, size_t len) {
  if (!frame_append(g_out, kind, h, rest, len))
    g_failed = true;
}

static void send_forked(uint32_t request, pid_t pid, int error) {
  frame_header h = {0};
  frame_put_u32(&h, request);
  frame_put_u32(&h, (uint32_t)pid);
  frame_put_u32(&h, (uint32_t)error);
  send_frame(FRAME_FORKED, &h, NULL, 0);
}

static uint64_t micros(struct timeval t) {
  return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_usec;
}

static void send_child_exit(pid_t pid, int status, const struct rusage* ru) {
  frame_header h = {0};
  frame_put_u32(&h, (uint32_t)pid);
  frame_put_u32(&h, (uint32_t)(WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  frame_put_u8(&h, WIFSIGNALED(status) ? (uint8_t)WTERMSIG(status) : 0);
  frame_put_u8(&h, WIFSIGNALED(status) && WCOREDUMP(status) ? 1 : 0);
  frame_put_u64(&h, micros(ru->ru_utime));
  frame_put_u64(&h, micros(ru->ru_stime));
  frame_put_u64(&h, (uint64_t)ru->ru_maxrss);
  send_frame(FRAME_CHILD_EXIT, &h, NULL, 0);
}

/* Collects every child that has ended; none is left a zombie. */
static void reap_children(void) {
  int status;
  struct rusage ru;
  pid_t pid;
  while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0)
    send_child_exit(pid, status, &ru);
}

/* The child's first steps, under the template's filter: what the supervisor
 * does for an exec'd runner (docs/supervisor.md §1) that a fork does not
 * inherit, then the narrowing filter. Never returns. */
static __attribute__((noreturn)) void child_main(int connection) {
  /* a runner never outlives its template; the check covers a template gone
   * before the prctl */
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != g_self)
    _exit(RUNNER_KILLED);
  setpgid(0, 0); /* the daemon signals the child's group, not the template's */
  if (connection > 3)
    close_range(3, (unsigned)connection - 1, 0);
  close_range((unsigned)connection + 1, ~0u, 0);
  signal(SIGCHLD, SIG_DFL);
  sigprocmask(SIG_SETMASK, &g_wait_mask, NULL);
  if (runner_sandbox_narrow() != 0)
    _exit(RUNNER_LOAD_FAILED);
  exit(serve_connected(connection, g_fn, true));
}

static bool on_fork(frame_fields* f) {
  uint32_t request = frame_u32(f);
  if (!f->ok || f->left != 0)
    return false;
  /* Connected before the fork: SO_PEERCRED of this socket names the
   * template, which the master trusts to vouch for the pid in FORKED. */
  int connection = serve_connect(g_socket_path);
  if (connection < 0) {
    send_forked(request, 0, errno);
    return true;
  }
  pid_t pid = fork();
  if (pid == 0)
    child_main(connection);
  int error = errno;
  close(connection);
  send_forked(request, pid > 0 ? pid : 0, pid > 0 ? 0 : error);
  return true;
}

static bool handle_frame(uint8_t kind, frame_fields* f) {
  return kind == FRAME_FORK && on_fork(f);
}

static void send_hello(void) {
  frame_header h = {0};
  frame_put_u16(&h, FRAME_PROTOCOL_VERSION);
  frame_put_u32(&h, (uint32_t)g_self);
  send_frame(FRAME_TEMPLATE_HELLO, &h, g_fn->name, strlen(g_fn->name));
}

static void on_sigchld(int signal) {
  (void)signal; /* only interrupts ppoll */
}

/* SIGCHLD is blocked except inside ppoll, so an exit between reaping and
 * waiting still wakes the wait. */
static void catch_sigchld(void) {
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &g_wait_mask);
  sigdelset(&g_wait_mask, SIGCHLD);
  struct sigaction action = {.sa_handler = on_sigchld};
  sigaction(SIGCHLD, &action, NULL);
}

int template_serve(const char* socket_path, function_def* fn, bool (*before_serving)(void)) {
  g_socket_path = socket_path;
  g_fn = fn;
  g_self = getpid();
  signal(SIGPIPE, SIG_IGN);
  g_socket = serve_connect(socket_path);
  if (g_socket < 0) {
    runner_log("cannot connect to the master at %s: %s", socket_path, strerror(errno));
    return RUNNER_LOAD_FAILED;
  }
  if (before_serving && !before_serving())
    return RUNNER_LOAD_FAILED;
  if (!log_budget_share()) {
    runner_log("cannot map the log budget its children share: %s", strerror(errno));
    return RUNNER_LOAD_FAILED;
  }
  catch_sigchld();
  g_in = pipe_new(NULL);
  g_out = pipe_new(NULL);
  send_hello();
  while (!g_failed) {
    reap_children();
    if (!frames_flush(g_socket, g_out))
      break;
    struct pollfd pfd = {g_socket, POLLIN | (pipe_buffered(g_out) ? POLLOUT : 0), 0};
    if (ppoll(&pfd, 1, NULL, &g_wait_mask) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
        !frames_read(g_socket, g_in, handle_frame))
      break;
  }
  /* The master is gone: the children die with us (PR_SET_PDEATHSIG). */
  return g_failed ? RUNNER_KILLED : RUNNER_OK;
}
