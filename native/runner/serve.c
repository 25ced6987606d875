/* `serve` mode: the runner connects to the master, says HELLO, and runs the
 * instances the master asks for (SPAWN). Every handle of an instance leads to
 * a remote peer: bytes and EOF travel as DATA/CLOSE frames, spawns as
 * SPAWN_REQUEST/SPAWN_RESULT, logs as LOG (docs/protocol.md). */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "addresses.h"
#include "embly/abi.h"
#include "frames.h"
#include "guest.h"
#include "log.h"
#include "log_budget.h"
#include "mode.h"
#include "scheduler.h"
#include "status.h"

static int g_socket = -1;
static byte_pipe* g_in;  /* bytes from the master, not yet parsed */
static byte_pipe* g_out; /* frames for the master, not yet written */
static byte_pipe** g_outbox;
static size_t g_outbox_count, g_outbox_capacity;
static uint32_t g_next_request;
static bool g_failed;
static bool g_single_instance; /* isolation: process: one instance, then exit */
static bool g_spawned;         /* has taken a SPAWN: a single-instance runner takes no other */

/* ---- Outgoing ------------------------------------------------------------ */

static void send_frame(uint8_t kind, const frame_header* fields, const void* rest, size_t len) {
  if (!frame_append(g_out, kind, fields, rest, len))
    g_failed = true; /* out of memory: the master sees us go */
}

/* A remote pipe has bytes or EOF to send: queue it once. */
static void on_remote_pipe_changed(byte_pipe* p) {
  if (p->in_outbox)
    return;
  if (g_outbox_count == g_outbox_capacity) {
    size_t capacity = g_outbox_capacity ? g_outbox_capacity * 2 : 64;
    byte_pipe** grown = realloc(g_outbox, capacity * sizeof *grown);
    if (!grown) {
      g_failed = true;
      return;
    }
    g_outbox = grown;
    g_outbox_capacity = capacity;
  }
  p->in_outbox = true;
  g_outbox[g_outbox_count++] = p;
}

/* Sends what the reader's window allows (all of it once the writer has
 * ended: a blocked write left at most a window unsent), then CLOSE. */
static void send_pipe(byte_pipe* p) {
  while (pipe_buffered(p) > 0) {
    size_t n = pipe_buffered(p) < FRAME_MAX_DATA ? pipe_buffered(p) : FRAME_MAX_DATA;
    if (!p->writer_ended) {
      if (p->unacked >= FRAME_WINDOW)
        break;
      if (n > FRAME_WINDOW - p->unacked)
        n = FRAME_WINDOW - p->unacked;
    }
    frame_header h = {0};
    frame_put_u64(&h, p->remote_from);
    frame_put_u64(&h, p->remote_to);
    send_frame(FRAME_DATA, &h, pipe_peek(p), n);
    pipe_consume(p, n);
    p->unacked += n;
  }
  if (p->blocked_writer && pipe_buffered(p) < FRAME_WINDOW)
    scheduler_wake(p->blocked_writer);
  if (pipe_buffered(p) == 0 && p->writer_closed && !p->close_sent) {
    frame_header h = {0};
    frame_put_u64(&h, p->remote_from);
    frame_put_u64(&h, p->remote_to);
    send_frame(FRAME_CLOSE, &h, NULL, 0);
    p->close_sent = true;
  }
}

static void drain_outbox(void) {
  for (size_t i = 0; i < g_outbox_count; i++) {
    byte_pipe* p = g_outbox[i];
    p->in_outbox = false;
    send_pipe(p);
    if (p->close_sent)
      pipe_release(p); /* the sending side's reference */
  }
  g_outbox_count = 0;
}

/* ---- Guests and their remote peers --------------------------------------- */

/* Adds a handle of g leading to the remote `peer`; returns its number. */
static uint32_t connect_remote(guest* g, uint64_t peer) {
  byte_pipe* in = pipe_new(g);
  byte_pipe* out = pipe_new(NULL);
  if (!in || !out) {
    free(in);
    free(out);
    return 0;
  }
  in->refs = 1; /* only the guest reads it: DATA frames find it through the guest */
  out->remote_from = g->address;
  out->remote_to = peer;
  uint32_t handle = guest_add_handle(g, in, out, peer);
  if (!handle) { /* out of memory: neither pipe was shared */
    free(in);
    free(out);
  }
  return handle;
}

