// What the memory and soak benchmarks read about processes from /proc (Linux),
// and how the soak judges whether a series stayed flat. Small and pure enough
// to be tested on the test's own process (test/bench/proc.test.ts).
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { BenchFile } from './figures.js';

/** A field of /proc/PID/status or smaps_rollup given in kB, in bytes; NaN if the process is gone. */
function kbField(file: string, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(file, 'latin1'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Resident set size, bytes (VmRSS). */
export const rssBytes = (pid: number): number => kbField(`/proc/${pid}/status`, 'VmRSS');

/** Proportional set size, bytes: shared pages counted once across the processes that share them. */
export const pssBytes = (pid: number): number => kbField(`/proc/${pid}/smaps_rollup`, 'Pss');

/** Open file descriptors; NaN if the process is gone. */
export function fdCount(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** The live children of `parent` (from each of its threads' children lists). */
export function childPids(parent: number): number[] {
  const pids: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${parent}/task`)) {
      const text = readFileSync(`/proc/${parent}/task/${task}/children`, 'latin1').trim();
      if (text) pids.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // it ended
  }
  return pids;
}

/** The sum of `read` over `pids`, skipping those that ended meanwhile. */
export const sumOver = (pids: number[], read: (pid: number) => number): number =>
  pids.map(read).filter((n) => Number.isFinite(n)).reduce((a, b) => a + b, 0);

/** The machine block of a BenchFile. */
export const machine = (): BenchFile['machine'] =>
  ({ cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, loadAverage: loadavg() });

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** The p-th percentile (nearest rank) of values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** How much a series may grow from its first window to its last and still count as flat:
 * a fraction of the first window's average, or an absolute amount, whichever is larger. */
export interface Tolerance { fraction: number; absolute: number }

export interface Flatness { first: number; last: number; flat: boolean }

const average = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Compares the averages of the first and last `window` samples. Only growth counts
 * against flatness: a series that shrinks (memory returned, fewer fds) is not leaking. */
export function flatness(samples: number[], window: number, tolerance: Tolerance): Flatness {
  if (samples.length < 2 * window) throw new RangeError(`need ${2 * window} samples, have ${samples.length}`);
  const first = average(samples.slice(0, window));
  const last = average(samples.slice(-window));
  return { first, last, flat: last - first <= Math.max(tolerance.absolute, tolerance.fraction * first) };
}

/** Every process below `root` (children, their children, ...). */
export function descendantPids(root: number): number[] {
  const found: number[] = [];
  for (let queue = childPids(root); queue.length > 0;) {
    const pid = queue.shift()!;
    found.push(pid);
    queue.push(...childPids(pid));
  }
  return found;
}

/** Memory mappings of a process (lines of /proc/PID/maps); NaN if it is gone. */
export function mappingCount(pid: number): number {
  try {
    const maps = readFileSync(`/proc/${pid}/maps`, 'latin1');
    let lines = 0;
    for (let at = maps.indexOf('\n'); at >= 0; at = maps.indexOf('\n', at + 1)) lines++;
    return lines;
  } catch {
    return NaN;
  }
}

/** The TCP connections a process holds on one of its local ports, its listener left out:
 * how many are established, and how many are in any other state (closing, or closed by the
 * peer and not yet by the process). */
export interface Connections { established: number; other: number }

const TCP_ESTABLISHED = 0x01;
const TCP_LISTEN = 0x0a;

/** The inodes of the sockets among `pid`'s open fds. */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) inodes.add(inode);
      } catch {
        // closed meanwhile
      }
    }
  } catch {
    // it ended
  }
  return inodes;
}

/** The connections `pid` holds on its local `port` (IPv4 and IPv6), from /proc/PID/net/tcp{,6}
 * matched to its fds by socket inode; none if it is gone. */
export function connectionsOn(pid: number, port: number): Connections {
  const mine = socketInodes(pid);
  const found: Connections = { established: 0, other: 0 };
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'latin1');
    } catch {
      continue;
    }
    // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || !mine.has(f[9]!)) continue;
      const local = f[1]!;
      const state = parseInt(f[3]!, 16);
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port || state === TCP_LISTEN) continue;
      if (state === TCP_ESTABLISHED) found.established++;
      else found.other++;
    }
  }
  return found;
}

/** `read()` every `everyMs` while `load` runs, and what `load` answered. No sample is taken
 * before `load` starts: what a load does to a process is judged from samples taken under it. */
export async function sampleDuring<T, S>(load: () => Promise<T>, read: () => S, everyMs: number): Promise<{ result: T; samples: S[] }> {
  const samples: S[] = [];
  const sampler = setInterval(() => samples.push(read()), everyMs);
  const result = await load().finally(() => clearInterval(sampler));
  return { result, samples };
}

/** The samples a load's steady state is judged on: from the first one at which the process held
 * exactly the load's `connections` and no others (before it, the client is still connecting, or
 * the previous load's connections are still being closed), through the last one at which it still
 * held them all (after it, the client is hanging up). In between every sample counts, so that
 * connections the process fails to close show as growth. */
export function underLoad<S extends { connections: Connections }>(samples: S[], connections: number): S[] {
  const first = samples.findIndex((s) => s.connections.established === connections && s.connections.other === 0);
  if (first < 0) return [];
  let last = samples.length - 1;
  while (samples[last]!.connections.established !== connections) last--;
  return samples.slice(first, last + 1);
}
