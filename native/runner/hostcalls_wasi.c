/* The WASI subset (docs/abi.md): logs on fd 1/2, clocks, randomness, args
 * and environ, exit, yield and clock-only poll_oneoff. Everything else links
 * through host.c and answers ENOSYS or EBADF. */
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "embly/abi.h"
#include "host.h"
#include "scheduler.h"

enum {
  WASI_CLOCK_REALTIME = 0,
  WASI_CLOCK_MONOTONIC = 1,
  WASI_CLOCK_PROCESS_CPUTIME = 2,
  WASI_CLOCK_THREAD_CPUTIME = 3,
  WASI_FILETYPE_CHARACTER_DEVICE = 2,
  WASI_EVENTTYPE_CLOCK = 0,
  WASI_SUBCLOCK_ABSTIME = 1,
  SUBSCRIPTION_BYTES = 48,
  EVENT_BYTES = 32,
};

/* Bounds on the work of one call, whatever the guest asks: a host call runs
 * without safepoints, so its cost must not grow with guest-chosen counts.
 * fd_write may be short (WASI returns what was written; libc and Rust's std
 * write the rest); random_get fills its buffer in chunks, giving up the thread
 * between them when the slice is over; poll_oneoff takes at most so many
 * subscriptions (EINVAL beyond: only clocks are served here). */
#define FD_WRITE_MAX_IOVECS 1024
#define FD_WRITE_MAX_BYTES (64u * 1024u)
#define RANDOM_CHUNK_BYTES (64u * 1024u)
#define POLL_MAX_SUBSCRIPTIONS 4096

static void answer(embly_value* results, uint32_t errno_value) {
  results[0].i32 = errno_value;
}

static void wasi_fd_write(guest* g, const embly_value* args, embly_value* results) {
  uint32_t fd = args[0].i32, iovs = args[1].i32, count = args[2].i32;
  if (fd != 1 && fd != 2)
    return answer(results, EMBLY_EBADF);
  const uint8_t* vec = guest_bytes(g, iovs, (uint64_t)count * 8);
  if (!vec || !guest_bytes(g, args[3].i32, 4))
    return answer(results, EMBLY_EFAULT);
  if (count > FD_WRITE_MAX_IOVECS)
    count = FD_WRITE_MAX_IOVECS;
  uint32_t total = 0;
  for (uint32_t i = 0; i < count && total < FD_WRITE_MAX_BYTES; i++) {
    uint32_t ptr, len;
    memcpy(&ptr, vec + i * 8, 4);
    memcpy(&len, vec + i * 8 + 4, 4);
    const uint8_t* bytes = guest_bytes(g, ptr, len);
    if (!bytes && total == 0)
      return answer(results, EMBLY_EFAULT);
    if (!bytes)
      break; /* a short write of what came before */
    if (len > FD_WRITE_MAX_BYTES - total)
      len = FD_WRITE_MAX_BYTES - total;
    guest_log(g, (int)fd, bytes, len);
    total += len;
  }
  guest_store_u32(g, args[3].i32, total);
  answer(results, EMBLY_OK);
}

static void wasi_proc_exit(guest* g, const embly_value* args, embly_value* results) {
  embly_stop_now(EMBLY_STOP_EXIT, (int32_t)args[0].i32);
}

static void wasi_random_get(guest* g, const embly_value* args, embly_value* results) {
  uint32_t len = args[1].i32;
  uint8_t* buf = guest_bytes(g, args[0].i32, len);
  if (!buf)
    return answer(results, EMBLY_EFAULT);
  for (uint32_t done = 0; done < len;) {
    uint32_t want = len - done < RANDOM_CHUNK_BYTES ? len - done : RANDOM_CHUNK_BYTES;
    ssize_t n = getrandom(buf + done, want, 0);
    if (n <= 0)
      return answer(results, EMBLY_ENOSYS);
    done += (uint32_t)n;
    scheduler_checkpoint(g); /* the guest's memory cannot change meanwhile */
  }
  answer(results, EMBLY_OK);
}

