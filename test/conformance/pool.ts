// At most `size` jobs at once: every CPU-bound step of the suite (wast2json,
// wasm2c + cc, wat2wasm, the driver) goes through one pool sized to the
// machine, whichever script's test asks. Waiting jobs run lowest priority
// first (then first come, first served): with the script's index as the
// priority, scripts finish one after another instead of all at the very end,
// so progress shows and ava's inactivity timeout never sees a silent suite.
interface Waiter { priority: number; start: () => void; }

export class Pool {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly size: number) {}

  async run<T>(job: () => Promise<T>, priority = 0): Promise<T> {
    if (this.active < this.size) this.active++;
    else await new Promise<void>((start) => this.enqueue({ priority, start })); // the slot is handed over
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next.start();
      else this.active--;
    }
  }

  private enqueue(waiter: Waiter): void {
    const at = this.waiting.findIndex((w) => w.priority > waiter.priority);
    if (at === -1) this.waiting.push(waiter);
    else this.waiting.splice(at, 0, waiter);
  }
}
