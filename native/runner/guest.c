#include "guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "embly/abi.h"
#include "host.h"
#include "mode.h"
#include "scheduler.h"

/* Instance stacks: wasm2c frames are small, but Rust and C programs may keep
 * large arrays on the C stack of their wasm code. Untouched pages cost no
 * memory. */
#define GUEST_STACK_BYTES (1024u * 1024u)
#define LOG_LINE_MAX 4096
/* Prewarming (guest_prewarm): how much of a fresh stack and memory to make
 * resident. The stack's top pages hold the frames of every instance. The
 * memory's cap covers the whole initial memory of wat, AssemblyScript and C
 * modules (1-2 wasm pages); it is not larger because a resident page is
 * scanned each time the memory returns to the pool, so a page populated but
 * never used would cost every later instance too. */
#define PREWARM_STACK_BYTES (32u * 1024u)
#define PREWARM_MEMORY_BYTES (128u * 1024u)
#define WASM_PAGE_BYTES 65536u
/* guest_max_bytes: a fiber's mapping beyond its stack (guard, preemption
 * stack), and host state: a window of bytes each way to its parent and
 * room for its log lines and instance state. */
#define FIBER_EXTRA_BYTES (128u * 1024u)
#define HOST_STATE_BYTES (1024u * 1024u)
#define PREWARM_ADDRESS 1 /* never registered: the dry guest is not reachable */

static uint64_t random_address(void) {
  uint64_t address = 0;
  while (address == 0)
    if (getrandom(&address, sizeof address, 0) != sizeof address)
      address = 0;
  return address;
}

static const embly_export* find_export(const embly_module* module, const char* name,
                                       uint8_t kind) {
  const embly_export* e = embly_module_find_export(module, name, (uint32_t)strlen(name));
  return e && e->type.kind == kind ? e : NULL;
}

static guest* refuse(guest* g, char* err, size_t err_len, const char* message) {
  if (message)
    snprintf(err, err_len, "%s", message);
  guest_free(g);
  return NULL;
}

guest* guest_new(function_def* function, uint64_t address, char* err, size_t err_len) {
  const embly_module* module = function_module(function, err, err_len);
  if (!module)
    return NULL;
  guest* g = calloc(1, sizeof *g);
  if (!g || !embly_instance_init(&g->instance, module))
    return refuse(g, err, err_len, "out of memory");
  g->address = address ? address : random_address(); /* serve mode: the master chose it */
  g->function = function;
  if (!host_link(g, err, err_len))
    return refuse(g, err, err_len, NULL);
  g->start = find_export(module, "_start", EMBLY_EXTERN_FUNC);
  const embly_export* memory = find_export(module, "memory", EMBLY_EXTERN_MEMORY);
  if (module->n_imports > 0 && !memory)
    return refuse(g, err, err_len, "the module imports host functions but exports no memory named \"memory\"");
  g->fiber = embly_fiber_new(GUEST_STACK_BYTES);
  if (!g->fiber)
    return refuse(g, err, err_len, "out of memory for the instance stack");
  embly_fiber_set_memory_limit(g->fiber, function->memory_pages);
  embly_fiber_set_interrupt(g->fiber, module->interrupt);
  /* The address of the instance's memory is fixed before instantiation,
   * and host calls from the start function need it. */
  g->memory = memory ? memory->address(g->instance.state) : NULL;
  function->live_instances++;
  return g;
}

/* The initial size of the memory an instance of `module` will allocate, when
 * it exports one and the function's limit lets it start; else 0. */
static uint64_t initial_memory_bytes(const function_def* function,
                                     const embly_module* module) {
  const embly_export* memory = find_export(module, "memory", EMBLY_EXTERN_MEMORY);
  if (!memory || memory->type.min > function->memory_pages)
    return 0;
  return memory->type.min * WASM_PAGE_BYTES;
}

