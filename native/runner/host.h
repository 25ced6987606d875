/* Host functions: the `embly` and `wasi_snapshot_preview1` imports, and how a
 * guest's imports are bound to them. */
#ifndef EMBLY_RUNNER_HOST_H
#define EMBLY_RUNNER_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "guest.h"

typedef void (*host_fn)(guest* g, const embly_value* args, embly_value* results);

typedef struct {
  const char* name;
  const char* params;  /* value codes, as in embly_extern_type */
  const char* results;
  host_fn fn;
} host_func;

/* Both tables end with an entry whose name is NULL. */
extern const host_func embly_host_funcs[];
extern const host_func wasi_host_funcs[];

typedef struct host_binding {
  guest* g;
  host_fn fn;
} host_binding;

/* Binds every import of the guest's module; false with a message in err. */
bool host_link(guest* g, char* err, size_t err_len);

/* Guest memory access for host functions: NULL when out of bounds. */
static inline uint8_t* guest_bytes(guest* g, uint32_t ptr, uint64_t len) {
  return embly_memory_range(g->memory, ptr, len);
}

static inline bool guest_store_u32(guest* g, uint32_t ptr, uint32_t value) {
  uint8_t* at = guest_bytes(g, ptr, 4);
  if (at)
    memcpy(at, &value, 4); /* wasm memory is little-endian, like our hosts */
  return at != NULL;
}

static inline bool guest_store_u64(guest* g, uint32_t ptr, uint64_t value) {
  uint8_t* at = guest_bytes(g, ptr, 8);
  if (at)
    memcpy(at, &value, 8);
  return at != NULL;
}

#endif
