/* The functions this runner may instantiate, by name, with their limits.
 * Objects are opened on first use and kept for the runner's life. */
#ifndef EMBLY_RUNNER_FUNCTIONS_H
#define EMBLY_RUNNER_FUNCTIONS_H

#include <stdint.h>

#include "embly/runtime.h"

typedef struct function_def {
  char* name;
  char* object_path;
  char* wasm_sha256;   /* expected hash, from the sidecar */
  uint64_t memory_pages;
  uint64_t timeout_ms; /* 0: none */
  uint32_t max_instances;
  char** env;          /* "KEY=VALUE" strings */
  uint32_t env_count;
  uint32_t live_instances;
  embly_object* object;
  struct function_def* next;
} function_def;

function_def* functions_add(const char* name, const char* object_path,
                            const char* wasm_sha256);
function_def* functions_find(const char* name, size_t name_len);
function_def* functions_first(void);
int function_add_env(function_def* f, const char* key_value);
/* Opens the object if needed; NULL with a message in err. */
const embly_module* function_module(function_def* f, char* err, size_t err_len);

#endif
