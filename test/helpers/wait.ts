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
