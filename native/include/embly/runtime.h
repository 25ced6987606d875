/* The host side of the runtime: execution contexts (fibers with their own
 * stack and trap target), AOT objects and instances. Used by the runner and by
 * the spec-test driver; docs/loader.md explains the model. */
#ifndef EMBLY_RUNTIME_H
#define EMBLY_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "embly/module.h"

/* ---- Stops: every way wasm execution can end early --------------------- */

typedef enum {
  EMBLY_STOP_NONE = 0, /* ran to completion */
  EMBLY_STOP_TRAP,     /* code: a wasm_rt_trap_t */
  EMBLY_STOP_EXIT,     /* code: the proc_exit status */
  EMBLY_STOP_TIMEOUT,  /* ran past its deadline */
  EMBLY_STOP_LIMIT,    /* code: the embly_limit that refused instantiation */
  EMBLY_STOP_KILLED,   /* ended from outside (the master, a dying peer) */
} embly_stop_kind;

/* What an EMBLY_STOP_LIMIT ran into. */
typedef enum {
  EMBLY_LIMIT_MEMORY = 0,    /* the function's memory limit: its memory and tables need more */
  EMBLY_LIMIT_ADDRESS_SPACE, /* the system refused the allocation (vm.max_map_count, RLIMIT_DATA, no memory) */
} embly_limit;

/* One line for logs: what the limit was. */
const char* embly_limit_describe(int32_t limit);

typedef struct {
  embly_stop_kind kind;
  int32_t code;
} embly_stop;

/* ---- Fibers ------------------------------------------------------------- */

/* A fiber runs wasm code on its own stack (with a guard region below it, so
 * running out of stack is a trap) and owns the trap target of the code it
 * runs, so many instances can be suspended at once in one thread. */
typedef struct embly_fiber embly_fiber;
typedef void (*embly_fiber_fn)(void* arg);

embly_fiber* embly_fiber_new(size_t stack_size);
void embly_fiber_free(embly_fiber* fiber);
/* Runs fn(arg) on the fiber until it returns or suspends itself. */
void embly_fiber_start(embly_fiber* fiber, embly_fiber_fn fn, void* arg);
/* Continues a suspended fiber until it returns or suspends again. */
void embly_fiber_resume(embly_fiber* fiber);
/* Called on a fiber: returns control to whoever started or resumed it. */
void embly_fiber_suspend(void);
int embly_fiber_finished(const embly_fiber* fiber);
embly_fiber* embly_fiber_current(void);

/* Pools a fiber (as embly_fiber_free does) whose stack's top `resident`
 * bytes are already resident, so the next embly_fiber_new(stack_size) costs
 * no syscall and its first frames no page fault. 0 when out of memory. */
int embly_fiber_prewarm(size_t stack_size, size_t resident);

/* Limits that the runtime enforces for code running on the fiber. */
void embly_fiber_set_memory_limit(embly_fiber* fiber, uint64_t max_pages);
uint64_t embly_fiber_memory_limit(const embly_fiber* fiber);
/* The memory limit covers the instance's linear memory and its tables
 * together (docs/loader.md §3). On the current fiber, counts `bytes` more of
 * either against it: 0, and nothing counted, when they do not fit; always 1
 * off a fiber or without a limit. The count starts at 0 with the limit, so
 * an ended instance's bytes are never held against the next. */
int embly_memory_charge(uint64_t bytes);
/* Gives back bytes counted for an allocation that then failed. */
void embly_memory_uncharge(uint64_t bytes);

/* On the current fiber: calls fn(arg) and catches every stop. */
embly_stop embly_guarded_call(void (*fn)(void* arg), void* arg);
/* Ends the innermost guarded call on the current fiber. */
_Noreturn void embly_stop_now(embly_stop_kind kind, int32_t code);

/* Host code that runs on a fiber (host calls, runtime helpers) is bracketed
 * by these. Entering with less than the host's headroom of stack left stops
 * the guest with a stack-exhaustion trap, so host code never runs into the
 * guard; a fault while host code runs is a crash, never a guest trap. */
