/* embly-spec: runs WebAssembly spec scripts through Embly's loader.
 *
 * The test (test/conformance/spec.test.ts) turns a .wast script into a plain
 * command file; this driver executes it against AOT objects and prints one
 * answer line per command. docs/conformance.md describes the protocol.
 *
 * Split by concern:
 *   main.c      command file parsing, answers, the fiber every action runs on
 *   instances.c loaded modules, their `$names`, registered names and linking
 *   spectest.c  the `spectest` host module, written as a fake AOT module
 */
#ifndef EMBLY_SPEC_H
#define EMBLY_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "embly/runtime.h"

/* A byte string: wasm names are UTF-8 and may hold any byte, NUL included. */
typedef struct {
  const uint8_t* bytes;
  size_t len;
} spec_name;

/* An instance the driver created. Instances are never freed before exit:
 * a module whose instantiation trapped may already have written references to
 * its functions into another module's table, so its state must stay valid. */
typedef struct spec_instance {
  embly_instance core;
  embly_object* object; /* NULL for the host module */
} spec_instance;

/* ---- spectest.c --------------------------------------------------------- */

/* The `spectest` host module, shaped like any AOT module so that linking
 * against it is linking against an instance. */
const embly_module* spectest_module(void);

/* ---- instances.c -------------------------------------------------------- */

/* Loads the object and fills the instance's import slots from registered
 * instances. Returns NULL with a message in err (prefixed "unknown import" or
 * "incompatible import type" when the failure is a link error, so the caller
 * can tell it from a load error through *link_error). */
spec_instance* spec_load_and_link(const char* path, int* link_error,
                                  char* err, size_t err_len);
/* Wraps a module that is already in memory (the host module). */
spec_instance* spec_wrap_module(const embly_module* module);

/* `$name` bindings (later bindings shadow earlier ones). */
void spec_bind_name(spec_name name, spec_instance* instance);
spec_instance* spec_find_named(spec_name name);

/* `register` bindings: the import module names that linking resolves. */
void spec_register(spec_name as, spec_instance* instance);

/* Checks an import list without an object (for a module the build cannot
 * translate but that only has to be refused at link time). Returns 1 when
 * every import would link, else 0 with the reason in err. */
int spec_check_imports(const embly_import* imports, uint32_t count,
                       char* err, size_t err_len);

/* Writes name as a quoted, escaped string for messages. */
void spec_quote(spec_name name, char* buf, size_t len);

#endif
