#include "addresses.h"

#include <stdlib.h>

/* Addresses are never 0, so 0 marks an empty slot; TOMBSTONE a removed one. */
#define TOMBSTONE ((guest*)1)

typedef struct {
  uint64_t address;
  guest* g;
} slot;

static slot* g_slots;
static size_t g_capacity, g_used; /* used counts tombstones too */

static size_t home(uint64_t address) {
  /* Addresses are random already; fold the high bits in anyway. */
  return (size_t)(address ^ (address >> 32)) & (g_capacity - 1);
}

static bool grow(void) {
  size_t old_capacity = g_capacity;
  slot* old = g_slots;
  size_t capacity = old_capacity ? old_capacity * 2 : 64;
  slot* fresh = calloc(capacity, sizeof *fresh);
  if (!fresh)
    return false;
  g_slots = fresh;
  g_capacity = capacity;
  g_used = 0;
  for (size_t i = 0; i < old_capacity; i++)
    if (old[i].address && old[i].g != TOMBSTONE)
      addresses_put(old[i].address, old[i].g);
  free(old);
  return true;
}

static slot* find(uint64_t address);

bool addresses_put(uint64_t address, guest* g) {
  slot* existing = find(address);
  if (existing) {
    existing->g = g;
    return true;
  }
  if ((g_used + 1) * 2 > g_capacity && !grow())
    return false;
  size_t i = home(address);
  while (g_slots[i].address && g_slots[i].g != TOMBSTONE)
    i = (i + 1) & (g_capacity - 1);
  if (!g_slots[i].address)
    g_used++;
  g_slots[i] = (slot){address, g};
  return true;
}

static slot* find(uint64_t address) {
  if (!g_capacity)
    return NULL;
  for (size_t i = home(address); g_slots[i].address; i = (i + 1) & (g_capacity - 1))
    if (g_slots[i].address == address && g_slots[i].g != TOMBSTONE)
      return &g_slots[i];
  return NULL;
}

guest* addresses_get(uint64_t address) {
  slot* s = find(address);
  return s ? s->g : NULL;
}

void addresses_remove(uint64_t address) {
  slot* s = find(address);
  if (s)
    s->g = TOMBSTONE;
}
