/* `exec` mode: run one instance of a function with stdin as the bytes from
 * its parent (handle 1) and stdout as the bytes it sends back. */
#ifndef EMBLY_RUNNER_EXEC_H
#define EMBLY_RUNNER_EXEC_H

#include "functions.h"

int exec_function(function_def* root);

#endif
