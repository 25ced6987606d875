/* The runner's exit status, in every mode (docs/errors.md, "Exit statuses";
 * src/supervisor/exit.ts names them for the daemon).
 *
 * In exec mode 0..125 is the root instance's own code: what it returned
 * (0) or passed to proc_exit, in WASI's range for it. The runner's own
 * outcomes are numbered from 200, clear of that range, of the shell's 126
 * and 127, and of 129..192 (a death by signal 1..64, as a shell shows it):
 * no guest can exit with one. */
#ifndef EMBLY_RUNNER_STATUS_H
#define EMBLY_RUNNER_STATUS_H

enum {
  RUNNER_OK = 0,
  RUNNER_GUEST_CODE_MAX = 125,   /* proc_exit(0..125) is the runner's status as it is */
  RUNNER_USAGE = 200,            /* a bad command line (embly writes it: a bug) */
  RUNNER_LOAD_FAILED = 201,      /* an object, the sandbox or the master's socket failed it */
  RUNNER_TRAP = 202,             /* the root instance trapped (stderr names the trap) */
  RUNNER_LIMIT = 203,            /* a limit refused it (initial memory above the limit) */
  RUNNER_TIMEOUT = 204,          /* the root instance ran past its timeout */
  RUNNER_KILLED = 205,           /* exec: every instance waited for another (or was killed);
                                  * serve: the master went away or broke the protocol */
  RUNNER_EXIT_OUT_OF_RANGE = 206, /* proc_exit with a code above 125 (stderr gives it) */
};

#endif