void embly_host_enter(void);
void embly_host_leave(void);
/* The fiber's code stops with a timeout once CLOCK_MONOTONIC passes
 * deadline_ns (0: no deadline), at its next safepoint or host call that
 * looks (nothing stops it asynchronously). */
void embly_fiber_set_deadline(embly_fiber* fiber, uint64_t deadline_ns);
uint64_t embly_fiber_deadline(const embly_fiber* fiber);

/* ---- Preemption (docs/loader.md, "Preemption") --------------------------
 * A tick asks the running fiber for a safepoint: one is injected at the
 * interrupted instruction when that is wasm code (EMBLY_PREEMPT_INJECT), the
 * code polls a flag for it (EMBLY_PREEMPT_POLL), and host code takes it when
 * it returns to wasm. At a safepoint the instance stops at its deadline, or
 * gives up the thread through the embedder's handler. These are the only
 * points where wasm code is stopped from outside: runtime state is never
 * left half-changed. */
typedef void (*embly_preempt_fn)(void);
/* The object whose code runs on the fiber: its flag is the one to set. */
void embly_fiber_set_interrupt(embly_fiber* fiber, volatile uint32_t* flag);
/* Called at a safepoint with a set flag, on the fiber, as host code. */
void embly_set_preempt_handler(embly_preempt_fn handler);
/* From a timer's signal handler (SA_SIGINFO, SA_ONSTACK), given its
 * context: asks the code running on the current fiber for a safepoint.
 * Async-signal-safe. */
void embly_request_safepoint(void* signal_context);
/* Whether a safepoint was requested since the current fiber last resumed:
 * long host calls look at it to give up the thread between chunks. */
bool embly_safepoint_due(void);
/* The safepoint itself, called by generated code. */
void embly_safepoint(void);
uint64_t embly_monotonic_ns(void);

/* ---- Linear memory ------------------------------------------------------ */

/* Pools a zeroed linear memory of `bytes` accessible bytes, the first
 * `resident` of them already resident, for the next instance that allocates
 * one (any size; the same size costs no syscall). 0 when the pool is full or
 * out of memory. */
int embly_memory_prewarm(uint64_t bytes, uint64_t resident);

/* ---- Objects ------------------------------------------------------------ */

typedef struct embly_object embly_object;

/* Loads an AOT object. expected_sha256 (hex) may be NULL. On failure returns
 * NULL and writes a message naming the path and the reason into err. */
embly_object* embly_object_open(const char* path,
                                const char* expected_sha256,
                                char* err,
                                size_t err_len);
void embly_object_close(embly_object* object);
const embly_module* embly_object_module(const embly_object* object);

const embly_export* embly_module_find_export(const embly_module* module,
                                             const char* name,
                                             uint32_t name_len);
/* Describes an extern type as text ("func (i32, i32) -> (i32)") for errors. */
void embly_extern_type_describe(const embly_extern_type* type,
                                char* buf,
                                size_t len);
/* Whether something of type `actual` can satisfy an import of `wanted`. */
int embly_extern_type_matches(const embly_extern_type* wanted,
                              const embly_extern_type* actual);

/* ---- Instances ---------------------------------------------------------- */

typedef struct {
  const embly_module* module;
  void* state;        /* module->instance_size bytes, owned */
  embly_slot* slots;  /* one per import, filled by the embedder */
  int instantiated;
} embly_instance;

/* Allocates state and slots; the embedder fills slots before instantiating. */
int embly_instance_init(embly_instance* instance, const embly_module* module);
/* Runs instantiation (globals, tables, memory, data, start) on the current
 * fiber. */
embly_stop embly_instance_instantiate(embly_instance* instance);
/* Calls a function export on the current fiber. */
embly_stop embly_instance_invoke(embly_instance* instance,
                                 const embly_export* func,
                                 const embly_value* args,
                                 embly_value* results);
void embly_instance_release(embly_instance* instance);

/* Linear memory bounds check for host functions: the address of
 * [offset, offset + len) in memory, or NULL if any of it is out of bounds. */
static inline void* embly_memory_range(const wasm_rt_memory_t* memory,
                                       uint64_t offset,
                                       uint64_t len) {
  if (!memory || offset > memory->size || len > memory->size - offset)
    return NULL;
  return memory->data + offset;
}

#endif
