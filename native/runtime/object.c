/* AOT objects: a shared object made by `embly build`, found by one symbol
 * (EMBLY_MODULE_SYMBOL) and refused unless built for this ABI version and,
 * when the caller knows it, for the expected wasm hash. */
#include <dlfcn.h>
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embly/abi.h"
#include "embly/runtime.h"
#include "internal.h"

struct embly_object {
  void* handle;
  const embly_module* module;
  embly_range code; /* its executable segment */
};

/* The code of every open object, for the fault handler, and of those built
 * for injected safepoints, for the preemption tick. */
static embly_range_set g_code, g_injectable;

int embly_object_code_owns(uintptr_t pc) {
  return embly_ranges_contain(&g_code, pc);
}

int embly_object_injectable(uintptr_t pc) {
  return embly_ranges_contain(&g_injectable, pc);
}

/* The executable segment of the loaded object at base (its link map's
 * l_addr); objects are linked with one. */
static int find_code(struct dl_phdr_info* info, size_t size, void* data) {
  embly_range* code = data;
  if (info->dlpi_addr != code->start)
    return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr)* ph = &info->dlpi_phdr[i];
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
      code->start = info->dlpi_addr + ph->p_vaddr;
      code->end = code->start + ph->p_memsz;
      return 1;
    }
  }
  return 0;
}

static int locate_code(void* handle, embly_range* code) {
  struct link_map* map;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0)
    return 0;
  *code = (embly_range){map->l_addr, 0};
  return dl_iterate_phdr(find_code, code) == 1;
}

static embly_object* refuse(void* handle, char* err, size_t err_len,
                            const char* format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(err, err_len, format, args);
  va_end(args);
  if (handle)
    dlclose(handle);
  return NULL;
}

embly_object* embly_object_open(const char* path, const char* expected_sha256,
                                char* err, size_t err_len) {
  /* RTLD_LOCAL: objects never see each other's symbols, so several modules
   * (the spec tests load hundreds) coexist in one process. */
  void* handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return refuse(NULL, err, err_len, "cannot load %s: %s", path, dlerror());
  const embly_module* module = dlsym(handle, EMBLY_MODULE_SYMBOL);
  if (!module)
    return refuse(handle, err, err_len,
                  "%s is not an Embly AOT object (no %s symbol); rebuild it "
                  "with `embly build`", path, EMBLY_MODULE_SYMBOL);
  if (module->abi_version != EMBLY_ABI_VERSION)
    return refuse(handle, err, err_len,
                  "%s was built for runtime ABI %u but this runner speaks ABI "
                  "%u; rebuild it with `embly build`",
                  path, module->abi_version, EMBLY_ABI_VERSION);
  if (expected_sha256 && strcmp(expected_sha256, module->wasm_sha256) != 0)
    return refuse(handle, err, err_len,
                  "%s holds wasm %s but %s was expected; the object does not "
                  "match its sidecar, rebuild it with `embly build`",
                  path, module->wasm_sha256, expected_sha256);
  embly_object* object = malloc(sizeof *object);
  if (!object)
    return refuse(handle, err, err_len, "out of memory loading %s", path);
  object->handle = handle;
  object->module = module;
  if (!locate_code(handle, &object->code)) {
    free(object);
    return refuse(handle, err, err_len, "%s has no executable segment", path);
  }
  bool injectable = module->preemption == EMBLY_PREEMPT_INJECT;
  if (!embly_ranges_add(&g_code, object->code.start, object->code.end) ||
      (injectable && !embly_ranges_add(&g_injectable, object->code.start, object->code.end))) {
    embly_ranges_remove(&g_code, object->code.start);
    free(object);
    return refuse(handle, err, err_len, "out of memory loading %s", path);
  }
  return object;
}

void embly_object_close(embly_object* object) {
  if (!object)
    return;
  embly_ranges_remove(&g_code, object->code.start);
  embly_ranges_remove(&g_injectable, object->code.start);
  dlclose(object->handle);
  free(object);
}

const embly_module* embly_object_module(const embly_object* object) {
  return object->module;
}

const embly_export* embly_module_find_export(const embly_module* module,
                                             const char* name,
                                             uint32_t name_len) {
  for (uint32_t i = 0; i < module->n_exports; i++) {
    const embly_export* e = &module->exports[i];
    if (e->name_len == name_len && memcmp(e->name, name, name_len) == 0)
      return e;
  }
  return NULL;
}
