/* embly-sandbox-probe CALL: test-only. Enters the template runner's seccomp
 * filter (runner_sandbox_enter(true), the same code the template runs), then
 * makes one system call and prints what it returned. A call the filter
 * forbids never returns: the kernel ends the process with SIGSYS. The
 * template itself runs no code of anyone's after its filter is in, so this is
 * how a test asks its filter about calls the template never makes. */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox.h"

static long fork_with(unsigned long flags) {
  long pid = syscall(SYS_clone, flags, 0, 0, 0, 0);
  if (pid == 0)
    _exit(0);
  if (pid > 0)
    waitpid((pid_t)pid, NULL, 0);
  return pid;
}

static long add_filter(unsigned flags) {
  struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog prog = {1, &allow};
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

/* A connection as the template makes one (serve_connect), to `name` with
 * address length `len`; a leading '@' is an abstract name. */
static long connect_to(const char* name, socklen_t len) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  strncpy(address.sun_path, name, sizeof address.sun_path - 1);
  if (name[0] == '@')
    address.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  return fd < 0 ? fd : connect(fd, (struct sockaddr*)&address, len);
}

static long call(const char* name) {
  if (strcmp(name, "fork") == 0)
    return fork_with(CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD);
  if (strcmp(name, "clone-newuser") == 0)
    return fork_with(CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_NEWUSER | SIGCHLD);
  if (strcmp(name, "clone-newnet") == 0)
    return fork_with(CLONE_NEWNET | SIGCHLD);
  if (strcmp(name, "seccomp") == 0)
    return add_filter(0);
  if (strcmp(name, "seccomp-tsync") == 0)
    return add_filter(SECCOMP_FILTER_FLAG_TSYNC);
  if (strcmp(name, "seccomp-listener") == 0)
    return add_filter(SECCOMP_FILTER_FLAG_NEW_LISTENER);
  if (strcmp(name, "connect-path") == 0)
    return connect_to("/nonexistent/embly.sock", sizeof(struct sockaddr_un));
  if (strcmp(name, "connect-abstract") == 0)
    return connect_to("@embly-probe", (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 12));
  if (strcmp(name, "socket-dgram") == 0)
    return socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  fprintf(stderr, "embly-sandbox-probe: unknown call %s\n", name);
  _exit(2);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: embly-sandbox-probe CALL\n");
    return 2;
  }
  char err[256];
  if (runner_sandbox_enter(true, err, sizeof err) != 0) {
    fprintf(stderr, "embly-sandbox-probe: %s\n", err);
    return 1;
  }
  errno = 0;
  long rc = call(argv[1]);
  char line[64]; /* written plainly: stdio's first printf would fstat, which kills */
  int len = snprintf(line, sizeof line, "returned %ld, errno %d\n", rc, rc < 0 ? errno : 0);
  return write(1, line, (size_t)len) == len ? 0 : 1;
}
