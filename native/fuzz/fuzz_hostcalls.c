/* libFuzzer harness: the runner's host-call layer (hostcalls_embly.c,
 * hostcalls_wasi.c, host.c) under guest-chosen arguments and memory.
 *
 * Each input is a script (fuzz_script.h) played by an instance of the guest
 * module (guest_module.c), run the runner's own way: exec mode, the guest on
 * its fiber under the scheduler, its handle 1 reading a pipe in place of
 * stdin, its spawns real children. Its memory is one wasm page, accessible
 * exactly that far (native/runtime/memory.c): a host call that touched a byte
 * out of bounds would fault, and the fault is the sanitizer's report. The
 * function's timeout (a real deadline) ends scripts that wait for long. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "exec.h"
#include "functions.h"
#include "scheduler.h"

const uint8_t* embly_fuzz_script; /* read by the guest module */
size_t embly_fuzz_script_len;
bool embly_fuzz_script_for_every_instance; /* no: the root's children play nothing */

#define GUEST_TIMEOUT_MS 5
static const char stdin_bytes[] = "bytes for handle 1, then EOF\n";
static function_def* g_function;

int LLVMFuzzerInitialize(int* argc, char*** argv) {
  wasm_rt_init();
  g_function = functions_add("fuzz", EMBLY_FUZZ_GUEST, NULL);
  if (!g_function || !function_add_env(g_function, "EMBLY_FUZZ=1"))
    abort();
  g_function->timeout_ms = GUEST_TIMEOUT_MS;
  g_function->memory_pages = 1;
  int devnull = open("/dev/null", O_WRONLY);
  if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0) /* handle 1's bytes: not the fuzzer's output */
    abort();
  close(devnull);
  return 0;
}

/* Handle 1's peer: a pipe holding a few bytes, then EOF. */
static void feed_stdin(void) {
  int fds[2];
  if (pipe(fds) != 0 || write(fds[1], stdin_bytes, sizeof stdin_bytes - 1) < 0 ||
      dup2(fds[0], STDIN_FILENO) < 0)
    abort();
  close(fds[0]);
  close(fds[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  feed_stdin();
  embly_fuzz_script = data;
  embly_fuzz_script_len = size;
  exec_function(g_function);
  /* Children the root left behind play nothing and end at once (or at
   * their deadline): then the next input starts from the same state. */
  while (!scheduler_idle())
    scheduler_run();
  return 0;
}
