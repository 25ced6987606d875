/* libFuzzer harness: the runner's frame decoder (frames.c) and serve mode's
 * handling of every frame the master may send (serve.c), over a real socket.
 *
 * The input is a byte stream as the master could send it, after four bytes
 * that say where it is cut: piece i is cuts[i % 4] bytes long (0: the rest).
 * Each piece is written to the socket and the runner takes one turn of its
 * loop, so frames arrive split anywhere. The runner hosts one function, the
 * harness guest (guest_module.c) playing echo_script below, so SPAWN starts real
 * instances that DATA, CLOSE, CREDIT, KILL and the rest then reach. What the
 * runner sends back must be well-formed frames. */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "frames.h"
#include "functions.h"
#include "scheduler.h"
#include "serve.h"

/* What every instance plays (fuzz_script.h): takes what its parent sent
 * (read, no waiting), answers, yields once so that it lives into the next
 * turn, where later frames find it, reads again and closes. DATA, CREDIT and
 * CLOSE then meet a live reader and writer. */
static const uint8_t echo_script[] = {
    3, 0, 0, 0, 0, 0, 0, 0, 0, 0x58, 2, 0, 0, 4, 0, 0, 0, 0x6c, 2, 0, 0, /* events(0, 600, 4, 620) */
    0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0,                    /* read(1, 256, 1024, 512) */
    1, 1, 0, 0, 0, 0, 1, 0, 0, 64, 0, 0, 0, 4, 2, 0, 0,                   /* write(1, 256, 64, 516) */
    16,                                                                    /* sched_yield() */
    0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0,                    /* read(1, 256, 1024, 512) */
    4, 1, 0, 0, 0,                                                         /* close(1) */
};
const uint8_t* embly_fuzz_script = echo_script;
size_t embly_fuzz_script_len = sizeof echo_script;
bool embly_fuzz_script_for_every_instance = true;

#define CUTS 4
#define TURNS_TO_SETTLE 1000
#define MAX_INPUT 60000 /* a piece fits in the socket's buffer and one read */

int LLVMFuzzerInitialize(int* argc, char*** argv) {
  wasm_rt_init();
  function_def* f = functions_add("fuzz", EMBLY_FUZZ_GUEST, NULL);
  if (!f)
    abort();
  f->timeout_ms = 20;
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

/* The master's side: it reads what the runner sent and checks each frame's
 * length, as the daemon's decoder would refuse it. */
typedef struct {
  int fd;
  uint8_t pending[FRAME_MAX_BYTES + 4];
  size_t pending_len;
} master_side;

static master_side g_master;

static void check_runner_frames(master_side* m) {
  size_t at = 0;
  while (m->pending_len - at >= 5) {
    uint32_t length;
    memcpy(&length, m->pending + at, 4);
    if (length == 0 || length > FRAME_MAX_BYTES) {
      fprintf(stderr, "fuzz_frames: the runner sent a frame of %u bytes\n", length);
      abort();
    }
    if (m->pending_len - at < 4 + (size_t)length)
      break;
    at += 4 + (size_t)length;
  }
  memmove(m->pending, m->pending + at, m->pending_len - at);
  m->pending_len -= at;
}

static void read_runner_frames(master_side* m) {
  for (;;) {
    ssize_t n = read(m->fd, m->pending + m->pending_len, sizeof m->pending - m->pending_len);
    if (n <= 0)
      return;
    m->pending_len += (size_t)n;
    check_runner_frames(m);
  }
}

static void write_all(int fd, const uint8_t* bytes, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, bytes, len);
    if (n <= 0)
      abort(); /* pieces are small and the runner reads each one */
    bytes += n;
    len -= (size_t)n;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < CUTS || size > MAX_INPUT)
    return 0;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    abort();
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  fcntl(fds[1], F_SETFL, O_NONBLOCK);
  g_master.fd = fds[1];
  g_master.pending_len = 0;
  serve_start(fds[0], false);
  serve_state state = SERVE_GOING;
  const uint8_t* stream = data + CUTS;
  size_t left = size - CUTS;
  for (size_t piece = 0; left > 0 && state == SERVE_GOING; piece++) {
    size_t n = data[piece % CUTS] ? data[piece % CUTS] : left;
    n = n < left ? n : left;
    write_all(fds[1], stream, n);
    stream += n;
    left -= n;
    state = serve_turn(false);
    read_runner_frames(&g_master);
  }
  /* The master goes: every instance must end, as in a runner whose master
   * left, before the next input starts from the same state. */
  shutdown(fds[1], SHUT_WR);
  for (int turn = 0; !scheduler_idle(); turn++) {
    if (turn == TURNS_TO_SETTLE) {
      fprintf(stderr, "fuzz_frames: instances still live %d turns after the master left\n", turn);
      abort();
    }
    serve_turn(true);
    read_runner_frames(&g_master);
  }
  close(fds[0]);
  close(fds[1]);
  return 0;
}