static uint8_t exit_reason(embly_stop stop) {
  switch (stop.kind) {
    case EMBLY_STOP_NONE: return EMBLY_EXIT_OK;
    case EMBLY_STOP_EXIT: return stop.code == 0 ? EMBLY_EXIT_OK : EMBLY_EXIT_ERROR;
    case EMBLY_STOP_TRAP: return EMBLY_EXIT_TRAP;
    case EMBLY_STOP_TIMEOUT: return EMBLY_EXIT_TIMEOUT;
    case EMBLY_STOP_LIMIT: return EMBLY_EXIT_ERROR;
    case EMBLY_STOP_KILLED: return EMBLY_EXIT_KILLED;
  }
  return EMBLY_EXIT_ERROR;
}

static void send_exit(uint64_t address, uint8_t reason, int32_t code) {
  frame_header h = {0};
  frame_put_u64(&h, address);
  frame_put_u8(&h, reason);
  frame_put_u32(&h, (uint32_t)code);
  send_frame(FRAME_EXIT, &h, NULL, 0);
}

/* Function logs are rate-limited here, before they cost the daemon anything
 * (log_budget.h), with one line saying how many were dropped once lines flow
 * again or an instance ends. */
static uint64_t g_log_dropped;

static void send_log(guest* g, int fd, const char* text, size_t len) {
  frame_header h = {0};
  frame_put_u64(&h, g->address);
  frame_put_u8(&h, (uint8_t)fd);
  send_frame(FRAME_LOG, &h, text, len);
}

static void report_dropped_logs(guest* g) {
  if (g_log_dropped == 0)
    return;
  char text[128];
  int len = snprintf(text, sizeof text, "... %llu log lines of this runner's instances dropped (over %d/s)",
                     (unsigned long long)g_log_dropped, LOG_LINES_PER_SECOND);
  send_log(g, 2, text, (size_t)len);
  g_log_dropped = 0;
}

static void log_to_master(guest* g, int fd, const char* text, size_t len) {
  if (!log_budget_take()) {
    g_log_dropped++;
    return;
  }
  report_dropped_logs(g);
  send_log(g, fd, text, len);
}

/* STARTED goes right before the guest's fiber first runs, with the time
 * (CLOCK_MONOTONIC, one clock for every process of the machine) and when
 * its SPAWN was read, which splits the spawn at the runner's wake-up: the master
 * measures the spawn up to the instance's first instruction from it
 * (docs/metrics.md). It costs no extra write: the loop flushes only after
 * scheduler_run, as it did when STARTED went as SPAWN was read. And it
 * precedes every frame the guest makes (LOG, DATA, EXIT). */
static void on_guest_starting(guest* g) {
  frame_header h = {0};
  frame_put_u64(&h, g->address);
  frame_put_u64(&h, embly_monotonic_ns());
  frame_put_u64(&h, g->spawn_read_ns);
  send_frame(FRAME_STARTED, &h, NULL, 0);
}

static void on_guest_end(guest* g) {
  /* EXIT implies CLOSE towards every peer, so a peer learns why the bytes
   * stopped in one frame; only handles it closed itself send CLOSE. */
  for (uint32_t h = 1; h < g->handle_count; h++) {
    byte_pipe* out = g->handles[h].out;
    if (!out)
      continue; /* released: pipe_writer_ended sent its last bytes */
    out->blocked_writer = NULL;
    if (out->close_sent)
      continue; /* closed and flushed earlier: its sending side is released */
    if (!g->handles[h].closed)
      out->close_sent = true;
    out->writer_ended = true;
    on_remote_pipe_changed(out); /* its last bytes go before its EXIT */
  }
  drain_outbox();
  report_dropped_logs(g);
  if (g->outcome.kind == EMBLY_STOP_LIMIT) /* the master sees an error: say which limit */
    runner_log("instance %016llx of %s could not start: %s", (unsigned long long)g->address,
               g->function->name, embly_limit_describe(g->outcome.code));
  send_exit(g->address, exit_reason(g->outcome), g->outcome.code);
  addresses_remove(g->address);
}

