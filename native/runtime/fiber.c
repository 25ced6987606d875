/* Fibers: a stack, a saved context and the stop target of the wasm code
 * running on it. States: new -> running <-> suspended -> finished.
 * A fiber is resumed only by the thread's scheduler (or a plain caller), never
 * by another fiber, so `g_current` is either NULL or the one running fiber. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>

#include "embly/runtime.h"
#include "internal.h"

/* A fiber's mapping, from low to high addresses:
 *   one PROT_NONE page | the preemption stack | GUARD_BYTES PROT_NONE | the stack
 * The guard must exceed the largest frame that skips probing: generated code
 * is compiled with -fstack-clash-protection, so frames probe page by page.
 * The preemption stack is where an injected safepoint runs (preempt.c), so a
 * guest is preempted however deep it is; it sits below the guard so that
 * jumping from it back to the stack (a stop) goes up, as longjmp expects. */
#define GUARD_BYTES (64u * 1024u)
#define PREEMPT_STACK_BYTES (16u * 1024u)
/* Stack that host code (host calls, runtime helpers, the preemption path)
 * may use below the guest's frames. A host call made with less left is the
 * guest's stack exhaustion: host code never runs into the guard, so a fault
 * there with host code on the stack is a runner bug, not a guest trap. */
#define HOST_HEADROOM_BYTES (64u * 1024u)

/* AddressSanitizer keeps the bounds of the stack each thread runs on: told of
 * every switch, it unpoisons the right stack when a stop longjmps across
 * frames and reports stack addresses against the right one (without this it
 * reports false stack-buffer errors). A fiber's whole mapping is its stack
 * here, the preemption stack included: a safepoint may switch or stop from
 * it. Nothing changes in other builds. */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/common_interface_defs.h>
#define SANITIZER_SWITCH_START(fake_save, bottom, size) \
  __sanitizer_start_switch_fiber((fake_save), (bottom), (size))
#define SANITIZER_SWITCH_FINISH(fake_save, bottom_out, size_out) \
  __sanitizer_finish_switch_fiber((fake_save), (bottom_out), (size_out))
#else
#define SANITIZER_SWITCH_START(fake_save, bottom, size) ((void)(fake_save))
#define SANITIZER_SWITCH_FINISH(fake_save, bottom_out, size_out) ((void)0)
#endif

struct embly_fiber {
  ucontext_t context;
  ucontext_t resumer;
  uint8_t* mapping; /* preemption stack, guard region, stack */
  size_t mapping_size;
  embly_fiber_fn fn;
  void* arg;
  int finished;
  /* innermost embly_guarded_call on this fiber, and how it ended */
  sigjmp_buf* stop_target;
  embly_stop stop;
  /* >0 while host code runs on the fiber (embly_host_enter) */
  volatile sig_atomic_t host_depth;
  /* the safepoint flag of the object whose code runs on the fiber */
  volatile uint32_t* interrupt;
  /* a tick found host code running: a safepoint when it returns to wasm */
  volatile sig_atomic_t preempt_pending;
  uint64_t deadline_ns;
  uint64_t memory_limit_pages;
  uint64_t charged_bytes; /* linear memory and tables, against the limit */
#if defined(__SANITIZE_ADDRESS__)
  const void* resumer_stack; /* the stack to switch back to, for ASan */
  size_t resumer_stack_size;
#endif
};

static _Thread_local embly_fiber* g_current;
static embly_preempt_fn g_preempt;

/* Finished fibers are kept for reuse: their stacks stay mapped and their
 * touched pages resident, so starting an instance costs no syscall and no
 * page fault for its stack (ARCHITECTURE.md §2). */
#define POOL_MAX 64
static embly_fiber* g_pool[POOL_MAX];
static size_t g_pooled;

/* The page below the preemption stack, then the preemption stack. */
static size_t preempt_region_bytes(void) {
  return embly_page_size() + PREEMPT_STACK_BYTES;
}

static uint8_t* guard_low(const embly_fiber* fiber) {
  return fiber->mapping + preempt_region_bytes();
}