uint64_t guest_max_bytes(const function_def* function) {
  if (function->memory_pages > UINT32_MAX)
    return UINT64_MAX;
  return function->memory_pages * WASM_PAGE_BYTES + GUEST_STACK_BYTES + FIBER_EXTRA_BYTES +
         HOST_STATE_BYTES;
}

void guest_prewarm(function_def* function) {
  char err[256];
  const embly_module* module = function_module(function, err, sizeof err);
  if (!module)
    return; /* the SPAWN will report why */
  embly_fiber_prewarm(GUEST_STACK_BYTES, PREWARM_STACK_BYTES);
  uint64_t memory = initial_memory_bytes(function, module);
  if (memory)
    embly_memory_prewarm(memory, PREWARM_MEMORY_BYTES);
  /* A dry guest leaves its allocations resident and free in the heap, and
   * its fiber back in the pool. */
  guest_free(guest_new(function, PREWARM_ADDRESS, err, sizeof err));
}

/* The number the next handle gets: the last released one, else a new one
 * (the array grown for it); 0 when out of memory. */
static uint32_t next_handle_number(guest* g) {
  if (g->released_count > 0)
    return g->released[g->released_count - 1];
  uint32_t handle = g->handle_count ? g->handle_count : 1; /* 0 is never a handle */
  handle_entry* grown = realloc(g->handles, (handle + 1) * sizeof *grown);
  if (!grown)
    return 0;
  if (g->handle_count == 0)
    memset(&grown[0], 0, sizeof grown[0]);
  grown[handle] = (handle_entry){0};
  g->handles = grown;
  g->handle_count = handle + 1;
  return handle;
}

uint32_t guest_add_handle(guest* g, byte_pipe* in, byte_pipe* out, uint64_t peer) {
  uint32_t handle = next_handle_number(g);
  if (!handle)
    return 0;
  /* Handle 1's peer is looked at first and needs no map (guest_handle_for_peer). */
  if (peer && handle != EMBLY_HANDLE_PARENT && !u64_map_put(&g->children_by_peer, peer, handle))
    return 0;
  if (g->released_count > 0 && g->released[g->released_count - 1] == handle)
    g->released_count--;
  g->handles[handle] = (handle_entry){in, out, peer, false, false, false};
  g->open_handles++;
  in->reader_handle = handle;
  if (guest_handle_readable(&g->handles[handle]))
    guest_handle_ready(g, handle);
  return handle;
}

handle_entry* guest_handle(guest* g, uint32_t handle) {
  return handle >= 1 && handle < g->handle_count && g->handles[handle].in ? &g->handles[handle] : NULL;
}

handle_entry* guest_handle_for_peer(guest* g, uint64_t peer) {
  handle_entry* parent = guest_handle(g, EMBLY_HANDLE_PARENT);
  if (parent && parent->peer == peer)
    return parent;
  return guest_handle(g, (uint32_t)u64_map_get(&g->children_by_peer, peer));
}

static void unlist(guest* g, uint32_t handle) {
  for (uint32_t i = 0; i < g->ready_count; i++) {
    if (g->ready[i] == handle) {
      g->ready[i] = g->ready[--g->ready_count];
      return;
    }
  }
}

/* Lets a finished child handle go (guest.h): the peer's writes now fail, the
 * bytes still to send go without waiting for the window, and the number is
 * free. The parent's handle 1 is never released: its number stays its. */
static void release_handle(guest* g, uint32_t handle) {
  handle_entry* h = &g->handles[handle];
  if (handle == EMBLY_HANDLE_PARENT)
    return;
  if (g->released_count == g->released_capacity) {
    uint32_t capacity = g->released_capacity ? g->released_capacity * 2 : 8;
    uint32_t* grown = realloc(g->released, capacity * sizeof *grown);
    if (!grown)
      return; /* kept live: it costs memory until the guest ends, nothing else */
    g->released = grown;
    g->released_capacity = capacity;
  }
  if (h->listed)
    unlist(g, handle);
  if (h->peer)
    u64_map_remove(&g->children_by_peer, h->peer);
  pipe_writer_ended(h->out);
  pipe_close_reader(h->in);
  pipe_release(h->in);
  pipe_release(h->out);
  *h = (handle_entry){0};
  g->released[g->released_count++] = handle;
}

