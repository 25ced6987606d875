/* Shared between the files of native/runtime only. */
#ifndef EMBLY_RUNTIME_INTERNAL_H
#define EMBLY_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "embly/runtime.h"

size_t embly_page_size(void);

/* Makes [start, start + len) resident and writable without changing its
 * bytes; the range must be mapped readable and writable. */
void embly_populate(uint8_t* start, size_t len);

/* A set of [start, end) address ranges (ranges.c). */
typedef struct {
  uintptr_t start, end;
} embly_range;
typedef struct {
  embly_range* items;
  size_t count, capacity;
} embly_range_set;
/* 0 when out of memory. */
int embly_ranges_add(embly_range_set* set, uintptr_t start, uintptr_t end);
/* Removes the range that starts at start. */
void embly_ranges_remove(embly_range_set* set, uintptr_t start);
/* Async-signal-safe against the synchronous faults of guest code. */
int embly_ranges_contain(const embly_range_set* set, uintptr_t address);

/* Whether address lies in the reservation of a live linear memory. */
int embly_memory_owns(uintptr_t address);
/* Whether pc lies in the code of a loaded AOT object: only there does a
 * fault in a linear memory mean an out-of-bounds access of the guest. */
int embly_object_code_owns(uintptr_t pc);
/* Whether pc lies in the code of an object built for injected safepoints
 * (EMBLY_PREEMPT_INJECT). Async-signal-safe: objects are opened before any
 * instance runs. */
int embly_object_injectable(uintptr_t pc);

/* preempt.c: the program counter of a signal's interrupted context, and
 * the injection of a safepoint call into it (false where not possible). */
uintptr_t embly_signal_pc(const void* signal_context);
bool embly_inject_safepoint(void* signal_context, uintptr_t preempt_top, uintptr_t stack_low);

/* For the fault handler: the stop that a fault at `address`, raised by the
 * instruction at `pc`, means for the code running now, or NONE when it is not
 * the guest's doing (then the process must crash: host code faulted). */
embly_stop_kind embly_fiber_classify_fault(uintptr_t address, uintptr_t pc, int32_t* trap);

#endif
