/* Shared between the files of native/runtime only. */
#ifndef EMBLY_RUNTIME_INTERNAL_H
#define EMBLY_RUNTIME_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "embly/runtime.h"

size_t embly_page_size(void);

/* Makes [start, start + len) resident and writable without changing its
 * bytes; the range must be mapped readable and writable. */
void embly_populate(uint8_t* start, size_t len);

/* Whether address lies in the reservation of a live linear memory.
 * Async-signal-safe. */
int embly_memory_owns(uintptr_t address);

embly_stop_kind embly_fiber_classify_fault(uintptr_t address, int32_t* trap);

#endif
