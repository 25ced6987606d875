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

/* serve_connected's parts, for the frame-decoder harness (native/fuzz/):
 * serve_start takes the connection (any earlier one's buffers are let go),
 * serve_turn is one turn of the loop: run the guests, send what they made,
 * then read and handle what the master sent, waiting for it only if
 * may_wait. */
typedef enum { SERVE_GOING, SERVE_DONE, SERVE_ENDED } serve_state;
void serve_start(int socket, bool single_instance);
serve_state serve_turn(bool may_wait);

#endif
