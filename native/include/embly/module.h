/* The AOT object contract: what `embly build` puts in every <sha256>.so and
 * what the loader (native/runtime/object.c) reads.
 *
 * An object holds the wasm2c translation of one module (compiled with the
 * fixed module name `guest`) plus generated glue (src/build/glue.ts) that
 * exports one symbol, EMBLY_MODULE_SYMBOL, describing the module. The loader
 * needs no other symbol, and it can call any export without knowing its C
 * signature: every export has a trampoline taking an array of values.
 *
 * Imports are bound per instance through an array of slots, one per import in
 * the module's import order. The glue defines every import function that the
 * generated code calls, and each forwards to its slot; so the same object
 * links against the runner's host functions or, in the spec tests, against
 * the exports of other instances.
 */
#ifndef EMBLY_MODULE_H
#define EMBLY_MODULE_H

#include <stdbool.h>
#include <stdint.h>

#include "wasm-rt.h"

#define EMBLY_MODULE_SYMBOL "embly_module_v1"

/* Value type codes, as wasm2c mangles them: i32 'i', i64 'j', f32 'f',
 * f64 'd', v128 'o', funcref 'r', externref 'e'. A signature is a string of
 * codes. A v128 is held as its 16 bytes in wasm's (little-endian) order, so
 * the host side needs no SIMD types; the glue copies it to and from wasm2c's
 * v128. It is no bigger than a funcref, so the union's size is unchanged. */
typedef union embly_value {
  uint32_t i32;
  uint64_t i64;
  float f32;
  double f64;
  uint8_t v128[16];
  wasm_rt_funcref_t funcref;
  wasm_rt_externref_t externref;
} embly_value;

typedef void (*embly_invoke_fn)(void* ctx,
                                const embly_value* args,
                                embly_value* results);

typedef enum {
  EMBLY_EXTERN_FUNC = 0,
  EMBLY_EXTERN_TABLE = 1,
  EMBLY_EXTERN_MEMORY = 2,
  EMBLY_EXTERN_GLOBAL = 3,
} embly_extern_kind;

/* The shape of an import or export, enough to check a link. */
typedef struct {
  uint8_t kind;        /* embly_extern_kind */
  const char* params;  /* func: parameter codes; global/table: value code */
  const char* results; /* func: result codes; otherwise "" */
  bool is_mutable;     /* global */
  uint64_t min;        /* table/memory: minimum size */
  uint64_t max;        /* table/memory: maximum, UINT64_MAX when absent */
} embly_extern_type;

typedef struct {
  const char* module;
  uint32_t module_len;
  const char* name; /* names are UTF-8 and may hold NUL bytes */
  uint32_t name_len;
  embly_extern_type type;
} embly_import;

typedef struct {
  const char* name;
  uint32_t name_len;
  embly_extern_type type;
  /* func: calls the export on an instance */
  embly_invoke_fn invoke;
  /* table/memory/global: address of the wasm_rt_*_table_t,
   * wasm_rt_memory_t or the global's value in an instance */
  void* (*address)(void* instance);
} embly_export;

/* What an import is bound to, for one instance. */
typedef struct {
  embly_invoke_fn invoke; /* func imports */
  void* ctx;              /* first argument to invoke */
  void* address;          /* table/memory/global imports */
} embly_slot;

typedef struct {
  uint32_t abi_version;     /* EMBLY_ABI_VERSION it was built for */
  const char* wasm_sha256;  /* hex digest of the module's bytes */
  uint32_t instance_size;   /* bytes of module state per instance */
  uint32_t n_imports;
  const embly_import* imports;
  uint32_t n_exports;
  const embly_export* exports;
  /* Initialises globals, tables, memories and data, then runs the wasm start
   * function: may trap, so it runs like any other wasm code. */
  void (*instantiate)(void* instance, embly_slot* slots);
  void (*free)(void* instance);
  /* How a guest computing without host calls is preempted (docs/loader.md,
   * "Preemption"): the runner injects a safepoint call at the interrupted
   * instruction (code built -mno-red-zone), or the code polls `interrupt` at
   * every loop header and function entry; or neither (benchmarks only). */
  uint32_t preemption; /* embly_preemption */
  volatile uint32_t* interrupt;
} embly_module;

typedef enum {
  EMBLY_PREEMPT_NONE = 0,
  EMBLY_PREEMPT_INJECT = 1,
  EMBLY_PREEMPT_POLL = 2,
} embly_preemption;

#endif