static uint32_t spawn_remote_child(guest* parent, const char* name, uint32_t name_len,
                                   uint32_t* handle) {
  uint64_t called_at = embly_monotonic_ns(); /* the child's spawn latency counts from here */
  frame_header h = {0};
  parent->pending_spawn.request = ++g_next_request;
  parent->pending_spawn.answered = false;
  frame_put_u64(&h, parent->address);
  frame_put_u32(&h, parent->pending_spawn.request);
  frame_put_u64(&h, called_at);
  send_frame(FRAME_SPAWN_REQUEST, &h, name, name_len);
  while (!parent->pending_spawn.answered)
    scheduler_block(parent, 0);
  *handle = parent->pending_spawn.handle;
  return parent->pending_spawn.errno_value;
}

/* Flow control (docs/protocol.md, CREDIT): a writer waits while a window's
 * worth of its bytes is waiting to be sent. */
static uint32_t await_room(guest* g, handle_entry* h, uint32_t want) {
  byte_pipe* p = h->out;
  while (pipe_buffered(p) >= FRAME_WINDOW && !p->reader_gone) {
    p->blocked_writer = g;
    scheduler_block(g, 0);
    p->blocked_writer = NULL;
  }
  if (p->reader_gone)
    return want; /* the write answers EPIPE */
  size_t room = FRAME_WINDOW - pipe_buffered(p);
  return want < room ? want : (uint32_t)room;
}

/* The guest read n bytes: credit the writer by half windows. */
static void consumed(guest* g, handle_entry* h, size_t n) {
  byte_pipe* p = h->in;
  p->uncredited += n;
  if (p->uncredited < FRAME_CREDIT_AFTER || h->peer == 0)
    return;
  frame_header f = {0};
  frame_put_u64(&f, g->address);
  frame_put_u64(&f, h->peer);
  frame_put_u32(&f, (uint32_t)p->uncredited);
  send_frame(FRAME_CREDIT, &f, NULL, 0);
  p->uncredited = 0;
}

static const runner_mode serve_mode = {spawn_remote_child, log_to_master, await_room, consumed};

/* ---- Incoming ------------------------------------------------------------ */

static bool on_spawn(frame_fields* f) {
  uint64_t read_at = embly_monotonic_ns();
  uint64_t address = frame_u64(f), parent = frame_u64(f);
  if (!f->ok || address == 0 || addresses_get(address))
    return false;
  if (g_single_instance && g_spawned) {
    runner_log("refused a second SPAWN (%016llx): this runner serves one instance", (unsigned long long)address);
    send_exit(address, EMBLY_EXIT_ERROR, -1);
    return true;
  }
  g_spawned = true;
  char err[512];
  function_def* fn = functions_find((const char*)f->at, f->left);
  guest* g = fn ? scheduler_spawn(fn, address, err, sizeof err) : NULL;
  if (!g) {
    runner_log("cannot start %.*s: %s", (int)f->left, (const char*)f->at,
               fn ? err : "this runner does not host that function");
    send_exit(address, EMBLY_EXIT_ERROR, -1);
    return true;
  }
  g->spawn_read_ns = read_at;
  if (!addresses_put(address, g) || connect_remote(g, parent) != EMBLY_HANDLE_PARENT)
    scheduler_kill(g, EMBLY_STOP_KILLED); /* it ends before it runs: EXIT, no STARTED */
  return true; /* STARTED goes when it first runs (on_guest_starting) */
}

/* The peer behind h has gone, or broke the protocol: what it sent stays
 * readable, then EOF; writes to it answer EPIPE. */
static void end_peer(handle_entry* h) {
  h->out->reader_gone = true;
  if (h->out->blocked_writer)
    scheduler_wake(h->out->blocked_writer);
  pipe_close_writer(h->in);
}

/* Flow control, reading side: bytes of the peer's that the guest has not
 * credited (unread, or read since the last CREDIT) never exceed what an honest
 * writer can have in flight. More is a peer that ignores the window, whose
 * bytes would otherwise pile up here without bound. */
static bool within_window(const byte_pipe* in, size_t more) {
  return pipe_buffered(in) + in->uncredited + more <= FRAME_MAX_UNCREDITED;
}

static void deliver_data(guest* g, handle_entry* h, uint64_t from, const uint8_t* bytes, size_t len) {
  if (h->in->writer_closed)
    return; /* after its CLOSE, its end or its breach: nothing more is taken */
  if (!within_window(h->in, len)) {
    runner_log("%016llx sent %016llx more than its flow-control window: that handle ends",
               (unsigned long long)from, (unsigned long long)g->address);
    end_peer(h);
  } else if (!pipe_write(h->in, bytes, len)) {
    g_failed = true;
  }
}

