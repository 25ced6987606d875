/* Instances of a module: state + import slots. Instantiation and calls run
 * as guarded wasm code on the current fiber, so a trap (in a data segment,
 * the start function or an export) ends only that call. */
#include <stdlib.h>
#include <string.h>

#include "embly/runtime.h"

int embly_instance_init(embly_instance* instance, const embly_module* module) {
  memset(instance, 0, sizeof *instance);
  instance->module = module;
  instance->state = calloc(1, module->instance_size ? module->instance_size : 1);
  instance->slots = calloc(module->n_imports ? module->n_imports : 1,
                           sizeof(embly_slot));
  if (!instance->state || !instance->slots) {
    embly_instance_release(instance);
    return 0;
  }
  return 1;
}

static void run_instantiate(void* arg) {
  embly_instance* instance = arg;
  instance->module->instantiate(instance->state, instance->slots);
}

embly_stop embly_instance_instantiate(embly_instance* instance) {
  embly_stop stop = embly_guarded_call(run_instantiate, instance);
  /* Even a failed instantiation may have allocated tables and memories. */
  instance->instantiated = 1;
  return stop;
}

typedef struct {
  embly_instance* instance;
  const embly_export* func;
  const embly_value* args;
  embly_value* results;
} invocation;

static void run_invocation(void* arg) {
  invocation* call = arg;
  call->func->invoke(call->instance->state, call->args, call->results);
}

embly_stop embly_instance_invoke(embly_instance* instance,
                                 const embly_export* func,
                                 const embly_value* args,
                                 embly_value* results) {
  invocation call = {instance, func, args, results};
  return embly_guarded_call(run_invocation, &call);
}

void embly_instance_release(embly_instance* instance) {
  if (instance->instantiated)
    instance->module->free(instance->state);
  free(instance->state);
  free(instance->slots);
  memset(instance, 0, sizeof *instance);
}
