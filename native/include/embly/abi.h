/* The function ABI shared by the runner, the SDKs and the TypeScript side.
 * docs/abi.md explains every value; src/build/abi.ts mirrors the version. */
#ifndef EMBLY_ABI_H
#define EMBLY_ABI_H

/* Bumped whenever the AOT object contract (module.h), wasm-rt.h or the
 * import signatures change: objects built for another version are refused. */
#define EMBLY_ABI_VERSION 2

/* WASI errno values returned by every `embly` import. */
enum embly_errno {
  EMBLY_OK = 0,
  EMBLY_EACCES = 2, /* spawn: the project does not allow it (embly/http) */
  EMBLY_EAGAIN = 6,
  EMBLY_EBADF = 8,
  EMBLY_EFAULT = 21,
  EMBLY_EINVAL = 28,
  EMBLY_ENOENT = 44,
  EMBLY_ENOMEM = 48,
  EMBLY_ENOSYS = 52,
  EMBLY_EPIPE = 64,
};

/* Handle 1 is whoever spawned the instance; children get 2, 3, ... */
#define EMBLY_HANDLE_PARENT 1

/* Why an instance ended (ARCHITECTURE.md §4 EXIT frame). */
enum embly_exit_reason {
  EMBLY_EXIT_OK = 0,      /* returned from _start or proc_exit(0) */
  EMBLY_EXIT_ERROR = 1,   /* proc_exit(n) with n != 0, or failed to start */
  EMBLY_EXIT_TRAP = 2,    /* a wasm trap; the trap kind says which */
  EMBLY_EXIT_TIMEOUT = 3, /* ran past its wall-time limit */
  EMBLY_EXIT_KILLED = 4,  /* its runner died or it was cancelled */
};

#endif
