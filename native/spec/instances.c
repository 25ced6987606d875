/* Loaded modules, the names scripts give them, and linking.
 *
 * A script names modules two ways: `(module $M ...)` binds $M for later
 * actions, and `(register "as" $M)` makes $M's exports importable under the
 * module name "as". Linking resolves each import by its module name among
 * registered instances (the host module is registered as "spectest" at start)
 * and type-checks it with embly_extern_type_matches, giving an imported table
 * or memory the exporter's current size as its minimum, as the spec's import
 * matching does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

typedef struct binding {
  uint8_t* name;
  size_t len;
  spec_instance* instance;
  struct binding* next;
} binding;

static binding* g_named;      /* $name -> instance, newest first */
static binding* g_registered; /* import module name -> instance, newest first */

static void bind(binding** list, spec_name name, spec_instance* instance) {
  binding* b = calloc(1, sizeof *b);
  b->name = malloc(name.len ? name.len : 1);
  if (!b || !b->name) {
    fputs("embly-spec: out of memory\n", stderr);
    exit(2);
  }
  memcpy(b->name, name.bytes, name.len);
  b->len = name.len;
  b->instance = instance;
  b->next = *list;
  *list = b;
}

static spec_instance* find(const binding* list, const void* name, size_t len) {
  for (; list; list = list->next)
    if (list->len == len && memcmp(list->name, name, len) == 0)
      return list->instance;
  return NULL;
}

void spec_bind_name(spec_name name, spec_instance* instance) {
  bind(&g_named, name, instance);
}

spec_instance* spec_find_named(spec_name name) {
  return find(g_named, name.bytes, name.len);
}

void spec_register(spec_name as, spec_instance* instance) {
  bind(&g_registered, as, instance);
}

void spec_quote(spec_name name, char* buf, size_t len) {
  size_t used = 0;
  if (len == 0)
    return;
  buf[0] = '\0';
  used += (size_t)snprintf(buf + used, len - used, "\"");
  for (size_t i = 0; i < name.len && used < len; i++) {
    uint8_t c = name.bytes[i];
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
      used += (size_t)snprintf(buf + used, len - used, "%c", c);
    else
      used += (size_t)snprintf(buf + used, len - used, "\\%02x", c);
  }
  if (used < len)
    snprintf(buf + used, len - used, "\"");
}

/* The type an export offers right now: tables and memories offer their
 * current size as the minimum (they may have grown since instantiation). */
static embly_extern_type offered_type(const spec_instance* provider,
                                      const embly_export* e) {
  embly_extern_type type = e->type;
  if (type.kind == EMBLY_EXTERN_MEMORY) {
    const wasm_rt_memory_t* memory = e->address(provider->core.state);
    type.min = memory->pages;
  } else if (type.kind == EMBLY_EXTERN_TABLE) {
    void* address = e->address(provider->core.state);
    type.min = type.params[0] == 'e'
                   ? ((const wasm_rt_externref_table_t*)address)->size
                   : ((const wasm_rt_funcref_table_t*)address)->size;
  }
  return type;
}

/* Resolves one import; fills slot when given. */
static int link_import(const embly_import* import, embly_slot* slot,
                       char* err, size_t err_len) {
  spec_name module = {(const uint8_t*)import->module, import->module_len};
  spec_name name = {(const uint8_t*)import->name, import->name_len};
  char module_text[256], name_text[256];
  spec_quote(module, module_text, sizeof module_text);
  spec_quote(name, name_text, sizeof name_text);

  spec_instance* provider = find(g_registered, module.bytes, module.len);
  if (!provider) {
    snprintf(err, err_len, "unknown import %s %s: no module is registered as %s",
             module_text, name_text, module_text);
    return 0;
  }
  const embly_export* e = embly_module_find_export(provider->core.module,
                                                   import->name, import->name_len);
  if (!e) {
    snprintf(err, err_len, "unknown import %s %s: the module registered as %s has "
             "no such export", module_text, name_text, module_text);
    return 0;
  }
  embly_extern_type offered = offered_type(provider, e);
  if (!embly_extern_type_matches(&import->type, &offered)) {
    char wanted_text[256], offered_text[256];
    embly_extern_type_describe(&import->type, wanted_text, sizeof wanted_text);
    embly_extern_type_describe(&offered, offered_text, sizeof offered_text);
    snprintf(err, err_len, "incompatible import type for %s %s: wants %s, gets %s",
             module_text, name_text, wanted_text, offered_text);
    return 0;
  }
  if (slot) {
    if (e->type.kind == EMBLY_EXTERN_FUNC) {
      slot->invoke = e->invoke;
      slot->ctx = provider->core.state;
    } else {
      slot->address = e->address(provider->core.state);
    }
  }
  return 1;
}

int spec_check_imports(const embly_import* imports, uint32_t count, char* err,
                       size_t err_len) {
  for (uint32_t i = 0; i < count; i++)
    if (!link_import(&imports[i], NULL, err, err_len))
      return 0;
  return 1;
}

spec_instance* spec_wrap_module(const embly_module* module) {
  spec_instance* instance = calloc(1, sizeof *instance);
  if (!instance || !embly_instance_init(&instance->core, module)) {
    fputs("embly-spec: out of memory\n", stderr);
    exit(2);
  }
  return instance;
}

spec_instance* spec_load_and_link(const char* path, int* link_error, char* err,
                                  size_t err_len) {
  *link_error = 0;
  embly_object* object = embly_object_open(path, NULL, err, err_len);
  if (!object)
    return NULL;
  const embly_module* module = embly_object_module(object);
  spec_instance* instance = spec_wrap_module(module);
  instance->object = object;
  for (uint32_t i = 0; i < module->n_imports; i++) {
    if (!link_import(&module->imports[i], &instance->core.slots[i], err, err_len)) {
      *link_error = 1;
      /* Nothing ran yet: this instance can go. The object stays loaded, as
       * every object does until exit (dlclose is not worth its risks here). */
      embly_instance_release(&instance->core);
      free(instance);
      return NULL;
    }
  }
  return instance;
}
