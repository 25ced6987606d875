/* Tables of funcref and externref. Their functions are runtime helpers
 * called by generated code, so they run as host code from start to end
 * (embly_host_enter): a fault inside them is the runtime's, never a trap. */
#include <stdbool.h>
#include <stdlib.h>

#include "embly/runtime.h"

/* Far beyond what any real module needs; caps a table's initial size and
 * its growth. Below it, a table's bytes count against the instance's memory
 * limit with its linear memory (embly_memory_charge). */
#define MAX_TABLE_ELEMENTS (10u * 1000u * 1000u)

static uint32_t min_u32(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}

static void* allocate_elements(uint32_t count, size_t size) {
  bool fits = count <= MAX_TABLE_ELEMENTS && embly_memory_charge((uint64_t)count * size);
  void* data = fits ? calloc(count ? count : 1, size) : NULL;
  if (!data) {
    if (embly_fiber_current())
      embly_stop_now(EMBLY_STOP_LIMIT, fits ? EMBLY_LIMIT_ADDRESS_SPACE : EMBLY_LIMIT_MEMORY);
    abort();
  }
  return data;
}

/* Returns the new element array, or NULL when the table cannot grow. */
static void* grow_elements(void* data, uint32_t size, uint32_t max,
                           uint32_t delta, size_t element_size) {
  uint32_t new_size = size + delta;
  if (new_size < size || new_size > min_u32(max, MAX_TABLE_ELEMENTS) ||
      !embly_memory_charge((uint64_t)delta * element_size))
    return NULL;
  void* grown = realloc(data, (size_t)(new_size ? new_size : 1) * element_size);
  if (!grown)
    embly_memory_uncharge((uint64_t)delta * element_size);
  return grown;
}

/* Both table kinds share one shape: define their three functions once. */
#define DEFINE_TABLE(kind, element)                                              \
  void wasm_rt_allocate_##kind##_table(wasm_rt_##kind##_table_t* table,          \
                                       uint32_t elements, uint32_t max_elements) { \
    embly_host_enter();                                                          \
    table->data = allocate_elements(elements, sizeof(element));                  \
    table->size = elements;                                                      \
    table->max_size = max_elements;                                              \
    embly_host_leave();                                                          \
  }                                                                              \
                                                                                 \
  void wasm_rt_free_##kind##_table(wasm_rt_##kind##_table_t* table) {            \
    free(table->data);                                                           \
    table->data = NULL;                                                          \
    table->size = 0;                                                             \
  }                                                                              \
                                                                                 \
  uint32_t wasm_rt_grow_##kind##_table(wasm_rt_##kind##_table_t* table,          \
                                       uint32_t delta, element init) {           \
    uint32_t old_size = table->size;                                             \
    if (delta == 0)                                                              \
      return old_size;                                                           \
    embly_host_enter();                                                          \
    element* grown = grow_elements(table->data, old_size, table->max_size,       \
                                   delta, sizeof *grown);                        \
    if (grown) {                                                                 \
      for (uint32_t i = old_size; i < old_size + delta; i++)                     \
        grown[i] = init;                                                         \
      table->data = grown;                                                       \
      table->size = old_size + delta;                                            \
    }                                                                            \
    embly_host_leave();                                                          \
    return grown ? old_size : UINT32_MAX;                                        \
  }

DEFINE_TABLE(funcref, wasm_rt_funcref_t)
DEFINE_TABLE(externref, wasm_rt_externref_t)
