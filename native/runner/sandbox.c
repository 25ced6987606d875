/* The seccomp-bpf allowlist of a running runner (docs/supervisor.md).
 *
 * Found by tracing the runner (strace -f) through test/runner and the
 * supervisor tests, then reading what glibc does on the paths they do not
 * reach (fatal errors, abort). Everything here is a call on state the
 * process already has: fds it was given, its own memory, its own signals,
 * clocks. Nothing can name a file, a socket address, another process, or
 * create an fd, a thread or a process. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct {
  int nr;
  const char* why;
} allowed_syscall;

/* Allowed whatever their arguments. */
static const allowed_syscall g_allowed[] = {
    /* I/O on fds the runner already holds (0-2, and in serve mode the
     * master socket, connected before the sandbox) */
    {SCMP_SYS(read), "stdin in exec mode; the master socket in serve mode"},
    {SCMP_SYS(write), "stdout, stderr (logs); the master socket in serve mode"},
    {SCMP_SYS(writev), "glibc writes its fatal-error messages (malloc corruption) this way"},
    {SCMP_SYS(poll), "wait for input or the earliest instance wake time"},
    {SCMP_SYS(ppoll), "poll() on architectures without the poll syscall"},
    /* memory */
    {SCMP_SYS(munmap), "free a memory reservation or fiber stack, malloc's large chunks"},
    {SCMP_SYS(mremap), "glibc realloc of a large (mmapped) chunk"},
    {SCMP_SYS(madvise), "glibc malloc returns freed pages, memory reuse drops swapped-out pages (MADV_DONTNEED); prewarming populates pages"},
    {SCMP_SYS(mincore), "memory reuse finds which pages of a freed memory are resident"},
    {SCMP_SYS(brk), "glibc malloc's main heap"},
    /* signals, all aimed at this process */
    {SCMP_SYS(rt_sigreturn), "return from the SIGALRM and SIGSEGV/SIGBUS handlers"},
    {SCMP_SYS(rt_sigprocmask), "swapcontext/getcontext save and restore the mask on every fiber switch"},
    {SCMP_SYS(rt_sigaction), "install the preemption tick's handler, ignore SIGPIPE, reset a foreign fault to its default"},
    {SCMP_SYS(sigaltstack), "the fault handler's alternate stack (an exhausted fiber stack cannot run it)"},
    {SCMP_SYS(setitimer), "the 2 ms preemption tick, armed while guests run"},
    {SCMP_SYS(restart_syscall), "the kernel resumes a poll() interrupted by that timer"},
    /* time and randomness */
    {SCMP_SYS(clock_gettime), "clocks (vDSO fallback): deadlines, WASI clock_time_get"},
    {SCMP_SYS(clock_getres), "WASI clock_res_get"},
    {SCMP_SYS(clock_nanosleep), "sleeping until a wake time"},
    {SCMP_SYS(getrandom), "instance addresses, WASI random_get"},
    /* process */
    {SCMP_SYS(futex), "glibc's internal locks (stdio, malloc)"},
    {SCMP_SYS(getpid), "abort()/raise() find the process to signal"},
    {SCMP_SYS(gettid), "abort()/raise() find the thread to signal"},
    {SCMP_SYS(exit), "a thread's end"},
    {SCMP_SYS(exit_group), "the runner's end"},
};

/* What only a template runner (docs/supervisor.md §6) needs,
 * each call with the exact arguments the template passes where they are
 * numbers (seccomp cannot read what a pointer points to). Its children kill on
 * every one of these again (runner_sandbox_narrow), so a child's allowlist is
 * g_allowed. */
#define MAX_CONDITIONS 3

typedef struct {
  int nr;
  unsigned conditions;
  struct scmp_arg_cmp cmp[MAX_CONDITIONS];
  const char* why;
} template_syscall;

#define ARG_IS(n, value) {.arg = (n), .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)(value)}

/* What glibc's fork() passes (strace): a process, sharing nothing, in every
 * namespace of its parent. No CLONE_VM or CLONE_THREAD, no CLONE_NEW*. */
#define FORK_FLAGS (CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | SIGCHLD)

static const template_syscall g_template_only[] = {
    {SCMP_SYS(socket), 3, {ARG_IS(0, AF_UNIX), ARG_IS(1, SOCK_STREAM | SOCK_CLOEXEC), ARG_IS(2, 0)},
     "each child's own connection to the master (serve_connect)"},
    /* The address is behind a pointer: only its length can be checked. The
     * full sockaddr_un (what serve_connect passes) leaves out every abstract
     * name shorter than 108 bytes; a path is not checked (docs/supervisor.md). */
    {SCMP_SYS(connect), 1, {ARG_IS(2, sizeof(struct sockaddr_un))},
     "that connection, made by the template so the master sees its pid"},
    {SCMP_SYS(fcntl), 1, {ARG_IS(1, F_SETFL)}, "make the connection non-blocking"},
    {SCMP_SYS(close), 0, {{0}}, "the template's copy of a child's connection"},
    {SCMP_SYS(clone), 1, {ARG_IS(0, FORK_FLAGS)}, "fork(): a process, never a thread, no new namespace"},
    {SCMP_SYS(wait4), 0, {{0}}, "reap children, with their rusage"},
    {SCMP_SYS(prctl), 1, {ARG_IS(0, PR_SET_PDEATHSIG)}, "a child dies with its template"},
    {SCMP_SYS(getppid), 0, {{0}}, "a child checks its template is still there"},
    {SCMP_SYS(setpgid), 0, {{0}}, "a child gets a process group of its own"},
    {SCMP_SYS(close_range), 0, {{0}}, "a child closes every fd but its connection"},
    {SCMP_SYS(seccomp), 2, {ARG_IS(0, SECCOMP_SET_MODE_FILTER), ARG_IS(1, 0)},
     "a child adds the filter that narrows this one (no flags: no TSYNC, no listener, no log)"},
    {SCMP_SYS(set_robust_list), 0, {{0}}, "glibc's fork() in the child"},
};

