/* The runner's own log and the tagged log lines of its guests (stderr). */
#ifndef EMBLY_RUNNER_LOG_H
#define EMBLY_RUNNER_LOG_H

#include <stddef.h>
#include <stdint.h>

void runner_log(const char* format, ...) __attribute__((format(printf, 1, 2)));
void runner_log_guest(const char* function, uint64_t address, int fd,
                      const char* text, size_t len);

#endif