static bool on_data_or_close(uint8_t kind, frame_fields* f) {
  uint64_t from = frame_u64(f), to = frame_u64(f);
  if (!f->ok || (kind == FRAME_CLOSE && f->left != 0))
    return false;
  guest* g = addresses_get(to);
  handle_entry* h = g ? guest_handle_for_peer(g, from) : NULL;
  if (!h)
    return true; /* the instance has ended: nothing to deliver */
  if (kind == FRAME_CLOSE)
    pipe_close_writer(h->in);
  else
    deliver_data(g, h, from, f->at, f->left);
  return true;
}

static bool on_peer_exit(frame_fields* f) {
  uint64_t from = frame_u64(f), to = frame_u64(f);
  frame_u8(f);
  frame_u32(f);
  if (!f->ok || f->left != 0)
    return false;
  guest* g = addresses_get(to);
  handle_entry* h = g ? guest_handle_for_peer(g, from) : NULL;
  if (h)
    end_peer(h);
  return true;
}

/* The peer `from` read bytes that `to` sent it: room for more. */
static bool on_credit(frame_fields* f) {
  uint64_t from = frame_u64(f), to = frame_u64(f);
  uint32_t bytes = frame_u32(f);
  if (!f->ok || f->left != 0)
    return false;
  guest* g = addresses_get(to);
  handle_entry* h = g ? guest_handle_for_peer(g, from) : NULL;
  if (!h || h->out->close_sent)
    return true;
  h->out->unacked = bytes < h->out->unacked ? h->out->unacked - bytes : 0;
  on_remote_pipe_changed(h->out);
  return true;
}

static bool on_spawn_result(frame_fields* f) {
  uint64_t requester = frame_u64(f);
  uint32_t request = frame_u32(f), errno_value = frame_u32(f);
  uint64_t child = frame_u64(f);
  if (!f->ok || f->left != 0)
    return false;
  guest* g = addresses_get(requester);
  if (!g || g->pending_spawn.request != request || g->pending_spawn.answered)
    return true;
  g->pending_spawn.answered = true;
  g->pending_spawn.errno_value = errno_value;
  if (errno_value == EMBLY_OK) {
    g->pending_spawn.handle = connect_remote(g, child);
    if (!g->pending_spawn.handle)
      g->pending_spawn.errno_value = EMBLY_ENOMEM;
  }
  scheduler_wake(g);
  return true;
}

static bool on_kill(frame_fields* f) {
  uint64_t address = frame_u64(f);
  uint8_t reason = frame_u8(f);
  if (!f->ok || f->left != 0)
    return false;
  guest* g = addresses_get(address);
  if (g)
    scheduler_kill(g, reason == EMBLY_EXIT_TIMEOUT ? EMBLY_STOP_TIMEOUT : EMBLY_STOP_KILLED);
  return true;
}

/* The master asks how much linear memory an instance has now (for `emblyctl
 * ps`); an address this runner no longer hosts (it ended meanwhile) answers
 * UINT64_MAX. */
static bool on_memory_query(frame_fields* f) {
  uint64_t address = frame_u64(f);
  if (!f->ok || f->left != 0)
    return false;
  guest* g = addresses_get(address);
  frame_header h = {0};
  frame_put_u64(&h, address);
  frame_put_u64(&h, !g ? UINT64_MAX : g->memory ? g->memory->size : 0);
  send_frame(FRAME_MEMORY_SIZE, &h, NULL, 0);
  return true;
}

static bool handle_frame(uint8_t kind, frame_fields* f) {
  switch (kind) {
    case FRAME_SPAWN: return on_spawn(f);
    case FRAME_DATA:
    case FRAME_CLOSE: return on_data_or_close(kind, f);
    case FRAME_PEER_EXIT: return on_peer_exit(f);
    case FRAME_SPAWN_RESULT: return on_spawn_result(f);
    case FRAME_KILL: return on_kill(f);
    case FRAME_CREDIT: return on_credit(f);
    case FRAME_MEMORY_QUERY: return on_memory_query(f);
  }
  return false;
}

/* ---- The loop ------------------------------------------------------------ */

int serve_connect(const char* path) {
  struct sockaddr_un address = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof address.sun_path)
    return -1;
  strcpy(address.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && connect(fd, (struct sockaddr*)&address, sizeof address) != 0) {
    close(fd);
    return -1;
  }
  /* Non-blocking plain read/write from here on: the sandbox allows those,
   * not send/recv. */
  if (fd >= 0)
    fcntl(fd, F_SETFL, O_NONBLOCK); /* a fresh socket has no other status flag; a template may not F_GETFL */
  return fd;
}

