/* Traps and the signals that become traps.
 *
 * Explicit checks in generated code call wasm_rt_trap; guard regions turn
 * out-of-bounds accesses and stack exhaustion into SIGSEGV, which the handler
 * below turns into the same trap of the running instance. The handler runs on
 * an alternate stack (the fiber's own stack may be exhausted) and jumps to the
 * fiber's stop target; a fault that is not wasm's doing is re-raised as the
 * crash it is. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "embly/runtime.h"
#include "internal.h"

#define SIGNAL_STACK_BYTES (64u * 1024u)

static int g_initialized;
/* What SIGSEGV and SIGBUS did before: a fault that is not wasm's goes back to
 * it (the default action in the runner; a sanitizer's report in native/fuzz). */
static struct sigaction g_previous_segv, g_previous_bus;

size_t embly_page_size(void) {
  static size_t page;
  if (!page)
    page = (size_t)sysconf(_SC_PAGESIZE);
  return page;
}

static void on_fault(int sig, siginfo_t* info, void* context) {
  if (info->si_code <= 0) {
    /* Sent by a process (kill, tgkill, sigqueue), not a fault: no
     * instruction will fault again, so die of it now, as its sender asks. */
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  int32_t trap = 0;
  embly_stop_kind kind = embly_fiber_classify_fault(
      (uintptr_t)info->si_addr, embly_signal_pc(context), &trap);
  if (kind != EMBLY_STOP_NONE)
    embly_stop_now(kind, trap);
  /* Not ours: fall back to the previous action; the faulting instruction
   * runs again and the process dies with the original signal. */
  sigaction(sig, sig == SIGBUS ? &g_previous_bus : &g_previous_segv, NULL);
}

static void* g_signal_stack; /* kept, so a leak checker sees it in use */

static void install_signal_stack(void) {
  g_signal_stack = malloc(SIGNAL_STACK_BYTES);
  stack_t stack = {.ss_sp = g_signal_stack,
                   .ss_size = SIGNAL_STACK_BYTES,
                   .ss_flags = 0};
  if (!stack.ss_sp || sigaltstack(&stack, NULL) != 0) {
    perror("embly: sigaltstack");
    abort();
  }
}

static void install_fault_handler(int sig, struct sigaction* previous) {
  struct sigaction action = {0};
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  if (sigaction(sig, &action, previous) != 0) {
    perror("embly: sigaction");
    abort();
  }
}

void wasm_rt_init(void) {
  if (g_initialized)
    return;
  install_signal_stack();
  install_fault_handler(SIGSEGV, &g_previous_segv);
  install_fault_handler(SIGBUS, &g_previous_bus);
  g_initialized = 1;
}

bool wasm_rt_is_initialized(void) {
  return g_initialized;
}

void wasm_rt_free(void) {}

_Noreturn void wasm_rt_trap(wasm_rt_trap_t trap) {
  embly_stop_now(EMBLY_STOP_TRAP, (int32_t)trap);
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable executed";
    case WASM_RT_TRAP_CALL_INDIRECT: return "indirect call type mismatch or null";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION: return "uncaught exception";
    case WASM_RT_TRAP_UNALIGNED: return "unaligned atomic access";
    case WASM_RT_TRAP_EXHAUSTION: return "call stack exhausted";
    case WASM_RT_TRAP_NULL_REF: return "null reference";
  }
  return "unknown trap";
}
