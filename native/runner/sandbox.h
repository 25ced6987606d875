/* The runner's sandbox: a seccomp-bpf allowlist entered after every object is
 * loaded and before any instance runs (docs/supervisor.md).
 *
 * The supervisor (native/addon) already gave the process no_new_privs,
 * rlimits, closed fds, an empty environment, cwd `/`, its own process group
 * and a parent-death signal; this is the last step, and the one that holds:
 * from here on the process can use the fds it has, memory, signals for
 * itself and clocks, and nothing else. Any other system call kills the whole
 * process with SIGSYS, which the supervisor reports as a sandbox violation. */
#ifndef EMBLY_RUNNER_SANDBOX_H
#define EMBLY_RUNNER_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sets no_new_privs (idempotent) and installs the filter. Returns 0, or -1
 * with a message in err. Call it once, single-threaded, after dlopen of every
 * object the runner may instantiate: open/mmap of files is gone afterwards.
 *
 * `template`: the allowlist of a template runner (which forks the runners
 * of isolation: process), which also needs to connect, fork and reap; its
 * children take those calls away again with runner_sandbox_narrow(). */
int runner_sandbox_enter(bool template, char* err, size_t err_len);

/* In a template's child, before anything else it runs: a second filter that
 * kills on every call only the template needed, so that the two stacked
 * filters allow exactly what a serve-mode runner's does. Built by hand (no
 * libseccomp, nothing to compile per child); async-signal-safe. Returns 0 or
 * an errno. */
int runner_sandbox_narrow(void);

/* Caps the runner's heap: RLIMIT_DATA (soft and hard) to `bytes`, or to the
 * hard limit it was given if that is lower. RLIMIT_DATA counts what is made
 * writable, so the PROT_NONE reservations of linear memories are free and
 * their accessible pages count: past the cap, memory.grow returns -1 and
 * malloc fails, instead of the runner taking the machine's memory.
 * UINT64_MAX sets nothing. Returns 0 or -1 with a message in err. */
int runner_limit_heap(uint64_t bytes, char* err, size_t err_len);

#endif
