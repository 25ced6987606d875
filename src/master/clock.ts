// The runners' timestamps in the master's terms. A runner stamps frames with
// CLOCK_MONOTONIC (native/runtime/fiber.c, embly_monotonic_ns), which every
// process of one machine shares: no runner is in a time namespace of its own
// (the addon's clone() makes none, and the seccomp filter lets only a
// template clone, as fork() does, with no CLONE_NEW*).
// Node's clock is the same one: performance.now() and process.hrtime.bigint()
// are both libuv's uv_hrtime(), which on Linux is clock_gettime(CLOCK_MONOTONIC)
// (libuv src/unix/linux.c, uv__hrtime: CLOCK_MONOTONIC for the precise clock);
// measured here too, a Python time.clock_gettime_ns(CLOCK_MONOTONIC) read in a
// child process lands between two hrtime.bigint() reads around it.
// performance.now() is that clock minus the process's time origin, which
// Node does not expose: it is measured once, below.

/** CLOCK_MONOTONIC in ms, minus performance.now(): a constant. */
const OFFSET_MS = measureOffset();

/** The best of a few brackets: an hrtime read between two performance.now()
 * reads is off the bracket's middle by at most half its width, which is
 * well under a microsecond (the spawn buckets start at 10 µs). */
function measureOffset(): number {
  let offset = 0;
  let width = Infinity;
  for (let i = 0; i < 50; i++) {
    const before = performance.now();
    const monotonicNs = process.hrtime.bigint();
    const after = performance.now();
    if (after - before < width) {
      width = after - before;
      offset = Number(monotonicNs) / 1e6 - (before + after) / 2;
    }
  }
  return offset;
}

/** A runner's timestamp (CLOCK_MONOTONIC ns) as a performance.now() time. */
export function fromMonotonicNs(ns: number): number {
  return ns / 1e6 - OFFSET_MS;
}

/** performance.now() as CLOCK_MONOTONIC ns (what a runner would have read then). */
export function toMonotonicNs(now: number): number {
  return Math.round((now + OFFSET_MS) * 1e6);
}
