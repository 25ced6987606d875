/* A guest is one instance of a function running in this runner: its wasm
 * instance, its fiber, its handles and its log.
 *
 * States (docs/loader.md):
 *   runnable -> running            the scheduler resumes its fiber
 *   running  -> runnable           sched_yield
 *   running  -> blocked            events/poll_oneoff with nothing ready
 *   blocked  -> runnable           bytes or EOF on a handle, or its wake time
 *   running  -> done               _start returned, proc_exit, trap, timeout
 * A done guest closes every pipe it writes and is freed by the scheduler. */
#ifndef EMBLY_RUNNER_GUEST_H
#define EMBLY_RUNNER_GUEST_H

#include <stdbool.h>
#include <stdint.h>

#include "embly/runtime.h"
#include "functions.h"
#include "pipe.h"
#include "u64_map.h"

typedef enum { GUEST_RUNNABLE, GUEST_BLOCKED, GUEST_DONE } guest_state;

/* A handle lives from spawn (or the instance's start, for handle 1) until
 * the guest has both closed it and read its EOF (docs/abi.md, "Handles"):
 * then nothing more can happen on it, its pipes are let go and a later spawn
 * may get its number. A released entry has no pipes. */
typedef struct {
  byte_pipe* in;        /* bytes from the peer; NULL: released */
  byte_pipe* out;       /* bytes to the peer */
  uint64_t peer;        /* the peer's address when it is remote (serve mode), else 0 */
  bool eof_seen;   /* read has returned 0: no longer reported by events */
  bool closed;     /* this side called close */
  bool listed;     /* in the guest's ready list */
} handle_entry;

typedef struct {
  char* text;
  size_t len, capacity;
} log_line;

typedef struct guest {
  uint64_t address;
  function_def* function;
  embly_instance instance;
  struct host_binding* bindings;
  wasm_rt_memory_t* memory;
  const embly_export* start;
  embly_fiber* fiber;
  guest_state state;
  bool started;
  uint64_t spawn_read_ns; /* serve mode: CLOCK_MONOTONIC as its SPAWN was read (STARTED tells it) */
  bool queued;
  uint64_t wake_at_ns; /* blocked guests: when to wake without an event (0: never) */
  uint32_t events_without_waiting; /* events calls since it last blocked */
  embly_stop_kind kill; /* set by the master (KILL): the instance ends at its next host call */
  struct {             /* a spawn waiting for the master's answer (serve mode) */
    uint32_t request;
    bool answered;
    uint32_t errno_value;
    uint32_t handle;
  } pending_spawn;
  embly_stop outcome;
  handle_entry* handles; /* index = handle number; 0 unused */
  uint32_t handle_count;
  uint32_t* released;    /* numbers of released handles, for reuse (last first) */
  uint32_t released_count, released_capacity;
  u64_map children_by_peer; /* serve mode: child handles by peer address */
  uint32_t open_handles; /* handles whose EOF has not been read */
  /* handles that became readable since events last looked: events costs
   * O(ready), not O(handles) */
  uint32_t* ready;
  uint32_t ready_count, ready_capacity;
  log_line logs[2]; /* fd 1 and fd 2 */
  struct guest* next_runnable;
  struct guest* next_live;
} guest;

/* Creates a guest of `function` (not yet started) at `address`, or at a new
 * random address when it is 0; NULL with a message in err. */
guest* guest_new(function_def* function, uint64_t address, char* err, size_t err_len);
/* Does, before any SPAWN, the work of starting an instance of `function`
 * that runs no guest code: a pooled fiber with its top stack pages resident,
 * a pooled zeroed memory of the module's initial size, heap for the guest.
 * The first instance then starts without page faults or syscalls (§2 of
 * ARCHITECTURE.md). Best effort: a failure here shows at the spawn. */
void guest_prewarm(function_def* function);
/* The most memory one instance of `function` may make writable in the
 * runner: its memory limit (linear memory and tables), its stack, and a
 * share for its host state (pipe windows, log lines); UINT64_MAX for an
 * unlimited function. For the runner's RLIMIT_DATA (sandbox.h). */
uint64_t guest_max_bytes(const function_def* function);
/* Adds a handle joining the guest to a peer (at address `peer` when it is
 * remote, else 0); returns its number or 0. */
uint32_t guest_add_handle(guest* g, byte_pipe* in, byte_pipe* out, uint64_t peer);
/* The live handle with that number, or NULL. */
handle_entry* guest_handle(guest* g, uint32_t handle);
/* The live handle leading to the remote peer at `peer`, or NULL; costs the
 * same whatever the number of handles. */
handle_entry* guest_handle_for_peer(guest* g, uint64_t peer);
/* close: no more bytes from this side. False for an unknown handle. */
bool guest_close_handle(guest* g, uint32_t handle);
/* Whether a handle has bytes or an unseen EOF. */
bool guest_handle_readable(const handle_entry* h);
/* A pipe got bytes or EOF for this handle: list it and wake the guest. */
void guest_handle_ready(guest* g, uint32_t handle);
/* Read returned 0: the handle is finished, and released if it was closed. */
void guest_handle_saw_eof(guest* g, uint32_t handle);
/* Stores up to cap readable handles; drops listed ones no longer readable. */
uint32_t guest_take_readable(guest* g, uint32_t* out, uint32_t cap);
/* Called once its fiber has finished: closes its pipes, flushes its log. */
void guest_finish(guest* g);
void guest_free(guest* g);

/* Writes complete log lines of fd 1/2 to the runner's log, tagged. */
void guest_log(guest* g, int fd, const uint8_t* bytes, size_t len);

#endif
