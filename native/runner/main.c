/* embly-runner: hosts instances of Embly functions (docs/loader.md).
 *
 *   embly-runner exec ROOT --fn NAME OBJECT SHA256 [limits...] [--fn ...]
 *   embly-runner serve SOCKET [--single-instance] --fn NAME OBJECT SHA256 [limits...]
 *   embly-runner serve SOCKET --template --fn NAME OBJECT SHA256 [limits...]
 *
 * --sandbox (either mode): enter the seccomp allowlist once every object is
 * open, before any instance runs. --single-instance: exit after serving one
 * instance (isolation: process). --template: the template runner of an
 * isolation: process function, whose children are single-instance runners (template.c).
 *
 * limits apply to the --fn before them: --memory-pages N, --timeout-ms N,
 * --max-instances N, --env KEY=VALUE (repeatable). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "functions.h"
#include "guest.h"
#include "sandbox.h"
#include "serve.h"
#include "status.h"
#include "template.h"

static int usage(const char* problem) {
  fprintf(stderr,
          "embly-runner: %s\n"
          "usage: embly-runner exec ROOT --fn NAME OBJECT SHA256 [--memory-pages N]\n"
          "       embly-runner serve SOCKET [--sandbox] [--single-instance | --template] --fn NAME OBJECT SHA256 [...]\n"
          "       [--timeout-ms N] [--max-instances N] [--env KEY=VALUE]... [--fn ...]\n",
          problem);
  return RUNNER_USAGE;
}

static bool parse_u64(const char* text, uint64_t* out) {
  char* end;
  unsigned long long value = strtoull(text, &end, 10);
  if (!*text || *end)
    return false;
  *out = value;
  return true;
}

/* Applies one limit option to f; false if it is not one or is malformed. */
static bool apply_limit(function_def* f, const char* option, const char* value) {
  uint64_t n;
  if (strcmp(option, "--env") == 0)
    return strchr(value, '=') && function_add_env(f, value);
  if (!parse_u64(value, &n))
    return false;
  if (strcmp(option, "--memory-pages") == 0)
    f->memory_pages = n;
  else if (strcmp(option, "--timeout-ms") == 0)
    f->timeout_ms = n;
  else if (strcmp(option, "--max-instances") == 0)
    f->max_instances = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
  else
    return false;
  return true;
}

/* Opens every function's object now, while files may still be opened:
 * serve mode enters the sandbox next. */
static bool open_all_objects(void) {
  char err[512];
  for (function_def* f = functions_first(); f; f = f->next) {
    if (!function_module(f, err, sizeof err)) {
      fprintf(stderr, "embly-runner: %s\n", err);
      return false;
    }
  }
  return true;
}

/* --sandbox: seccomp allowlist (docs/supervisor.md), after every object is
 * open and before any instance runs. The shape of serve's before_serving. */
static bool g_template;
static bool g_single_instance;

#define RUNNER_BASE_BYTES (64ull << 20) /* the runner itself: objects' data, frame buffers */

static uint64_t add_saturated(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t multiply_saturated(uint64_t a, uint64_t b) {
  return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* The runner's heap ceiling (docs/supervisor.md §2): every instance it may
 * host at its most, one more per function (the prewarmed or pooled memory
 * a finished burst leaves), and the runner's own. A template's children and
 * single-instance runners host one instance each. */
static uint64_t heap_ceiling(void) {
  uint64_t total = RUNNER_BASE_BYTES;
  for (function_def* f = functions_first(); f; f = f->next) {
    uint64_t instances = g_template || g_single_instance ? 1 : f->max_instances;
    total = add_saturated(total, multiply_saturated(add_saturated(instances, 1), guest_max_bytes(f)));
  }
  return total;
}

static bool enter_sandbox(void) {
  char err[256];
  if (!open_all_objects())
    return false;
  if (runner_limit_heap(heap_ceiling(), err, sizeof err) != 0 ||
      runner_sandbox_enter(g_template, err, sizeof err) != 0) {
    fprintf(stderr, "embly-runner: %s\n", err);
    return false;
  }
  return true;
}

int main(int argc, char** argv) {
  bool serve = argc >= 3 && strcmp(argv[1], "serve") == 0;
  if (argc < 3 || (!serve && strcmp(argv[1], "exec") != 0))
    return usage("expected `exec ROOT --fn ...` or `serve SOCKET --fn ...`");
  wasm_rt_init();
  function_def* current = NULL;
  function_def* first = NULL;
  bool sandbox = false;
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "--sandbox") == 0) {
      sandbox = true;
    } else if (strcmp(argv[i], "--single-instance") == 0) {
      g_single_instance = true;
    } else if (strcmp(argv[i], "--template") == 0) {
      g_template = true;
    } else if (strcmp(argv[i], "--fn") == 0 && i + 3 < argc) {
      current = functions_add(argv[i + 1], argv[i + 2], argv[i + 3]);
      first = first ? first : current;
      i += 3;
    } else if (!current || i + 1 >= argc || !apply_limit(current, argv[i], argv[i + 1])) {
      fprintf(stderr, "embly-runner: bad argument %s\n", argv[i]);
      return usage("bad arguments");
    } else {
      i++;
    }
  }
  if (serve) {
    if (!first)
      return usage("serve needs at least one --fn");
    if (!open_all_objects())
      return RUNNER_LOAD_FAILED;
    if (g_template)
      return template_serve(argv[2], first, sandbox ? enter_sandbox : NULL);
    return serve_functions(argv[2], first, g_single_instance, sandbox ? enter_sandbox : NULL);
  }
  function_def* root = functions_find(argv[2], strlen(argv[2]));
  if (!root)
    return usage("ROOT names no --fn");
  if (sandbox && !enter_sandbox())
    return RUNNER_LOAD_FAILED;
  return exec_function(root);
}
