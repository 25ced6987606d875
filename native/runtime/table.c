/* Tables of funcref and externref. Growth reallocates, so it runs as host
 * code: a timeout never interrupts it halfway. */
#include <stdlib.h>

#include "embly/runtime.h"

/* Far beyond what any real module needs; keeps a runaway table.grow from
 * exhausting the runner's memory. */
#define MAX_TABLE_ELEMENTS (10u * 1000u * 1000u)

static uint32_t min_u32(uint32_t a, uint32_t b) {
  return a < b ? a : b;
}

static void* allocate_elements(uint32_t count, size_t size) {
  void* data = calloc(count ? count : 1, size);
  if (!data) {
    if (embly_fiber_current())
      embly_stop_now(EMBLY_STOP_LIMIT, 0);
    abort();
  }
  return data;
}

/* Returns the new element array, or NULL when the table cannot grow. */
static void* grow_elements(void* data, uint32_t size, uint32_t max,
                           uint32_t delta, size_t element_size) {
  uint32_t new_size = size + delta;
  if (new_size < size || new_size > min_u32(max, MAX_TABLE_ELEMENTS))
    return NULL;
  embly_host_enter();
  void* grown = realloc(data, (size_t)(new_size ? new_size : 1) * element_size);
  embly_host_leave();
  return grown;
}

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t* table,
                                    uint32_t elements, uint32_t max_elements) {
  table->data = allocate_elements(elements, sizeof(wasm_rt_funcref_t));
  table->size = elements;
  table->max_size = max_elements;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t* table) {
  free(table->data);
  table->data = NULL;
  table->size = 0;
}

uint32_t wasm_rt_grow_funcref_table(wasm_rt_funcref_table_t* table,
                                    uint32_t delta, wasm_rt_funcref_t init) {
  uint32_t old_size = table->size;
  if (delta == 0)
    return old_size;
  wasm_rt_funcref_t* grown = grow_elements(table->data, old_size, table->max_size,
                                           delta, sizeof *grown);
  if (!grown)
    return UINT32_MAX;
  for (uint32_t i = old_size; i < old_size + delta; i++)
    grown[i] = init;
  table->data = grown;
  table->size = old_size + delta;
  return old_size;
}

void wasm_rt_allocate_externref_table(wasm_rt_externref_table_t* table,
                                      uint32_t elements, uint32_t max_elements) {
  table->data = allocate_elements(elements, sizeof(wasm_rt_externref_t));
  table->size = elements;
  table->max_size = max_elements;
}

void wasm_rt_free_externref_table(wasm_rt_externref_table_t* table) {
  free(table->data);
  table->data = NULL;
  table->size = 0;
}

uint32_t wasm_rt_grow_externref_table(wasm_rt_externref_table_t* table,
                                      uint32_t delta, wasm_rt_externref_t init) {
  uint32_t old_size = table->size;
  if (delta == 0)
    return old_size;
  wasm_rt_externref_t* grown = grow_elements(table->data, old_size,
                                             table->max_size, delta, sizeof *grown);
  if (!grown)
    return UINT32_MAX;
  for (uint32_t i = old_size; i < old_size + delta; i++)
    grown[i] = init;
  table->data = grown;
  table->size = old_size + delta;
  return old_size;
}
