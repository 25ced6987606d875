/* The `embly` imports (docs/abi.md). Each checks every pointer range against
 * the guest's memory and answers an errno; none can harm the runner. */

#include "embly/abi.h"
#include "host.h"
#include "mode.h"
#include "scheduler.h"

#define MAX_NAME_BYTES 255
#define EVENTS_BEFORE_YIELD 16
/* A write copies at most this much at a time, giving up the thread between
 * parts when the guest's slice is over (exec mode has no window to wait for). */
#define WRITE_CHUNK_BYTES (256u * 1024u)

static void answer(embly_value* results, uint32_t errno_value) {
  results[0].i32 = errno_value;
}

static void embly_read(guest* g, const embly_value* args, embly_value* results) {
  handle_entry* h = guest_handle(g, args[0].i32);
  uint32_t len = args[2].i32;
  uint8_t* buf = guest_bytes(g, args[1].i32, len);
  if (!h)
    return answer(results, EMBLY_EBADF);
  if (!buf || !guest_bytes(g, args[3].i32, 4))
    return answer(results, EMBLY_EFAULT);
  if (len == 0)
    return answer(results, EMBLY_EINVAL); /* a 0-byte read would look like EOF */
  if (pipe_buffered(h->in) == 0 && !h->in->writer_closed)
    return answer(results, EMBLY_EAGAIN);
  size_t n = pipe_read(h->in, buf, len);
  if (n == 0)
    guest_handle_saw_eof(g, args[0].i32);
  else if (g_mode->consumed)
    g_mode->consumed(g, h, n);
  guest_store_u32(g, args[3].i32, (uint32_t)n);
  answer(results, EMBLY_OK);
}

static void embly_write(guest* g, const embly_value* args, embly_value* results) {
  handle_entry* h = guest_handle(g, args[0].i32);
  uint32_t len = args[2].i32;
  const uint8_t* buf = guest_bytes(g, args[1].i32, len);
  if (!h || h->closed)
    return answer(results, EMBLY_EBADF);
  if (!buf || !guest_bytes(g, args[3].i32, 4))
    return answer(results, EMBLY_EFAULT);
  /* Never short: a write larger than the room the peer grants goes in parts,
   * the guest blocked in between (its memory cannot change meanwhile). */
  uint32_t done = 0;
  do {
    uint32_t want = len - done < WRITE_CHUNK_BYTES ? len - done : WRITE_CHUNK_BYTES;
    uint32_t n = g_mode->await_room ? g_mode->await_room(g, h, want) : want;
    if (h->out->reader_gone)
      return answer(results, EMBLY_EPIPE);
    if (!pipe_write(h->out, buf + done, n))
      return answer(results, EMBLY_ENOMEM);
    done += n;
    if (done < len)
      scheduler_checkpoint(g);
  } while (done < len);
  guest_store_u32(g, args[3].i32, len);
  answer(results, EMBLY_OK);
}

static void embly_spawn(guest* g, const embly_value* args, embly_value* results) {
  uint32_t name_len = args[1].i32;
  const char* name = (const char*)guest_bytes(g, args[0].i32, name_len);
  if (!name || !guest_bytes(g, args[2].i32, 4))
    return answer(results, EMBLY_EFAULT);
  if (name_len == 0 || name_len > MAX_NAME_BYTES)
    return answer(results, EMBLY_EINVAL);
  uint32_t handle = 0;
  uint32_t errno_value = g_mode->spawn_child(g, name, name_len, &handle);
  if (errno_value == EMBLY_OK)
    guest_store_u32(g, args[2].i32, handle);
  answer(results, errno_value);
}

static void embly_events(guest* g, const embly_value* args, embly_value* results) {
  int64_t timeout_ns = (int64_t)args[0].i64;
  uint32_t cap = args[2].i32;
  uint8_t* out = guest_bytes(g, args[1].i32, (uint64_t)cap * 4);
  if (!out || !guest_bytes(g, args[3].i32, 4))
    return answer(results, EMBLY_EFAULT);
  if (cap == 0)
    return answer(results, EMBLY_EINVAL); /* nowhere to say what is ready */
  /* A guest that polls without ever waiting (say, for one handle while
   * another stays readable) lets the runner's I/O and other guests in now
   * and then: scheduling is cooperative. */
  if (++g->events_without_waiting > EVENTS_BEFORE_YIELD) {
    g->events_without_waiting = 0;
    scheduler_yield(g);
  }
  uint64_t deadline = timeout_ns > 0 ? embly_monotonic_ns() + (uint64_t)timeout_ns : 0;
  uint32_t ready[64];
  uint32_t n;
  for (;;) {
    n = guest_take_readable(g, ready, cap < 64 ? cap : 64);
    if (n > 0 || timeout_ns == 0 || g->open_handles == 0)
      break;
    if (deadline && embly_monotonic_ns() >= deadline)
      break;
    scheduler_block(g, deadline);
  }
  memcpy(out, ready, n * 4);
  guest_store_u32(g, args[3].i32, n);
  answer(results, EMBLY_OK);
}

static void embly_close(guest* g, const embly_value* args, embly_value* results) {
  answer(results, guest_close_handle(g, args[0].i32) ? EMBLY_OK : EMBLY_EBADF);
}

const host_func embly_host_funcs[] = {
    {"read", "iiii", "i", embly_read},
    {"write", "iiii", "i", embly_write},
    {"spawn", "iii", "i", embly_spawn},
    {"events", "jiii", "i", embly_events},
    {"close", "i", "i", embly_close},
    {NULL, NULL, NULL, NULL},
};
