// Waiting for state in tests: poll a condition until it holds or a deadline
// passes. Every wait has a deadline, so a test that goes wrong fails with
// what it was waiting for instead of hanging until ava's timeout.

export interface WaitOptions {
  /** default 10 s */
  timeoutMs?: number;
  /** what is awaited, for the failure's message (a function: read when it fails, with the state then) */
  what?: string | (() => string);
  /** default 10 ms */
  intervalMs?: number;
}

/** Resolves once `condition()` holds; rejects once `timeoutMs` has passed without. */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 10_000, what = 'a condition', intervalMs = 10 } = options;
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The value once it has not changed for `steadyMs`, counted from when
 * `begun` holds: "the writer stopped" is an absence, with no event of its
 * own (the kernel's socket buffers, which fill last, say nothing when full). */
export async function whenSteady(read: () => number, what: string, begun: () => boolean, { steadyMs = 1000, timeoutMs = 30_000 } = {}): Promise<number> {
  let last = NaN;
  let since = 0;
  await waitFor(() => {
    const now = read();
    if (!begun() || now !== last) {
      last = now;
      since = Date.now();
      return false;
    }
    return Date.now() - since >= steadyMs;
  }, { timeoutMs, intervalMs: 50, what: () => `${what} to stop changing (at ${last})` });
  return last;
}
