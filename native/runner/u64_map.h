/* An open-addressing hash map from non-zero u64 keys (instance addresses,
 * which are random) to non-zero values: the runner's guests by address, and
 * each guest's handles by peer address (serve mode, where every frame looks
 * its target up). Its size follows the live entries, not how many there have
 * ever been: removed entries are dropped at the next rehash, which keeps the
 * same capacity when they are what filled it, and the table shrinks when
 * most of it is empty. */
#ifndef EMBLY_RUNNER_U64_MAP_H
#define EMBLY_RUNNER_U64_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t key;    /* 0: never used */
  uintptr_t value; /* 0 with a key: removed (a tombstone) */
} u64_map_slot;

typedef struct {
  u64_map_slot* slots;
  size_t capacity; /* a power of two, or 0 before the first put */
  size_t live;     /* entries */
  size_t used;     /* entries and tombstones: what ends a probe */
} u64_map;

/* Adds or replaces; false when out of memory. key and value are not 0. */
bool u64_map_put(u64_map* map, uint64_t key, uintptr_t value);
/* The value for key, or 0. */
uintptr_t u64_map_get(const u64_map* map, uint64_t key);
void u64_map_remove(u64_map* map, uint64_t key);
void u64_map_free(u64_map* map);

#endif
