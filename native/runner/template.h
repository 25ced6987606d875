/* The template runner of an isolation: process function: it forks each fresh runner (template.c). */
#ifndef EMBLY_RUNNER_TEMPLATE_H
#define EMBLY_RUNNER_TEMPLATE_H

#include <stdbool.h>

#include "functions.h"

/* Connects to the master at socket_path, runs before_serving (where the
 * template's sandbox is entered), says TEMPLATE_HELLO for `fn` and forks a
 * single-instance runner per FORK. Returns the process exit status. */
int template_serve(const char* socket_path, function_def* fn, bool (*before_serving)(void));

#endif
