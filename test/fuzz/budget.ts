// How long each property runs: a bounded time in CI. EMBLY_FUZZ_MS runs them
// longer by hand; EMBLY_FUZZ_SEED replays a failure (fast-check prints its seed and path).
import fc, { type Parameters } from 'fast-check';

// fast-check's default size keeps arrays and strings to a few elements; the
// readers' limits (head sizes, frame lengths) need inputs of hundreds of bytes.
fc.configureGlobal({ baseSize: 'large' });

export function budget<T>(runs = 2000): Parameters<T> {
  const seed = process.env.EMBLY_FUZZ_SEED;
  const ms = Number(process.env.EMBLY_FUZZ_MS ?? 5000);
  return {
    numRuns: process.env.EMBLY_FUZZ_MS ? Number.MAX_SAFE_INTEGER : runs,
    interruptAfterTimeLimit: ms,
    markInterruptAsFailure: false,
    ...(seed ? { seed: Number(seed) } : {}),
  };
}

/** Cuts `bytes` at the given points (any numbers: taken modulo its length), in order. */
export function cut(bytes: Buffer, points: number[]): Buffer[] {
  const at = [...new Set(points.map((p) => (bytes.length ? p % (bytes.length + 1) : 0)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let from = 0;
  for (const p of [...at, bytes.length]) {
    if (p > from) pieces.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  return pieces;
}
