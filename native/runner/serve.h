#ifndef EMBLY_RUNNER_SERVE_H
#define EMBLY_RUNNER_SERVE_H

#include <stdbool.h>

#include "functions.h"

/* Serves instances of the runner's functions for the master at socket_path;
 * `fn` names the runner in its HELLO. With single_instance (isolation:
 * process) it exits once its first instance has ended. before_serving (may be
 * NULL) runs once connected, before any instance: where the sandbox is
 * entered. Returns the process exit status. */
int serve_functions(const char* socket_path, function_def* fn, bool single_instance,
                    bool (*before_serving)(void));

/* A blocking connect to the master's socket, then O_NONBLOCK; -1 and errno
 * on failure. */
int serve_connect(const char* socket_path);

/* serve_functions once connected and sandboxed: prewarms, says HELLO on
 * `socket` and serves. A template's children start here. */
int serve_connected(int socket, function_def* fn, bool single_instance);

#endif
