/* `exec` mode: run one instance of a function with stdin as the bytes from
 * its parent (handle 1) and stdout as the bytes it sends back. */
#ifndef EMBLY_RUNNER_EXEC_H
#define EMBLY_RUNNER_EXEC_H

#include "functions.h"

/* Exit statuses of the runner in exec mode (docs/loader.md). */
enum {
  EXEC_OK = 0,
  EXEC_USAGE = 64,
  EXEC_TRAP = 70,
  EXEC_LIMIT = 71,
  EXEC_TIMEOUT = 75,
  EXEC_KILLED = 76,
  EXEC_LOAD_FAILED = 78,
};

int exec_function(function_def* root);

#endif
