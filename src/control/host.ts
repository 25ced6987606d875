// The host's CPU and memory for `emblyctl status`, from systeminformation.
// currentLoad() measures since its previous call, so a sample is two calls a
// window apart. Each reads /proc/stat through a short synchronous child
// process (`cat /proc/stat`): measured here, the event loop's longest stall
// during a sample was 5-7 ms against 2-5 ms idle; a worker thread to keep it
// off the loop stalled it as much (5-7 ms) and costs a Node environment a sample.
import { currentLoad, mem } from 'systeminformation';

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

/** currentLoad() answers from a cache within 200 ms of its last call. */
const WINDOW_MS = 250;

let sampling: Promise<HostFigures> | undefined;

/** One sample at a time, whoever asks: concurrent status requests share it. */
export function hostFigures(): Promise<HostFigures> {
  sampling ??= sample().finally(() => { sampling = undefined; });
  return sampling;
}

async function sample(): Promise<HostFigures> {
  await currentLoad();
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  const load = await currentLoad();
  const cpuWindowMs = Math.round(performance.now() - started);
  const memory = await mem();
  return { cpus: load.cpus.length, cpuPercent: load.currentLoad, cpuWindowMs, memoryTotalBytes: memory.total, memoryAvailableBytes: memory.available };
}
