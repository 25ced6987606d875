#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void runner_log(const char* format, ...) {
  va_list args;
  va_start(args, format);
  fputs("embly: ", stderr);
  vfprintf(stderr, format, args);
  fputc('\n', stderr);
  va_end(args);
}

void runner_log_guest(const char* function, uint64_t address, int fd,
                      const char* text, size_t len) {
  fprintf(stderr, "[%s %016llx%s] %.*s\n", function, (unsigned long long)address,
          fd == 2 ? " stderr" : "", (int)len, text);
}
