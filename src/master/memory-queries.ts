// How much linear memory instances have now (for `emblyctl ps`): the master
// asks each instance's runner (MEMORY_QUERY) and the runner answers
// (MEMORY_SIZE). Only the runner an address was asked of may answer for it.
import type { RunnerConnection } from './connection.js';
import { FrameKind, NO_SUCH_INSTANCE } from './frames.js';
import type { Instance } from './instances.js';

interface Asked { runner: RunnerConnection; answers: ((bytes: number | undefined) => void)[]; }

export class MemoryQueries {
  private readonly asked = new Map<bigint, Asked>();

  /** The instance's memory in bytes; undefined once it has ended or its runner went. */
  ask(instance: Instance): Promise<number | undefined> {
    const runner = instance.runner;
    if (!runner) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const pending = this.asked.get(instance.address);
      if (pending) return void pending.answers.push(resolve);
      this.asked.set(instance.address, { runner, answers: [resolve] });
      runner.send({ kind: FrameKind.MemoryQuery, address: instance.address });
    });
  }

  /** A MEMORY_SIZE frame from `runner`; one nobody asked of it is ignored. */
  answered(runner: RunnerConnection, address: bigint, bytes: bigint): void {
    const pending = this.asked.get(address);
    if (pending?.runner !== runner) return;
    this.asked.delete(address);
    const size = bytes === NO_SUCH_INSTANCE ? undefined : Number(bytes);
    for (const answer of pending.answers) answer(size);
  }

  /** The runner's connection closed: what was asked of it gets no answer. */
  forget(runner: RunnerConnection): void {
    for (const [address, pending] of this.asked) {
      if (pending.runner !== runner) continue;
      this.asked.delete(address);
      for (const answer of pending.answers) answer(undefined);
    }
  }
}
