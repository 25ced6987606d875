/* Binding a guest's imports to host functions. Every WASI function we do not
 * implement still links, answering EBADF if it takes an fd (there is no fd it
 * could act on) and ENOSYS otherwise, so ordinary wasi-libc and Rust std
 * programs load unchanged. */
#include "host.h"

#include <stdio.h>
#include <stdlib.h>

#include "embly/abi.h"

static void answer_enosys(guest* g, const embly_value* args, embly_value* results) {
  results[0].i32 = EMBLY_ENOSYS;
}

static void answer_ebadf(guest* g, const embly_value* args, embly_value* results) {
  results[0].i32 = EMBLY_EBADF;
}

static const host_func* find(const host_func* table, const embly_import* imp) {
  for (const host_func* f = table; f->name; f++)
    if (strlen(f->name) == imp->name_len &&
        memcmp(f->name, imp->name, imp->name_len) == 0)
      return f;
  return NULL;
}

static bool name_starts_with(const embly_import* imp, const char* prefix) {
  size_t len = strlen(prefix);
  return imp->name_len > len && memcmp(imp->name, prefix, len) == 0;
}

/* wasi_snapshot_preview1's calls on an fd: fd_*, sock_* (the fd first) and
 * path_* (a directory fd; path_symlink's is its third argument). */
static bool takes_fd(const embly_import* imp) {
  return name_starts_with(imp, "fd_") || name_starts_with(imp, "sock_") || name_starts_with(imp, "path_");
}

static bool module_is(const embly_import* imp, const char* name) {
  return strlen(name) == imp->module_len &&
         memcmp(name, imp->module, imp->module_len) == 0;
}

static host_fn resolve(const embly_import* imp, char* err, size_t err_len) {
  const host_func* f = NULL;
  if (module_is(imp, "embly"))
    f = find(embly_host_funcs, imp);
  else if (module_is(imp, "wasi_snapshot_preview1"))
    f = find(wasi_host_funcs, imp);
  else {
    snprintf(err, err_len, "imports from module \"%.*s\", which Embly does not provide",
             (int)imp->module_len, imp->module);
    return NULL;
  }
  embly_extern_type provided = {EMBLY_EXTERN_FUNC, "", "i", false, 0, 0};
  host_fn fn = NULL;
  if (f) {
    provided.params = f->params;
    provided.results = f->results;
    fn = f->fn;
  } else if (module_is(imp, "wasi_snapshot_preview1") && imp->type.kind == EMBLY_EXTERN_FUNC) {
    provided.params = imp->type.params; /* any parameters: the answer is an errno */
    fn = takes_fd(imp) ? answer_ebadf : answer_enosys;
  } else {
    snprintf(err, err_len, "imports \"%.*s\".\"%.*s\", which Embly does not provide",
             (int)imp->module_len, imp->module, (int)imp->name_len, imp->name);
    return NULL;
  }
  if (!embly_extern_type_matches(&imp->type, &provided)) {
    char wanted[300], actual[300];
    embly_extern_type_describe(&imp->type, wanted, sizeof wanted);
    embly_extern_type_describe(&provided, actual, sizeof actual);
    snprintf(err, err_len, "imports \"%.*s\".\"%.*s\" as %s, but it is %s",
             (int)imp->module_len, imp->module, (int)imp->name_len, imp->name,
             wanted, actual);
    return NULL;
  }
  return fn;
}

/* Every host call runs bracketed as host code: a timeout waits for it. */
static void host_trampoline(void* ctx, const embly_value* args, embly_value* results) {
  host_binding* binding = ctx;
  embly_host_enter();
  binding->fn(binding->g, args, results);
  embly_host_leave();
}

bool host_link(guest* g, char* err, size_t err_len) {
  const embly_module* module = g->instance.module;
  g->bindings = calloc(module->n_imports ? module->n_imports : 1, sizeof *g->bindings);
  if (!g->bindings) {
    snprintf(err, err_len, "out of memory");
    return false;
  }
  for (uint32_t i = 0; i < module->n_imports; i++) {
    host_fn fn = resolve(&module->imports[i], err, err_len);
    if (!fn)
      return false;
    g->bindings[i] = (host_binding){g, fn};
    g->instance.slots[i] = (embly_slot){host_trampoline, &g->bindings[i], NULL};
  }
  return true;
}
