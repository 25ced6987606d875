/* The baselines of bench/roundtrip.ts and bench/idle.ts, built with the system cc at
 * bench time:
 *
 *   pipes roundtrip N   forks an echo child; N times writes 16 bytes to it through a pipe
 *                       and reads them back through another, timing each round trip with
 *                       CLOCK_MONOTONIC; writes the N durations (u64 ns, native order) to stdout
 *   pipes idle K        forks K children that sleep in read() on a pipe; says "ready" on
 *                       stdout, and ends (and so do they) when its stdin reaches end of file
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE_BYTES 16

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int transfer_exactly(int fd, char* buf, size_t len, int writing) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = writing ? write(fd, buf + done, len - done) : read(fd, buf + done, len - done);
    if (n <= 0)
      return -1;
    done += (size_t)n;
  }
  return 0;
}

static int roundtrip(long trips) {
  int there[2], back[2];
  if (pipe(there) || pipe(back))
    return perror("pipe"), 1;
  pid_t child = fork();
  if (child < 0)
    return perror("fork"), 1;
  char buf[MESSAGE_BYTES];
  if (child == 0) {
    close(there[1]);
    close(back[0]);
    while (transfer_exactly(there[0], buf, sizeof buf, 0) == 0)
      if (transfer_exactly(back[1], buf, sizeof buf, 1) != 0)
        break;
    _exit(0);
  }
  close(there[0]);
  close(back[1]);
  uint64_t* durations = calloc((size_t)trips, sizeof *durations);
  if (!durations)
    return perror("calloc"), 1;
  memcpy(buf, "pipe round trip!", MESSAGE_BYTES);
  for (long i = 0; i < trips; i++) {
    uint64_t started = now_ns();
    if (transfer_exactly(there[1], buf, sizeof buf, 1) || transfer_exactly(back[0], buf, sizeof buf, 0))
      return fprintf(stderr, "the echo child ended\n"), 1;
    durations[i] = now_ns() - started;
  }
  close(there[1]);
  waitpid(child, NULL, 0);
  return transfer_exactly(1, (char*)durations, (size_t)trips * sizeof *durations, 1) ? 1 : 0;
}

static int idle(long count) {
  int wake[2];
  if (pipe(wake))
    return perror("pipe"), 1;
  for (long i = 0; i < count; i++) {
    pid_t child = fork();
    if (child < 0)
      return perror("fork"), 1;
    if (child == 0) {
      char byte;
      close(wake[1]);
      while (read(wake[0], &byte, 1) > 0) {
      }
      _exit(0);
    }
  }
  close(wake[0]);
  printf("ready\n");
  fflush(stdout);
  char byte;
  while (read(0, &byte, 1) > 0) {
  }
  close(wake[1]); /* the children see end of file */
  while (wait(NULL) > 0) {
  }
  return 0;
}

int main(int argc, char** argv) {
  long n = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
  if (n > 0 && strcmp(argv[1], "roundtrip") == 0)
    return roundtrip(n);
  if (n > 0 && strcmp(argv[1], "idle") == 0)
    return idle(n);
  fprintf(stderr, "usage: pipes roundtrip N | pipes idle K\n");
  return 64;
}
