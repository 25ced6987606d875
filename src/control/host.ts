// The host's CPU and memory for `emblyctl status`, from systeminformation.
// Sampled in a worker thread: its currentLoad() runs a shell synchronously
// (execSync of `cat /proc/stat`), which took 25-600 ms on this 2-core VM and
// would stall the daemon's event loop, and every request with it.
import { Worker } from 'node:worker_threads';

export interface HostFigures {
  cpus: number;
  /** busy share of all CPUs over the sample window, 0-100 */
  cpuPercent: number;
  /** the window it was measured over */
  cpuWindowMs: number;
  memoryTotalBytes: number;
  /** what the kernel could hand out without swapping (MemAvailable) */
  memoryAvailableBytes: number;
}

let sampling: Promise<HostFigures> | undefined;

/** One sample at a time, whoever asks: concurrent status requests share it. */
export function hostFigures(): Promise<HostFigures> {
  sampling ??= sample().finally(() => { sampling = undefined; });
  return sampling;
}

function sample(): Promise<HostFigures> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./host-sampler.js', import.meta.url));
    worker.once('message', (figures: HostFigures) => resolve(figures));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the host sampler exited with ${code} before answering`)));
  });
}