#define TEMPLATE_ONLY_COUNT (sizeof g_template_only / sizeof g_template_only[0])

static int fail(char* err, size_t err_len, scmp_filter_ctx ctx, const char* what, int rc) {
  snprintf(err, err_len, "sandbox: %s: %s", what, strerror(rc < 0 ? -rc : rc));
  if (ctx)
    seccomp_release(ctx);
  return -1;
}

static int add_template_rules(scmp_filter_ctx ctx) {
  for (size_t i = 0; i < TEMPLATE_ONLY_COUNT; i++) {
    const template_syscall* t = &g_template_only[i];
    int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, t->nr, t->conditions, t->cmp);
    if (rc < 0)
      return rc;
  }
  return 0;
}

int runner_sandbox_enter(bool template, char* err, size_t err_len) {
  /* Also set by the supervisor before exec; setting it again is harmless and
   * keeps a runner started by hand from skipping it. */
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return fail(err, err_len, NULL, "no_new_privs", errno);

  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
  if (!ctx)
    return fail(err, err_len, NULL, "seccomp_init", ENOMEM);
  /* Syscalls of another ABI (int 0x80, x32) kill as well. */
  int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
  if (rc < 0)
    return fail(err, err_len, ctx, "bad-arch action", rc);

  for (size_t i = 0; i < sizeof g_allowed / sizeof g_allowed[0]; i++) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, g_allowed[i].nr, 0);
    if (rc < 0)
      return fail(err, err_len, ctx, g_allowed[i].why, rc);
  }

  /* mmap and mprotect: wasm memories (8 GiB PROT_NONE reservations opened
   * page by page), fiber stacks and their guards, malloc. Never executable:
   * every object is loaded, so no new code may appear (W^X after start). */
  rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
                        SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  if (rc < 0)
    return fail(err, err_len, ctx, "mmap", rc);
  rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
                        SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
  if (rc < 0)
    return fail(err, err_len, ctx, "mprotect", rc);

  /* abort() and raise() signal the calling thread: only this process. */
  rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                        SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
  if (rc < 0)
    return fail(err, err_len, ctx, "tgkill", rc);

#if defined(EMBLY_SANITIZE)
  /* The sanitizer build only (docs/sanitizers.md; the production filter has
   * no such rule): a report goes to the file ASAN_OPTIONS' log_path names,
   * which the sanitizer opens write-only when it has something to report
   * (gcc 12's runtime with open, newer ones with openat). */
  rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
                        SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY));
  if (rc == 0)
    rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
                          SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE, O_WRONLY));
  if (rc < 0)
    return fail(err, err_len, ctx, "the sanitizer's report file", rc);
#endif

  rc = template ? add_template_rules(ctx) : 0;
  if (rc < 0)
    return fail(err, err_len, ctx, "the template's calls", rc);

  rc = seccomp_load(ctx);
  if (rc < 0)
    return fail(err, err_len, ctx, "seccomp_load", rc);
  seccomp_release(ctx);
  return 0;
}

#if defined(__x86_64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

int runner_sandbox_narrow(void) {
  /* arch check, load nr, two instructions per call, allow: fits the stack */
  struct sock_filter prog[4 + 2 * TEMPLATE_ONLY_COUNT + 1];
  size_t n = 0;
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_AUDIT_ARCH, 1, 0);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  for (size_t i = 0; i < TEMPLATE_ONLY_COUNT; i++) {
    prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)g_template_only[i].nr, 0, 1);
    prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
  }
  prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  struct sock_fprog fprog = {(unsigned short)n, prog};
  /* no_new_privs was inherited from the template */
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0 ? 0 : errno;
}

#if defined(EMBLY_SANITIZE)
/* KiB of data mappings the process has now (VmData), or UINT64_MAX. */
static uint64_t data_mapped_bytes(void) {
  FILE* status = fopen("/proc/self/status", "re");
  if (!status)
    return UINT64_MAX;
  char line[128];
  unsigned long long kib = 0;
  bool found = false;
  while (!found && fgets(line, sizeof line, status))
    found = sscanf(line, "VmData: %llu kB", &kib) == 1;
  fclose(status);
  return found && kib <= UINT64_MAX / 1024 ? (uint64_t)kib * 1024 : UINT64_MAX;
}
#endif

int runner_limit_heap(uint64_t bytes, char* err, size_t err_len) {
#if defined(EMBLY_SANITIZE)
  /* The sanitizer build only (docs/sanitizers.md): ASan's shadow memory and
   * allocator are ~14 TiB of data mappings from the start, all counted by
   * RLIMIT_DATA, so the ceiling is counted above what is mapped now. */
  uint64_t mapped = data_mapped_bytes();
  bytes = mapped > UINT64_MAX - bytes ? UINT64_MAX : bytes + mapped;
#endif
  struct rlimit given;
  if (bytes == UINT64_MAX || getrlimit(RLIMIT_DATA, &given) != 0)
    return 0;
  rlim_t cap = given.rlim_max != RLIM_INFINITY && given.rlim_max < bytes ? given.rlim_max : (rlim_t)bytes;
  struct rlimit limit = {cap, cap};
  if (setrlimit(RLIMIT_DATA, &limit) != 0) {
    snprintf(err, err_len, "cannot set RLIMIT_DATA: %s", strerror(errno));
    return -1;
  }
  return 0;
}
