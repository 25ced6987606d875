/* The process-per-request baseline of the HTTP benchmark (bench/http.ts):
 * what bench/functions/stamp.wat does, as a CGI-style native program. The
 * server (bench/http-server.ts, mode cgi) starts one per request, writes the
 * request to its stdin and closes it, and sends what it prints.
 *
 * It reads CLOCK_MONOTONIC first (X-Start-Ns), reads stdin to EOF, reads the
 * clock again (X-Read-Ns), and prints the function's 218-byte response. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_MONOTONIC, &t) != 0) return 0;
  return (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec;
}

int main(void) {
  unsigned long long started = now_ns();
  char buf[4096];
  while (read(0, buf, sizeof buf) > 0) {
  }
  unsigned long long read_done = now_ns();
  char response[512];
  int n = snprintf(response, sizeof response,
                   "HTTP/1.1 200 OK\r\n"
                   "Content-Type: text/plain; charset=utf-8\r\n"
                   "Content-Length: 24\r\n"
                   "X-Start-Ns: %020llu\r\n"
                   "X-Read-Ns: %020llu\r\n"
                   "Connection: keep-alive\r\n"
                   "Keep-Alive: timeout=5\r\n"
                   "\r\n"
                   "Hello from Embly bench!\n",
                   started, read_done);
  return write(1, response, (size_t)n) == n ? 0 : 1;
}
