// What the hardening tests read of the runner processes, from /proc.
import { readdirSync, readFileSync } from 'node:fs';

/** Our runner processes' pids: children of this process named embly-runner
 * hosting `fn` (their command line names it after --fn). */
export function runnerPids(fn = 'hostile'): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return stat.includes('(embly-runner)') && Number(fields[1]) === process.pid && args[args.indexOf('--fn') + 1] === fn;
    } catch {
      return false;
    }
  }).map(Number).sort();
}

export interface ProcessFigures { rssKiB: number; fds: number; }

export function processFigures(pid: number): ProcessFigures {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return { rssKiB: Number(rss?.[1] ?? NaN), fds: readdirSync(`/proc/${pid}/fd`).length };
}