static bool posix_clock(uint32_t id, clockid_t* out) {
  static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC,
                                     CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID};
  if (id > WASI_CLOCK_THREAD_CPUTIME)
    return false;
  *out = clocks[id];
  return true;
}

/* clock_gettime and clock_getres share a shape: read one, store nanoseconds. */
static void answer_clock(guest* g, uint32_t id, int (*read)(clockid_t, struct timespec*),
                         uint32_t out, embly_value* results) {
  clockid_t clock;
  struct timespec ts;
  if (!posix_clock(id, &clock) || read(clock, &ts) != 0)
    return answer(results, EMBLY_EINVAL);
  uint64_t ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
  answer(results, guest_store_u64(g, out, ns) ? EMBLY_OK : EMBLY_EFAULT);
}

static void wasi_clock_time_get(guest* g, const embly_value* args, embly_value* results) {
  answer_clock(g, args[0].i32, clock_gettime, args[2].i32, results);
}

static void wasi_clock_res_get(guest* g, const embly_value* args, embly_value* results) {
  answer_clock(g, args[0].i32, clock_getres, args[1].i32, results);
}

/* args and environ share a layout: a count, then NUL-terminated strings. */
static void strings_sizes(guest* g, char** strings, uint32_t count,
                          const embly_value* args, embly_value* results) {
  uint32_t bytes = 0;
  for (uint32_t i = 0; i < count; i++)
    bytes += (uint32_t)strlen(strings[i]) + 1;
  bool ok = guest_store_u32(g, args[0].i32, count) && guest_store_u32(g, args[1].i32, bytes);
  answer(results, ok ? EMBLY_OK : EMBLY_EFAULT);
}

static void strings_get(guest* g, char** strings, uint32_t count,
                        const embly_value* args, embly_value* results) {
  uint32_t pointers = args[0].i32, buf = args[1].i32;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t len = (uint32_t)strlen(strings[i]) + 1;
    uint8_t* dst = guest_bytes(g, buf, len);
    if (!dst || !guest_store_u32(g, pointers + i * 4, buf))
      return answer(results, EMBLY_EFAULT);
    memcpy(dst, strings[i], len);
    buf += len;
  }
  answer(results, EMBLY_OK);
}

static void wasi_args_sizes_get(guest* g, const embly_value* args, embly_value* results) {
  strings_sizes(g, &g->function->name, 1, args, results);
}

static void wasi_args_get(guest* g, const embly_value* args, embly_value* results) {
  strings_get(g, &g->function->name, 1, args, results);
}

static void wasi_environ_sizes_get(guest* g, const embly_value* args, embly_value* results) {
  strings_sizes(g, g->function->env, g->function->env_count, args, results);
}

static void wasi_environ_get(guest* g, const embly_value* args, embly_value* results) {
  strings_get(g, g->function->env, g->function->env_count, args, results);
}

static void wasi_fd_fdstat_get(guest* g, const embly_value* args, embly_value* results) {
  if (args[0].i32 > 2)
    return answer(results, EMBLY_EBADF);
  uint8_t* stat = guest_bytes(g, args[1].i32, 24);
  if (!stat)
    return answer(results, EMBLY_EFAULT);
  memset(stat, 0, 24);
  stat[0] = WASI_FILETYPE_CHARACTER_DEVICE;
  answer(results, EMBLY_OK);
}

static void wasi_sched_yield(guest* g, const embly_value* args, embly_value* results) {
  scheduler_yield(g);
  answer(results, EMBLY_OK);
}