static void send_hello(const function_def* fn) {
  frame_header h = {0};
  frame_put_u16(&h, FRAME_PROTOCOL_VERSION);
  frame_put_u32(&h, (uint32_t)getpid());
  send_frame(FRAME_HELLO, &h, fn->name, strlen(fn->name));
}

static int poll_timeout_ms(uint64_t wake_at_ns) {
  if (!wake_at_ns)
    return -1;
  uint64_t now = embly_monotonic_ns();
  return wake_at_ns <= now ? 0 : (int)((wake_at_ns - now + 999999) / 1000000);
}

/* The loop's frames, frames_read's chunk above all, reach below any stack the
 * runner used while starting; each first touch there would be a fault on the
 * first SPAWN's path. The margin covers the frames of a spawn below it. Every
 * 4 KiB: no page is smaller. */
static __attribute__((noinline)) void touch_loop_stack(void) {
  volatile uint8_t below[FRAME_READ_CHUNK + 16384];
  for (size_t at = 0; at < sizeof below; at += 4096)
    below[at] = 0;
}

/* In the sandbox, before HELLO: the first SPAWN then costs no page fault or
 * syscall that could be paid ahead (docs/loader.md, "Prewarming"). */
static void prewarm(void) {
  for (function_def* f = functions_first(); f; f = f->next)
    guest_prewarm(f);
  touch_loop_stack();
}

int serve_functions(const char* socket_path, function_def* fn, bool single_instance,
                    bool (*before_serving)(void)) {
  signal(SIGPIPE, SIG_IGN); /* a vanished master is seen as a failed write */
  int socket = serve_connect(socket_path);
  if (socket < 0) {
    runner_log("cannot connect to the master at %s: %s", socket_path, strerror(errno));
    return RUNNER_LOAD_FAILED;
  }
  if (before_serving && !before_serving())
    return RUNNER_LOAD_FAILED;
  return serve_connected(socket, fn, single_instance);
}

void serve_start(int socket, bool single_instance) {
  g_mode = &serve_mode;
  g_single_instance = single_instance;
  g_spawned = false;
  g_failed = false;
  g_socket = socket;
  g_remote_pipe_changed = on_remote_pipe_changed;
  scheduler_init(on_guest_end, on_guest_starting);
  pipe_release(g_in); /* a harness's earlier connection; NULL in the runner */
  pipe_release(g_out);
  g_in = pipe_new(NULL);
  g_out = pipe_new(NULL);
  if (g_in)
    g_in->refs = 1; /* only this side holds them */
  if (g_out)
    g_out->refs = 1;
  if (!g_in || !g_out)
    g_failed = true;
}

serve_state serve_turn(bool may_wait) {
  if (g_failed)
    return SERVE_ENDED;
  uint64_t wake_at = scheduler_run();
  drain_outbox(); /* may wake writers that waited for room: then no sleeping */
  if (!frames_flush(g_socket, g_out))
    return SERVE_ENDED;
  if (g_single_instance && g_spawned && scheduler_idle() && pipe_buffered(g_out) == 0)
    return SERVE_DONE; /* its one instance has ended (or failed to start) and every byte is out */
  struct pollfd pfd = {g_socket, POLLIN | (pipe_buffered(g_out) ? POLLOUT : 0), 0};
  int timeout_ms = !may_wait || scheduler_has_runnable() ? 0 : poll_timeout_ms(wake_at);
  if (poll(&pfd, 1, timeout_ms) > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)) &&
      !frames_read(g_socket, g_in, handle_frame))
    return SERVE_ENDED;
  return g_failed ? SERVE_ENDED : SERVE_GOING;
}

int serve_connected(int socket, function_def* fn, bool single_instance) {
  serve_start(socket, single_instance);
  prewarm();
  send_hello(fn); /* written by the loop below: the master sees a warm runner */
  serve_state state;
  while ((state = serve_turn(true)) == SERVE_GOING)
    continue;
  if (state == SERVE_DONE)
    return RUNNER_OK;
  /* The master is gone (or broke the protocol): the daemon replaces us. */
  return g_failed ? RUNNER_KILLED : RUNNER_OK;
}
