/* Sets of address ranges that a fault handler may look up while the rest of
 * the runtime changes them: linear memory reservations (memory.c) and the
 * code of loaded objects (object.c). Lookups come from signal handlers only
 * while no host code runs on the fiber (a fault raised by guest code, a tick
 * that interrupted it), and ranges change only in host code or before any
 * instance runs, so a lookup never meets a half-made change. */
#include <stdlib.h>

#include "internal.h"

int embly_ranges_add(embly_range_set* set, uintptr_t start, uintptr_t end) {
  if (set->count == set->capacity) {
    size_t capacity = set->capacity ? set->capacity * 2 : 64;
    embly_range* grown = malloc(capacity * sizeof *grown);
    if (!grown)
      return 0;
    for (size_t i = 0; i < set->count; i++)
      grown[i] = set->items[i];
    embly_range* old = set->items;
    set->items = grown; /* swap before freeing: a lookup never sees freed memory */
    set->capacity = capacity;
    free(old);
  }
  set->items[set->count] = (embly_range){start, end};
  set->count++;
  return 1;
}

void embly_ranges_remove(embly_range_set* set, uintptr_t start) {
  for (size_t i = 0; i < set->count; i++) {
    if (set->items[i].start == start) {
      set->items[i] = set->items[--set->count];
      return;
    }
  }
}

int embly_ranges_contain(const embly_range_set* set, uintptr_t address) {
  for (size_t i = 0; i < set->count; i++)
    if (address >= set->items[i].start && address < set->items[i].end)
      return 1;
  return 0;
}