/* When a clock subscription fires, as CLOCK_MONOTONIC nanoseconds. */
static uint64_t subscription_due(const uint8_t* sub, uint64_t now) {
  uint64_t timeout;
  uint16_t flags;
  memcpy(&timeout, sub + 24, 8);
  memcpy(&flags, sub + 40, 2);
  if (!(flags & WASI_SUBCLOCK_ABSTIME))
    return now + timeout;
  uint32_t clock_id;
  memcpy(&clock_id, sub + 16, 4);
  if (clock_id != WASI_CLOCK_REALTIME)
    return timeout; /* absolute monotonic time */
  struct timespec real;
  clock_gettime(CLOCK_REALTIME, &real);
  uint64_t real_ns = (uint64_t)real.tv_sec * 1000000000ull + (uint64_t)real.tv_nsec;
  return timeout > real_ns ? now + (timeout - real_ns) : now;
}

static void write_event(uint8_t* event, const uint8_t* sub, uint16_t error) {
  memset(event, 0, EVENT_BYTES);
  memcpy(event, sub, 8); /* userdata */
  memcpy(event + 8, &error, 2);
  event[10] = sub[8]; /* the subscription's type */
}

static void wasi_poll_oneoff(guest* g, const embly_value* args, embly_value* results) {
  uint32_t count = args[2].i32;
  const uint8_t* subs = guest_bytes(g, args[0].i32, (uint64_t)count * SUBSCRIPTION_BYTES);
  uint8_t* events = guest_bytes(g, args[1].i32, (uint64_t)count * EVENT_BYTES);
  if (!subs || !events || !guest_bytes(g, args[3].i32, 4))
    return answer(results, EMBLY_EFAULT);
  if (count == 0 || count > POLL_MAX_SUBSCRIPTIONS)
    return answer(results, EMBLY_EINVAL);
  uint64_t now = embly_monotonic_ns(), earliest = UINT64_MAX;
  uint32_t n = 0;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t* sub = subs + i * SUBSCRIPTION_BYTES;
    if (sub[8] != WASI_EVENTTYPE_CLOCK)
      write_event(events + n++ * EVENT_BYTES, sub, EMBLY_EBADF); /* no fds here */
    else if (subscription_due(sub, now) < earliest)
      earliest = subscription_due(sub, now);
  }
  if (n == 0) {
    while (embly_monotonic_ns() < earliest)
      scheduler_block(g, earliest);
    now = embly_monotonic_ns();
    for (uint32_t i = 0; i < count; i++)
      if (subs[i * SUBSCRIPTION_BYTES + 8] == WASI_EVENTTYPE_CLOCK &&
          subscription_due(subs + i * SUBSCRIPTION_BYTES, now) <= now)
        write_event(events + n++ * EVENT_BYTES, subs + i * SUBSCRIPTION_BYTES, EMBLY_OK);
  }
  guest_store_u32(g, args[3].i32, n);
  answer(results, EMBLY_OK);
}

static void wasi_fd_prestat_get(guest* g, const embly_value* args, embly_value* results) {
  answer(results, EMBLY_EBADF);
}

const host_func wasi_host_funcs[] = {
    {"fd_write", "iiii", "i", wasi_fd_write},
    {"proc_exit", "i", "", wasi_proc_exit},
    {"random_get", "ii", "i", wasi_random_get},
    {"clock_time_get", "iji", "i", wasi_clock_time_get},
    {"clock_res_get", "ii", "i", wasi_clock_res_get},
    {"args_sizes_get", "ii", "i", wasi_args_sizes_get},
    {"args_get", "ii", "i", wasi_args_get},
    {"environ_sizes_get", "ii", "i", wasi_environ_sizes_get},
    {"environ_get", "ii", "i", wasi_environ_get},
    {"fd_fdstat_get", "ii", "i", wasi_fd_fdstat_get},
    {"fd_prestat_get", "ii", "i", wasi_fd_prestat_get},
    {"sched_yield", "", "i", wasi_sched_yield},
    {"poll_oneoff", "iiii", "i", wasi_poll_oneoff},
    {NULL, NULL, NULL, NULL},
};
