/* The sanitizer build's defaults (docs/sanitizers.md), compiled into the
 * host programs (embly-runner, embly-spec) so that a runner the supervisor
 * starts with an empty environment still gets them; ASAN_OPTIONS and
 * UBSAN_OPTIONS, where a runner has them, override them. Empty elsewhere. */
#if defined(__SANITIZE_ADDRESS__)

const char* __asan_default_options(void);
const char* __ubsan_default_options(void);

/* handle_segv/handle_sigbus=0: guest traps are SIGSEGV/SIGBUS on guard
 * pages (trap.c), which the runtime's own handler turns into traps; ASan's
 * handler would report each as a crash. A fault that is not a guest's still
 * kills the runner with its signal. detect_leaks=0: LeakSanitizer stops the
 * world with ptrace from a new thread at exit, which the sandbox forbids.
 * detect_stack_use_after_return=0: its fake stacks do not follow a fiber's
 * stop (a longjmp out of guest code). */
const char* __asan_default_options(void) {
  return "halt_on_error=1:handle_segv=0:handle_sigbus=0:allow_user_segv_handler=1:"
         "detect_leaks=0:detect_stack_use_after_return=0";
}

const char* __ubsan_default_options(void) {
  return "halt_on_error=1:print_stacktrace=1";
}

#else
typedef int embly_no_sanitizer_options; /* an empty file is not ISO C */
#endif
