#include "functions.h"

#include <stdlib.h>
#include <string.h>

static function_def* g_functions;

function_def* functions_add(const char* name, const char* object_path,
                            const char* wasm_sha256) {
  function_def* f = calloc(1, sizeof *f);
  if (!f)
    return NULL;
  f->name = strdup(name);
  f->object_path = strdup(object_path);
  f->wasm_sha256 = wasm_sha256 && *wasm_sha256 ? strdup(wasm_sha256) : NULL;
  f->memory_pages = 65536;
  f->max_instances = UINT32_MAX;
  f->next = g_functions;
  g_functions = f;
  return f;
}

function_def* functions_find(const char* name, size_t name_len) {
  for (function_def* f = g_functions; f; f = f->next)
    if (strlen(f->name) == name_len && memcmp(f->name, name, name_len) == 0)
      return f;
  return NULL;
}

int function_add_env(function_def* f, const char* key_value) {
  char** grown = realloc(f->env, (f->env_count + 1) * sizeof *grown);
  if (!grown)
    return 0;
  f->env = grown;
  f->env[f->env_count++] = strdup(key_value);
  return 1;
}

const embly_module* function_module(function_def* f, char* err, size_t err_len) {
  if (!f->object)
    f->object = embly_object_open(f->object_path, f->wasm_sha256, err, err_len);
  return f->object ? embly_object_module(f->object) : NULL;
}

function_def* functions_first(void) {
  return g_functions;
}
