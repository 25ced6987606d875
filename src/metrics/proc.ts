// One process's CPU time and resident memory now, from Linux's /proc.
//
// Not systeminformation: its per-process figures (processes(), processLoad())
// spawn `ps` (and a shell reading /proc) on every call and give CPU as a
// percentage since its previous call; a scrape needs a cumulative counter
// for a few known pids, and a fork per scrape is expensive on small
// machines. Reading the two small files costs ~60 µs per runner here.
import { readFileSync } from 'node:fs';

/** /proc reports CPU time in clock ticks of USER_HZ, which Linux's ABI fixes at 100 (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

/** /proc exists: Linux. Elsewhere (macOS) these figures are not read at all. */
export const canReadProcesses = process.platform === 'linux';

/** User + system time the process has had (its own, not its reaped
 * children's): fields 14 and 15 of /proc/PID/stat, counted after the command
 * name's closing parenthesis since the name may hold spaces. Undefined once
 * it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3, the state
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The process's resident memory: VmRSS of /proc/PID/status, in KiB there
 * (statm counts pages, whose size Node cannot ask for). 0 once it is gone
 * (a zombie has no VmRSS line). */
export function processResidentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readProc(`/proc/${pid}/status`) ?? '');
  return match ? Number(match[1]) * 1024 : 0;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}