static uint8_t* stack_low(const embly_fiber* fiber) {
  return guard_low(fiber) + GUARD_BYTES;
}

static size_t stack_bytes(const embly_fiber* fiber) {
  return fiber->mapping_size - preempt_region_bytes() - GUARD_BYTES;
}

static embly_fiber* from_pool(size_t mapping_size) {
  for (size_t i = g_pooled; i > 0; i--) {
    embly_fiber* fiber = g_pool[i - 1];
    if (fiber->mapping_size == mapping_size) {
      g_pool[i - 1] = g_pool[--g_pooled];
      return fiber;
    }
  }
  return NULL;
}

static void reset(embly_fiber* fiber) {
  fiber->memory_limit_pages = UINT64_MAX;
  fiber->charged_bytes = 0;
  fiber->interrupt = NULL;
  fiber->deadline_ns = 0;
  fiber->finished = 1;
}

embly_fiber* embly_fiber_new(size_t stack_size) {
  size_t page = embly_page_size();
  stack_size = (stack_size + page - 1) & ~(page - 1);
  size_t mapping_size = preempt_region_bytes() + GUARD_BYTES + stack_size;
  embly_fiber* fiber = from_pool(mapping_size);
  if (fiber) {
    reset(fiber);
    return fiber;
  }
  fiber = calloc(1, sizeof *fiber);
  if (!fiber)
    return NULL;
  fiber->mapping_size = mapping_size;
  fiber->mapping = mmap(NULL, fiber->mapping_size, PROT_NONE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (fiber->mapping == MAP_FAILED ||
      mprotect(fiber->mapping + page, PREEMPT_STACK_BYTES, PROT_READ | PROT_WRITE) != 0 ||
      mprotect(stack_low(fiber), stack_size, PROT_READ | PROT_WRITE) != 0) {
    if (fiber->mapping != MAP_FAILED)
      munmap(fiber->mapping, fiber->mapping_size);
    free(fiber);
    return NULL;
  }
  reset(fiber);
  return fiber;
}

void embly_fiber_free(embly_fiber* fiber) {
  if (!fiber)
    return;
  if (g_pooled < POOL_MAX) {
    g_pool[g_pooled++] = fiber;
    return;
  }
  munmap(fiber->mapping, fiber->mapping_size);
  free(fiber);
}

static void run_nothing(void* arg) {}

int embly_fiber_prewarm(size_t stack_size, size_t resident) {
  embly_fiber* fiber = embly_fiber_new(stack_size);
  if (!fiber)
    return 0;
  size_t stack = stack_bytes(fiber);
  if (resident > stack)
    resident = stack;
  /* Stacks grow down: the top pages are the ones every instance uses. */
  embly_populate(fiber->mapping + fiber->mapping_size - resident, resident);
  /* One empty run maps the context-switch code, which a fresh process has
   * not executed yet. */
  embly_fiber_start(fiber, run_nothing, NULL);
  embly_fiber_free(fiber);
  return 1;
}

static void fiber_entry(void) {
  embly_fiber* fiber = g_current;
  SANITIZER_SWITCH_FINISH(NULL, &fiber->resumer_stack, &fiber->resumer_stack_size);
  fiber->fn(fiber->arg);
  fiber->finished = 1;
  SANITIZER_SWITCH_START(NULL, fiber->resumer_stack, fiber->resumer_stack_size);
  swapcontext(&fiber->context, &fiber->resumer);
}

void embly_fiber_start(embly_fiber* fiber, embly_fiber_fn fn, void* arg) {
  fiber->fn = fn;
  fiber->arg = arg;
  fiber->finished = 0;
  fiber->stop_target = NULL;
  fiber->host_depth = 0;
  fiber->preempt_pending = 0;
  getcontext(&fiber->context);
  fiber->context.uc_stack.ss_sp = stack_low(fiber);
  fiber->context.uc_stack.ss_size = stack_bytes(fiber);
  fiber->context.uc_link = NULL;
  makecontext(&fiber->context, fiber_entry, 0);
  embly_fiber_resume(fiber);
}

void embly_fiber_resume(embly_fiber* fiber) {
  embly_fiber* previous = g_current;
  if (fiber->interrupt)
    *fiber->interrupt = 0; /* a tick that came before this run is not its own */
  fiber->preempt_pending = 0;
  g_current = fiber;
  void* fake_stack = NULL;
  SANITIZER_SWITCH_START(&fake_stack, fiber->mapping, fiber->mapping_size);
  swapcontext(&fiber->resumer, &fiber->context);
  SANITIZER_SWITCH_FINISH(fake_stack, NULL, NULL);
  g_current = previous;
}

void embly_fiber_suspend(void) {
  embly_fiber* fiber = g_current;
  void* fake_stack = NULL;
  SANITIZER_SWITCH_START(&fake_stack, fiber->resumer_stack, fiber->resumer_stack_size);
  swapcontext(&fiber->context, &fiber->resumer);
  SANITIZER_SWITCH_FINISH(fake_stack, &fiber->resumer_stack, &fiber->resumer_stack_size);
}

int embly_fiber_finished(const embly_fiber* fiber) {
  return fiber->finished;
}

embly_fiber* embly_fiber_current(void) {
  return g_current;
}

void embly_fiber_set_memory_limit(embly_fiber* fiber, uint64_t max_pages) {
  fiber->memory_limit_pages = max_pages;
  fiber->charged_bytes = 0;
}

#define LIMIT_PAGE_BYTES 65536u

int embly_memory_charge(uint64_t bytes) {
  embly_fiber* fiber = g_current;
  if (!fiber || fiber->memory_limit_pages > UINT64_MAX / LIMIT_PAGE_BYTES)
    return 1; /* no limit to count against */
  uint64_t limit = fiber->memory_limit_pages * LIMIT_PAGE_BYTES;
  if (bytes > limit - fiber->charged_bytes)
    return 0;
  fiber->charged_bytes += bytes;
  return 1;
}

void embly_memory_uncharge(uint64_t bytes) {
  embly_fiber* fiber = g_current;
  if (fiber)
    fiber->charged_bytes -= bytes < fiber->charged_bytes ? bytes : fiber->charged_bytes;
}

uint64_t embly_fiber_memory_limit(const embly_fiber* fiber) {
  return fiber ? fiber->memory_limit_pages : UINT64_MAX;
}

void embly_fiber_set_deadline(embly_fiber* fiber, uint64_t deadline_ns) {
  fiber->deadline_ns = deadline_ns;
}

uint64_t embly_fiber_deadline(const embly_fiber* fiber) {
  return fiber->deadline_ns;
}

uint64_t embly_monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

embly_stop embly_guarded_call(void (*fn)(void* arg), void* arg) {
  embly_fiber* fiber = g_current;
  if (!fiber) {
    fputs("embly: wasm code called outside a fiber\n", stderr);
    abort();
  }
  sigjmp_buf target;
  sigjmp_buf* outer = fiber->stop_target;
  /* Signal masks are not saved: the fault handler runs with SA_NODEFER, so
   * nothing stays blocked when it jumps here. The target is published only
   * once sigsetjmp has filled it. */
  if (sigsetjmp(target, 0) == 0) {
    fiber->stop_target = &target;
    fn(arg);
    fiber->stop_target = outer;
    return (embly_stop){EMBLY_STOP_NONE, 0};
  }
  fiber = g_current;
  fiber->stop_target = outer;
  fiber->host_depth = 0;
  return fiber->stop;
}

_Noreturn void embly_stop_now(embly_stop_kind kind, int32_t code) {
  embly_fiber* fiber = g_current;
  if (!fiber || !fiber->stop_target) {
    fprintf(stderr, "embly: stop (%d, %d) outside guarded wasm code\n", kind,
            code);
    abort();
  }
  fiber->stop = (embly_stop){kind, code};
  siglongjmp(*fiber->stop_target, 1);
}

static size_t stack_left(const embly_fiber* fiber, uintptr_t sp) {
  uintptr_t low = (uintptr_t)stack_low(fiber);
  return sp > low ? sp - low : 0;
}

/* Whether sp is on the fiber's stack (not its preemption stack). */
static bool on_stack(const embly_fiber* fiber, uintptr_t sp) {
  return sp > (uintptr_t)stack_low(fiber) && sp <= (uintptr_t)fiber->mapping + fiber->mapping_size;
}

void embly_host_enter(void) {
  embly_fiber* fiber = g_current;
  if (!fiber)
    return;
  uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
  if (fiber->host_depth == 0 && fiber->stop_target && on_stack(fiber, sp) &&
      stack_left(fiber, sp) < HOST_HEADROOM_BYTES)
    embly_stop_now(EMBLY_STOP_TRAP, WASM_RT_TRAP_EXHAUSTION);
  fiber->host_depth++;
}

void embly_host_leave(void) {
  embly_fiber* fiber = g_current;
  if (!fiber || --fiber->host_depth > 0 || !fiber->preempt_pending)
    return;
  /* Host code is done and wasm comes next: the safepoint a tick asked for. */
  fiber->preempt_pending = 0;
  embly_safepoint();
}

void embly_fiber_set_interrupt(embly_fiber* fiber, volatile uint32_t* flag) {
  fiber->interrupt = flag;
}

void embly_set_preempt_handler(embly_preempt_fn handler) {
  g_preempt = handler;
}

void embly_request_safepoint(void* signal_context) {
  embly_fiber* fiber = g_current;
  if (!fiber || !fiber->stop_target)
    return;
  if (fiber->interrupt)
    *fiber->interrupt = 1; /* objects that poll (EMBLY_PREEMPT_POLL) */
  /* Only wasm code may be interrupted here: the guest's own frames hold no
   * host state. Anywhere else, the safepoint waits for host code to end. */
  uintptr_t pc = embly_signal_pc(signal_context);
  bool in_wasm = fiber->host_depth == 0 && embly_object_injectable(pc);
  uintptr_t preempt_top = (uintptr_t)guard_low(fiber);
  if (!in_wasm || !embly_inject_safepoint(signal_context, preempt_top, (uintptr_t)stack_low(fiber)))
    fiber->preempt_pending = 1;
}

bool embly_safepoint_due(void) {
  embly_fiber* fiber = g_current;
  return fiber && (fiber->preempt_pending || (fiber->interrupt && *fiber->interrupt));
}

/* Reached from the injected trampoline (preempt.c), from polling code at a
 * loop header or function entry, or from host code on its way back to wasm:
 * no host work is half done, so the instance may stop or give up the thread. */
void embly_safepoint(void) {
  embly_fiber* fiber = g_current;
  if (!fiber || !fiber->stop_target)
    return;
  if (fiber->interrupt)
    *fiber->interrupt = 0;
  embly_host_enter();
  if (fiber->deadline_ns && embly_monotonic_ns() >= fiber->deadline_ns)
    embly_stop_now(EMBLY_STOP_TIMEOUT, 0);
  if (g_preempt)
    g_preempt();
  fiber->host_depth--; /* not embly_host_leave: this is the safepoint a pending tick asks for */
  fiber->preempt_pending = 0;
}

embly_stop_kind embly_fiber_classify_fault(uintptr_t address, uintptr_t pc, int32_t* trap) {
  embly_fiber* fiber = g_current;
  if (!fiber || !fiber->stop_target || fiber->host_depth > 0)
    return EMBLY_STOP_NONE;
  uintptr_t low = (uintptr_t)guard_low(fiber);
  /* Exhaustion may fault in a leaf that generated code calls (libm, memcpy):
   * those hold no state, unlike host code, which never reaches the guard. */
  if (address >= low && address < low + GUARD_BYTES) {
    *trap = WASM_RT_TRAP_EXHAUSTION;
    return EMBLY_STOP_TRAP;
  }
  if (embly_memory_owns(address) && embly_object_code_owns(pc)) {
    *trap = WASM_RT_TRAP_OOB;
    return EMBLY_STOP_TRAP;
  }
  return EMBLY_STOP_NONE;
}
