/* Injected safepoints: how a tick preempts wasm code that makes no host call
 * (docs/loader.md, "Preemption"), in the manner of Go's asynchronous
 * preemption. The timer's signal handler, finding the running fiber in the
 * code of an object built for it (EMBLY_PREEMPT_INJECT), rewrites the
 * interrupted context so that, once the handler returns, the thread runs the
 * trampoline below on the fiber's preemption stack. The trampoline saves
 * every register that the C calling convention lets a callee clobber (and
 * the flags, and the SSE state), calls embly_safepoint, restores them and
 * returns to the interrupted instruction with the stack as it was. The
 * guest cannot tell, unless the safepoint stops it or lets other fibers run
 * first.
 *
 * The return address goes just below the interrupted stack pointer: objects
 * are compiled with -mno-red-zone, so nothing lives there. They are compiled
 * for baseline x86-64 too, so their code uses no register that fxsave misses
 * (AVX's upper halves). */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <ucontext.h>

#include "internal.h"

uintptr_t embly_signal_pc(const void* signal_context) {
  const ucontext_t* context = signal_context;
#if defined(__x86_64__)
  return (uintptr_t)context->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
  return (uintptr_t)context->uc_mcontext.pc;
#else
#error "embly: add this architecture's program counter in a ucontext"
#endif
}

#if defined(__x86_64__)

void embly_preempt_trampoline(void);

/* Entered with %rsp at the top of the preemption stack, where one word holds
 * the interrupted %rsp minus 8, at which the interrupted %rip is stored. */
__asm__(
    ".text\n"
    ".p2align 4\n"
    ".type embly_preempt_trampoline, @function\n"
    "embly_preempt_trampoline:\n"
    "  pushfq\n"
    "  push %rax\n"
    "  push %rcx\n"
    "  push %rdx\n"
    "  push %rsi\n"
    "  push %rdi\n"
    "  push %r8\n"
    "  push %r9\n"
    "  push %r10\n"
    "  push %r11\n"
    "  push %rbp\n"
    "  mov %rsp, %rbp\n"
    "  and $-64, %rsp\n"
    "  sub $512, %rsp\n"
    "  fxsave64 (%rsp)\n"
    "  cld\n"
    "  call embly_safepoint@PLT\n"
    "  fxrstor64 (%rsp)\n"
    "  mov %rbp, %rsp\n"
    "  pop %rbp\n"
    "  pop %r11\n"
    "  pop %r10\n"
    "  pop %r9\n"
    "  pop %r8\n"
    "  pop %rdi\n"
    "  pop %rsi\n"
    "  pop %rdx\n"
    "  pop %rcx\n"
    "  pop %rax\n"
    "  popfq\n"
    "  mov (%rsp), %rsp\n"
    "  ret\n"
    ".size embly_preempt_trampoline, .-embly_preempt_trampoline\n");

bool embly_inject_safepoint(void* signal_context, uintptr_t preempt_top, uintptr_t stack_low) {
  ucontext_t* context = signal_context;
  greg_t* regs = context->uc_mcontext.gregs;
  uintptr_t sp = (uintptr_t)regs[REG_RSP];
  if (sp < stack_low + 8)
    return false; /* at the guard already: its next push traps */
  uintptr_t return_slot = sp - 8;
  *(uintptr_t*)return_slot = (uintptr_t)regs[REG_RIP];
  uintptr_t top = (preempt_top & ~(uintptr_t)15) - 16;
  *(uintptr_t*)top = return_slot;
  regs[REG_RSP] = (greg_t)top;
  regs[REG_RIP] = (greg_t)(uintptr_t)embly_preempt_trampoline;
  return true;
}

#else

/* No injection here yet: objects poll instead (EMBLY_PREEMPT_POLL). */
bool embly_inject_safepoint(void* signal_context, uintptr_t preempt_top, uintptr_t stack_low) {
  return false;
}

#endif
