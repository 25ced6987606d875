/* The `spectest` host module that every spec script imports from: print
 * functions, four immutable globals, a funcref table (10..20) and a memory
 * (1..2 pages). It is a fake AOT module (an embly_module built by hand, like
 * Lucet's mock modules), so the driver links against it exactly as it links
 * against a registered instance, and its table and memory are allocated by
 * the runtime like any module's. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "embly/abi.h"
#include "spec.h"

typedef struct {
  uint32_t global_i32;
  uint64_t global_i64;
  float global_f32;
  double global_f64;
  wasm_rt_funcref_table_t table;
  wasm_rt_memory_t memory;
} spectest_state;

#define TABLE_MIN 10
#define TABLE_MAX 20
#define MEMORY_MIN 1
#define MEMORY_MAX 2
#define WASM_PAGE 65536

/* The reference interpreter prints its calls; stdout is the protocol, so
 * they go to stderr, which the test shows only when a file fails. */
static void print(void* state, const embly_value* args, embly_value* results) {
  fputs("spectest.print()\n", stderr);
}

static void print_i32(void* state, const embly_value* args, embly_value* results) {
  fprintf(stderr, "spectest.print_i32(%" PRId32 ")\n", (int32_t)args[0].i32);
}

static void print_i64(void* state, const embly_value* args, embly_value* results) {
  fprintf(stderr, "spectest.print_i64(%" PRId64 ")\n", (int64_t)args[0].i64);
}

static void print_f32(void* state, const embly_value* args, embly_value* results) {
  fprintf(stderr, "spectest.print_f32(%g)\n", (double)args[0].f32);
}

static void print_f64(void* state, const embly_value* args, embly_value* results) {
  fprintf(stderr, "spectest.print_f64(%g)\n", args[0].f64);
}

static void print_i32_f32(void* state, const embly_value* args, embly_value* results) {
  fprintf(stderr, "spectest.print_i32_f32(%" PRId32 ", %g)\n", (int32_t)args[0].i32,
          (double)args[1].f32);
}

static void print_f64_f64(void* state, const embly_value* args, embly_value* results) {
  fprintf(stderr, "spectest.print_f64_f64(%g, %g)\n", args[0].f64, args[1].f64);
}

static void* global_i32(void* state) { return &((spectest_state*)state)->global_i32; }
static void* global_i64(void* state) { return &((spectest_state*)state)->global_i64; }
static void* global_f32(void* state) { return &((spectest_state*)state)->global_f32; }
static void* global_f64(void* state) { return &((spectest_state*)state)->global_f64; }
static void* table(void* state) { return &((spectest_state*)state)->table; }
static void* memory(void* state) { return &((spectest_state*)state)->memory; }

#define NAME(s) s, sizeof s - 1
#define FUNC(params) {EMBLY_EXTERN_FUNC, params, "", false, 0, 0}
#define GLOBAL(code) {EMBLY_EXTERN_GLOBAL, code, "", false, 0, 0}

static const embly_export g_exports[] = {
    {NAME("print"), FUNC(""), print, NULL},
    {NAME("print_i32"), FUNC("i"), print_i32, NULL},
    {NAME("print_i64"), FUNC("j"), print_i64, NULL},
    {NAME("print_f32"), FUNC("f"), print_f32, NULL},
    {NAME("print_f64"), FUNC("d"), print_f64, NULL},
    {NAME("print_i32_f32"), FUNC("if"), print_i32_f32, NULL},
    {NAME("print_f64_f64"), FUNC("dd"), print_f64_f64, NULL},
    {NAME("global_i32"), GLOBAL("i"), NULL, global_i32},
    {NAME("global_i64"), GLOBAL("j"), NULL, global_i64},
    {NAME("global_f32"), GLOBAL("f"), NULL, global_f32},
    {NAME("global_f64"), GLOBAL("d"), NULL, global_f64},
    {NAME("table"), {EMBLY_EXTERN_TABLE, "r", "", false, TABLE_MIN, TABLE_MAX}, NULL, table},
    {NAME("memory"), {EMBLY_EXTERN_MEMORY, "", "", false, MEMORY_MIN, MEMORY_MAX}, NULL, memory},
};

static void instantiate(void* instance, embly_slot* slots) {
  spectest_state* s = instance;
  s->global_i32 = 666;
  s->global_i64 = 666;
  s->global_f32 = 666.6f;
  s->global_f64 = 666.6;
  wasm_rt_allocate_funcref_table(&s->table, TABLE_MIN, TABLE_MAX);
  wasm_rt_allocate_memory(&s->memory, MEMORY_MIN, MEMORY_MAX, false, WASM_PAGE);
}

static void free_instance(void* instance) {
  spectest_state* s = instance;
  wasm_rt_free_funcref_table(&s->table);
  wasm_rt_free_memory(&s->memory);
}

static const embly_module g_spectest = {
    EMBLY_ABI_VERSION,
    "",
    sizeof(spectest_state),
    0,
    NULL,
    sizeof g_exports / sizeof g_exports[0],
    g_exports,
    instantiate,
    free_instance,
    EMBLY_PREEMPT_NONE, /* host code, never preempted */
    NULL,
};

const embly_module* spectest_module(void) {
  return &g_spectest;
}
