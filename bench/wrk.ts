// wrk, the load tool every HTTP benchmark uses: one thread, a fixed number of
// connections (Debian's wrk is a closed loop: it has no -R), and what its
// report says, read into numbers.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BenchError } from './cli.js';

const run = promisify(execFile);

export interface WrkRun {
  requests: number;
  rps: number;
  /** non-2xx/3xx answers and socket errors (connect, read, write, timeout) */
  errors: number;
  p50Ns: number;
  p99Ns: number;
}

const UNIT_NS: Record<string, number> = { us: 1e3, ms: 1e6, s: 1e9 };

function durationNs(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) throw new BenchError(`cannot read wrk's duration ${JSON.stringify(text)}`, 1);
  return Number(m[1]) * UNIT_NS[m[2]!]!;
}

/** wrk -t1 -cC -dS --latency URL. */
export async function wrk(url: string, connections: number, seconds: number): Promise<WrkRun> {
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 }).catch((e: { code?: string; stderr?: string; message: string }) => {
    if (e.code === 'ENOENT') throw new BenchError('wrk is not installed: apt-get install wrk');
    throw new BenchError(`wrk ${args.join(' ')} failed: ${e.stderr || e.message}`, 1);
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const total = /(\d+) requests in/.exec(stdout);
  const p50 = /^\s+50%\s+(\S+)/m.exec(stdout);
  const p99 = /^\s+99%\s+(\S+)/m.exec(stdout);
  if (!rps || !total || !p50 || !p99) throw new BenchError(`cannot read wrk's output:\n${stdout}`, 1);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
  const errors = non2xx + (socket ? socket.slice(1).reduce((a, n) => a + Number(n), 0) : 0);
  return { requests: Number(total[1]), rps: Number(rps[1]), errors, p50Ns: durationNs(p50[1]!), p99Ns: durationNs(p99[1]!) };
}
