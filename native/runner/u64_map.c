#include "u64_map.h"

#include <stdlib.h>

#define MIN_CAPACITY 8

/* The smallest capacity that holds `live` entries a quarter full: the next
 * rehash is then at least a quarter of the capacity of puts away, so its
 * cost is amortised over them. */
static size_t capacity_for(size_t live) {
  size_t capacity = MIN_CAPACITY;
  while (capacity < live * 4)
    capacity *= 2;
  return capacity;
}

static size_t home(const u64_map* map, uint64_t key) {
  /* Addresses are random already; fold the high bits in anyway. */
  return (size_t)(key ^ (key >> 32)) & (map->capacity - 1);
}

static u64_map_slot* find(const u64_map* map, uint64_t key) {
  if (!map->capacity)
    return NULL;
  for (size_t i = home(map, key); map->slots[i].key; i = (i + 1) & (map->capacity - 1))
    if (map->slots[i].key == key && map->slots[i].value)
      return &map->slots[i];
  return NULL;
}

/* Puts a key known to be absent into a free slot (empty or tombstone). */
static void insert(u64_map* map, uint64_t key, uintptr_t value) {
  size_t i = home(map, key);
  while (map->slots[i].key && map->slots[i].value)
    i = (i + 1) & (map->capacity - 1);
  if (!map->slots[i].key)
    map->used++;
  map->slots[i] = (u64_map_slot){key, value};
  map->live++;
}

/* Moves the live entries into a fresh array of `capacity` slots, dropping
 * the tombstones. */
static bool rehash(u64_map* map, size_t capacity) {
  u64_map_slot* old = map->slots;
  size_t old_capacity = map->capacity;
  u64_map_slot* fresh = calloc(capacity, sizeof *fresh);
  if (!fresh)
    return false;
  *map = (u64_map){fresh, capacity, 0, 0};
  for (size_t i = 0; i < old_capacity; i++)
    if (old[i].key && old[i].value)
      insert(map, old[i].key, old[i].value);
  free(old);
  return true;
}

bool u64_map_put(u64_map* map, uint64_t key, uintptr_t value) {
  u64_map_slot* existing = find(map, key);
  if (existing) {
    existing->value = value;
    return true;
  }
  /* At most half the slots used, so every probe ends at an empty one. */
  if ((map->used + 1) * 2 > map->capacity && !rehash(map, capacity_for(map->live + 1)))
    return false;
  insert(map, key, value);
  return true;
}

uintptr_t u64_map_get(const u64_map* map, uint64_t key) {
  u64_map_slot* slot = find(map, key);
  return slot ? slot->value : 0;
}

void u64_map_remove(u64_map* map, uint64_t key) {
  u64_map_slot* slot = find(map, key);
  if (!slot)
    return;
  slot->value = 0;
  map->live--;
  if (map->capacity > MIN_CAPACITY && map->live * 16 < map->capacity)
    rehash(map, capacity_for(map->live)); /* best effort: a failure leaves it as it was */
}

void u64_map_free(u64_map* map) {
  free(map->slots);
  *map = (u64_map){0};
}
