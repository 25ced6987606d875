#include "addresses.h"

#include "u64_map.h"

static u64_map g_guests;

bool addresses_put(uint64_t address, guest* g) {
  return u64_map_put(&g_guests, address, (uintptr_t)g);
}

guest* addresses_get(uint64_t address) {
  return (guest*)u64_map_get(&g_guests, address);
}

void addresses_remove(uint64_t address) {
  u64_map_remove(&g_guests, address);
}
