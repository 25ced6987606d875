#include "exec.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "embly/abi.h"
#include "guest.h"
#include "log.h"
#include "mode.h"
#include "scheduler.h"
#include "status.h"

#define STDIN_CHUNK 65536

static guest* g_root;
static embly_stop g_root_outcome;
static bool g_root_ended;

static const char* describe_stop(embly_stop stop, char* buf, size_t len) {
  switch (stop.kind) {
    case EMBLY_STOP_NONE: return "ok";
    case EMBLY_STOP_EXIT:
      snprintf(buf, len, stop.code == 0 ? "ok" : "error (exit code %u)", (uint32_t)stop.code);
      return buf;
    case EMBLY_STOP_TRAP:
      snprintf(buf, len, "trap (%s)", wasm_rt_strerror((wasm_rt_trap_t)stop.code));
      return buf;
    case EMBLY_STOP_TIMEOUT: return "timeout";
    case EMBLY_STOP_LIMIT:
      snprintf(buf, len, "error (%s)", embly_limit_describe(stop.code));
      return buf;
    case EMBLY_STOP_KILLED: return "killed";
  }
  return "unknown";
}

static void on_guest_end(guest* g) {
  char text[160];
  if (g->outcome.kind != EMBLY_STOP_NONE &&
      !(g->outcome.kind == EMBLY_STOP_EXIT && g->outcome.code == 0))
    runner_log("instance %016llx of %s ended: %s", (unsigned long long)g->address,
               g->function->name, describe_stop(g->outcome, text, sizeof text));
  if (g == g_root) {
    g_root_outcome = g->outcome;
    g_root_ended = true;
    g_root = NULL;
  }
}

/* Joins parent and child with a pair of pipes; returns the parent's handle. */
static uint32_t connect_child(guest* parent, guest* child) {
  byte_pipe* to_child = pipe_new(child);
  byte_pipe* to_parent = pipe_new(parent);
  if (!to_child || !to_parent) {
    free(to_child);
    free(to_parent);
    return 0;
  }
  uint32_t handle = guest_add_handle(parent, to_parent, to_child, 0);
  if (!handle || guest_add_handle(child, to_child, to_parent, 0) != EMBLY_HANDLE_PARENT)
    return 0;
  return handle;
}

/* Children run in this process, as instances of the --fn functions. */
static uint32_t spawn_local_child(guest* parent, const char* name, uint32_t name_len,
                                  uint32_t* handle) {
  function_def* f = functions_find(name, name_len);
  if (!f)
    return EMBLY_ENOENT;
  if (f->live_instances >= f->max_instances)
    return EMBLY_ENOMEM;
  char err[512];
  guest* child = scheduler_spawn(f, 0, err, sizeof err);
  if (!child) {
    runner_log("cannot start function %s for %s: %s", f->name, parent->function->name, err);
    return EMBLY_ENOENT;
  }
  *handle = connect_child(parent, child);
  return *handle ? EMBLY_OK : EMBLY_ENOMEM; /* without a handle the child sees EOF and ends */
}

static void log_to_stderr(guest* g, int fd, const char* text, size_t len) {
  runner_log_guest(g->function->name, g->address, fd, text, len);
}

static const runner_mode exec_mode = {spawn_local_child, log_to_stderr, NULL, NULL};

static int exit_status(embly_stop stop) {
  switch (stop.kind) {
    case EMBLY_STOP_NONE: return RUNNER_OK;
    case EMBLY_STOP_EXIT: /* proc_exit takes a u32; only WASI's 0..125 pass as they are */
      return (uint32_t)stop.code <= RUNNER_GUEST_CODE_MAX ? stop.code : RUNNER_EXIT_OUT_OF_RANGE;
    case EMBLY_STOP_TRAP: return RUNNER_TRAP;
    case EMBLY_STOP_TIMEOUT: return RUNNER_TIMEOUT;
    case EMBLY_STOP_LIMIT: return RUNNER_LIMIT;
    case EMBLY_STOP_KILLED: return RUNNER_KILLED;
  }
  return RUNNER_KILLED;
}

/* Writes everything buffered for stdout; false if stdout is gone. */
static bool flush_stdout(byte_pipe* out) {
  uint8_t chunk[STDIN_CHUNK];
  while (pipe_buffered(out) > 0) {
    size_t n = pipe_read(out, chunk, sizeof chunk);
    for (size_t done = 0; done < n;) {
      ssize_t w = write(STDOUT_FILENO, chunk + done, n - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return false;
      done += (size_t)w;
    }
  }
  return true;
}

/* Moves what stdin has into the root's handle 1; false at end of input. */
static bool pump_stdin(byte_pipe* in) {
  uint8_t chunk[STDIN_CHUNK];
  ssize_t n = read(STDIN_FILENO, chunk, sizeof chunk);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return true;
  if (n <= 0) {
    pipe_close_writer(in);
    return false;
  }
  pipe_write(in, chunk, (size_t)n);
  return true;
}

static int poll_timeout_ms(uint64_t wake_at_ns) {
  if (!wake_at_ns)
    return -1;
  uint64_t now = embly_monotonic_ns();
  return wake_at_ns <= now ? 0 : (int)((wake_at_ns - now + 999999) / 1000000);
}

int exec_function(function_def* root) {
  char err[512];
  g_mode = &exec_mode;
  g_root_ended = false; /* a harness runs one root after another (native/fuzz/) */
  signal(SIGPIPE, SIG_IGN);
  scheduler_init(on_guest_end, NULL);
  g_root = scheduler_spawn(root, 0, err, sizeof err);
  if (!g_root) {
    runner_log("cannot start %s: %s", root->name, err);
    return RUNNER_LOAD_FAILED;
  }
  byte_pipe* in = pipe_new(g_root);
  byte_pipe* out = pipe_new(NULL);
  guest_add_handle(g_root, in, out, 0);
  bool stdin_open = true;
  while (!g_root_ended) {
    uint64_t wake_at = scheduler_run();
    flush_stdout(out);
    if (g_root_ended)
      break;
    stdin_open = stdin_open && !in->reader_gone;
    bool runnable = scheduler_has_runnable();
    if (!stdin_open && !wake_at && !runnable) {
      runner_log("every instance is waiting for another: ending %s", root->name);
      return RUNNER_KILLED;
    }
    struct pollfd fds = {STDIN_FILENO, POLLIN, 0};
    int ready = poll(&fds, stdin_open ? 1 : 0, runnable ? 0 : poll_timeout_ms(wake_at));
    if (ready > 0)
      stdin_open = pump_stdin(in);
  }
  flush_stdout(out);
  pipe_release(in); /* this side's references; the root's went with it */
  pipe_release(out);
  int status = exit_status(g_root_outcome);
  if (status == RUNNER_EXIT_OUT_OF_RANGE)
    runner_log("exit code %u of %s is above %d, WASI's range: the runner exits %d",
               (uint32_t)g_root_outcome.code, root->name, RUNNER_GUEST_CODE_MAX, status);
  return status;
}
