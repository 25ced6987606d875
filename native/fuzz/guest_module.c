/* The guest of the host-call harness: an AOT object (embly/module.h) written
 * in C instead of translated from wasm, loaded by the runner's real loader.
 * It imports every host call the runner provides, exports a one-page memory
 * and a _start that plays a script from the fuzz input (fuzz_script.h):
 * host calls with the script's arguments, and stores into its memory. Each
 * answer must be one of the errnos docs/abi.md lists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embly/abi.h"
#include "embly/module.h"
#include "fuzz_script.h"

/* Set by the harness for the instance that is to play it; taken by the first
 * that runs, so the children it spawns play nothing; unless every instance
 * is to play it. */
extern const uint8_t* embly_fuzz_script;
extern size_t embly_fuzz_script_len;
extern bool embly_fuzz_script_for_every_instance;

#define IMPORT(mod, name, params, results) \
  {mod, sizeof mod - 1, name, sizeof name - 1, {EMBLY_EXTERN_FUNC, params, results, false, 0, 0}}
#define EMBLY(name, params, results) IMPORT("embly", name, params, results)
#define WASI(name, params, results) IMPORT("wasi_snapshot_preview1", name, params, results)

static const embly_import imports[] = {
    EMBLY("read", "iiii", "i"),
    EMBLY("write", "iiii", "i"),
    EMBLY("spawn", "iii", "i"),
    EMBLY("events", "jiii", "i"),
    EMBLY("close", "i", "i"),
    WASI("fd_write", "iiii", "i"),
    WASI("proc_exit", "i", ""),
    WASI("random_get", "ii", "i"),
    WASI("clock_time_get", "iji", "i"),
    WASI("clock_res_get", "ii", "i"),
    WASI("args_sizes_get", "ii", "i"),
    WASI("args_get", "ii", "i"),
    WASI("environ_sizes_get", "ii", "i"),
    WASI("environ_get", "ii", "i"),
    WASI("fd_fdstat_get", "ii", "i"),
    WASI("fd_prestat_get", "ii", "i"),
    WASI("sched_yield", "", "i"),
    WASI("poll_oneoff", "iiii", "i"),
    /* not implemented: linked to the EBADF and ENOSYS answers (host.c) */
    WASI("fd_read", "iiii", "i"),
    WASI("proc_raise", "i", "i"),
};
#define IMPORT_COUNT (sizeof imports / sizeof imports[0])

typedef struct {
  wasm_rt_memory_t memory;
  embly_slot* slots;
} guest_state;

static void instantiate(void* instance, embly_slot* slots) {
  guest_state* state = instance;
  state->slots = slots;
  wasm_rt_allocate_memory(&state->memory, FUZZ_GUEST_PAGES, FUZZ_GUEST_PAGES, false, 65536);
}

static void release(void* instance) {
  wasm_rt_free_memory(&((guest_state*)instance)->memory);
}

/* Reads n little-endian bytes of the script (zeros past its end). */
static uint64_t take(fuzz_script* s, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++)
    v |= (uint64_t)(s->at < s->len ? s->bytes[s->at++] : 0) << (8 * i);
  return v;
}

/* Every answer a host call may give (embly/abi.h). */
static bool is_errno(uint32_t value) {
  static const uint32_t known[] = {EMBLY_OK, EMBLY_EACCES, EMBLY_EAGAIN, EMBLY_EBADF, EMBLY_EFAULT,
                                   EMBLY_EINVAL, EMBLY_ENOENT, EMBLY_ENOMEM, EMBLY_ENOSYS, EMBLY_EPIPE};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (value == known[i])
      return true;
  return false;
}

static void call_import(guest_state* state, fuzz_script* s, uint32_t index) {
  const embly_extern_type* type = &imports[index].type;
  embly_value args[8] = {0}, results[1] = {0};
  for (size_t i = 0; type->params[i]; i++) {
    if (type->params[i] == 'j')
      args[i].i64 = take(s, 8);
    else
      args[i].i32 = (uint32_t)take(s, 4);
  }
  results[0].i32 = UINT32_MAX; /* a call that answers must say so */
  state->slots[index].invoke(state->slots[index].ctx, args, results);
  if (type->results[0] && !is_errno(results[0].i32)) {
    fprintf(stderr, "fuzz guest: %s answered %u, not an errno of docs/abi.md\n", imports[index].name,
            results[0].i32);
    abort();
  }
}

/* A store of the guest's own, within its memory, as wasm code would make. */
static void store(guest_state* state, fuzz_script* s) {
  uint32_t offset = (uint32_t)take(s, 2) * FUZZ_STORE_ALIGN;
  size_t len = (size_t)take(s, 1);
  for (size_t i = 0; i < len && offset + i < state->memory.size; i++)
    state->memory.data[offset + i] = (uint8_t)take(s, 1);
}

static void start(void* instance, const embly_value* args, embly_value* results) {
  guest_state* state = instance;
  fuzz_script s = {embly_fuzz_script, embly_fuzz_script_len, 0};
  if (!embly_fuzz_script_for_every_instance) {
    embly_fuzz_script = NULL;
    embly_fuzz_script_len = 0;
  }
  while (s.bytes && s.at < s.len) {
    uint8_t op = (uint8_t)take(&s, 1);
    if (op == FUZZ_OP_STORE)
      store(state, &s);
    else
      call_import(state, &s, op % IMPORT_COUNT);
  }
}

static void* memory_address(void* instance) {
  return &((guest_state*)instance)->memory;
}

static const embly_export exports[] = {
    {"_start", 6, {EMBLY_EXTERN_FUNC, "", "", false, 0, 0}, start, NULL},
    {"memory", 6, {EMBLY_EXTERN_MEMORY, "", "", false, FUZZ_GUEST_PAGES, FUZZ_GUEST_PAGES}, NULL,
     memory_address},
};

const embly_module embly_module_v1 = {
    .abi_version = EMBLY_ABI_VERSION,
    .wasm_sha256 = "fuzz-guest",
    .instance_size = sizeof(guest_state),
    .n_imports = IMPORT_COUNT,
    .imports = imports,
    .n_exports = sizeof exports / sizeof exports[0],
    .exports = exports,
    .instantiate = instantiate,
    .free = release,
    .preemption = EMBLY_PREEMPT_NONE,
    .interrupt = NULL,
};
