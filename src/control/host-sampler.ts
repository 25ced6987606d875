// The worker behind host.ts: CPU load over a window (systeminformation's
// currentLoad() measures since its previous call) and memory, then exits.
import { parentPort } from 'node:worker_threads';
import { currentLoad, mem } from 'systeminformation';
import type { HostFigures } from './host.js';

const WINDOW_MS = 250; // currentLoad() answers from a cache within 200 ms of its last call

await currentLoad();
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
const load = await currentLoad();
const cpuWindowMs = Math.round(performance.now() - started);
const memory = await mem();
const figures: HostFigures = {
  cpus: load.cpus.length, cpuPercent: load.currentLoad, cpuWindowMs, memoryTotalBytes: memory.total, memoryAvailableBytes: memory.available,
};
parentPort!.postMessage(figures);