bool guest_close_handle(guest* g, uint32_t handle) {
  handle_entry* h = guest_handle(g, handle);
  if (!h)
    return false;
  h->closed = true;
  pipe_close_writer(h->out);
  if (h->eof_seen)
    release_handle(g, handle);
  return true;
}

bool guest_handle_readable(const handle_entry* h) {
  return pipe_buffered(h->in) > 0 || (h->in->writer_closed && !h->eof_seen);
}

void guest_handle_ready(guest* g, uint32_t handle) {
  handle_entry* h = guest_handle(g, handle);
  if (h && !h->listed) {
    if (g->ready_count == g->ready_capacity) {
      uint32_t capacity = g->ready_capacity ? g->ready_capacity * 2 : 8;
      uint32_t* grown = realloc(g->ready, capacity * sizeof *grown);
      if (!grown)
        return; /* events will not see it until the next byte: degraded, not wrong */
      g->ready = grown;
      g->ready_capacity = capacity;
    }
    g->ready[g->ready_count++] = handle;
    h->listed = true;
  }
  scheduler_wake(g);
}

void guest_handle_saw_eof(guest* g, uint32_t handle) {
  handle_entry* h = guest_handle(g, handle);
  if (h && !h->eof_seen) {
    h->eof_seen = true;
    g->open_handles--;
    if (h->closed)
      release_handle(g, handle);
  }
}

uint32_t guest_take_readable(guest* g, uint32_t* out, uint32_t cap) {
  uint32_t n = 0, kept = 0;
  for (uint32_t i = 0; i < g->ready_count; i++) {
    uint32_t handle = g->ready[i];
    handle_entry* h = &g->handles[handle];
    if (!guest_handle_readable(h)) {
      h->listed = false; /* drained since it was listed */
      continue;
    }
    if (n < cap)
      out[n++] = handle;
    g->ready[kept++] = handle; /* stays listed until drained */
  }
  g->ready_count = kept;
  return n;
}

static void flush_log(guest* g, int fd) {
  log_line* line = &g->logs[fd - 1];
  if (line->len > 0)
    g_mode->log_line(g, fd, line->text, line->len);
  line->len = 0;
}

void guest_log(guest* g, int fd, const uint8_t* bytes, size_t len) {
  log_line* line = &g->logs[fd - 1];
  for (size_t i = 0; i < len; i++) {
    if (bytes[i] == '\n' || line->len == LOG_LINE_MAX) {
      flush_log(g, fd);
      if (bytes[i] == '\n')
        continue;
    }
    if (line->len == line->capacity) {
      size_t capacity = line->capacity ? line->capacity * 2 : 128;
      char* grown = realloc(line->text, capacity);
      if (!grown)
        return;
      line->text = grown;
      line->capacity = capacity;
    }
    line->text[line->len++] = (char)bytes[i];
  }
}

void guest_finish(guest* g) {
  for (uint32_t h = 1; h < g->handle_count; h++) {
    if (!g->handles[h].in)
      continue; /* released */
    pipe_close_writer(g->handles[h].out);
    pipe_close_reader(g->handles[h].in);
  }
  flush_log(g, 1);
  flush_log(g, 2);
  g->state = GUEST_DONE;
}

void guest_free(guest* g) {
  if (!g)
    return;
  for (uint32_t h = 1; h < g->handle_count; h++) {
    pipe_release(g->handles[h].in); /* NULL for a released handle: nothing */
    pipe_release(g->handles[h].out);
  }
  if (g->function && g->fiber)
    g->function->live_instances--;
  if (g->instance.module)
    embly_instance_release(&g->instance);
  embly_fiber_free(g->fiber);
  free(g->handles);
  free(g->released);
  u64_map_free(&g->children_by_peer);
  free(g->ready);
  free(g->bindings);
  free(g->logs[0].text);
  free(g->logs[1].text);
  free(g);
}
