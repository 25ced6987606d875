// How a runner process ended, as the supervisor reports it.
import { constants } from 'node:os';
import type { NativeExitReport } from '../native/index.js';
import type { Logger } from '../log.js';

/** The runner's exit statuses (native/runner/status.h; docs/errors.md, "Exit
 * statuses"). In exec mode 0..125 is the root instance's own code; these are
 * the runner's outcomes, which no guest can exit with. */
export const RunnerStatus = {
  ok: 0,
  guestCodeMax: 125,
  usage: 200,
  loadFailed: 201,
  trap: 202,
  limit: 203,
  timeout: 204,
  killed: 205,
  exitOutOfRange: 206,
} as const;

const RUNNER_OUTCOMES: Record<number, string> = {
  [RunnerStatus.usage]: 'bad command line',
  [RunnerStatus.loadFailed]: 'could not load, sandbox or connect',
  [RunnerStatus.trap]: 'trap',
  [RunnerStatus.limit]: 'over a limit',
  [RunnerStatus.timeout]: 'timeout',
  [RunnerStatus.killed]: 'every instance waiting, or the master gone',
  [RunnerStatus.exitOutOfRange]: 'exit code above 125',
};

export interface RunnerExit {
  readonly pid: number;
  /** The exit status when it exited (docs/loader.md lists the runner's); null when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, or null. */
  readonly signal: NodeJS.Signals | null;
  /** Killed by its seccomp filter (SIGSYS) for a system call outside the allowlist. */
  readonly sandboxViolation: boolean;
  /** It left a core dump (never, unless RLIMIT_CORE is raised: the supervisor sets it to 0). */
  readonly coreDumped: boolean;
  /** Its status was taken by someone else's wait(): code and signal are unknown. */
  readonly reapedElsewhere: boolean;
  /** kill() was called on it before it ended. */
  readonly killed: boolean;
  readonly userCpuMicros: number;
  readonly systemCpuMicros: number;
  /** Peak resident set, KiB. */
  readonly maxRssKiB: number;
  /** From start to reaping. */
  readonly uptimeMs: number;
}

/** Number to name; where two names share a number (SIGABRT/SIGIOT), the first listed, the usual one. */
const signalNames = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(constants.signals))
  if (!signalNames.has(number)) signalNames.set(number, name as NodeJS.Signals);

export function signalName(signal: number): NodeJS.Signals | null {
  return signalNames.get(signal) ?? null;
}

export function signalNumber(signal: NodeJS.Signals | number): number | undefined {
  return typeof signal === 'number' ? signal : constants.signals[signal];
}

/** 128 + the signal's number: the status a shell reports for a process it ended. */
export function signalStatus(signal: NodeJS.Signals): number {
  return 128 + constants.signals[signal];
}

export function toRunnerExit(report: NativeExitReport, killed: boolean, uptimeMs: number): RunnerExit {
  return {
    pid: report.pid,
    code: report.exitCode,
    signal: report.signal === null ? null : signalName(report.signal),
    sandboxViolation: report.sandboxViolation,
    coreDumped: report.coreDumped,
    reapedElsewhere: report.reapedElsewhere,
    killed,
    userCpuMicros: report.rusage.userCpuMicros,
    systemCpuMicros: report.rusage.systemCpuMicros,
    maxRssKiB: report.rusage.maxRssKiB,
    uptimeMs,
  };
}

/** One line for logs: "exited with 202 (trap)", "killed by SIGKILL", "sandbox violation (SIGSYS)". */
export function describeExit(exit: RunnerExit): string {
  if (exit.sandboxViolation) return 'sandbox violation: a forbidden system call, killed by seccomp (SIGSYS)';
  if (exit.reapedElsewhere) return 'ended, status unknown (reaped by someone else)';
  if (exit.signal !== null) return `killed by ${exit.signal}${exit.killed ? ' (as asked)' : ''}`;
  const outcome = RUNNER_OUTCOMES[exit.code!];
  return outcome ? `exited with ${exit.code} (${outcome})` : `exited with ${exit.code}`;
}

/** What a template runner reports of a child it reaped (a CHILD_EXIT frame). */
export interface ForkedExitReport {
  readonly pid: number;
  /** -1 when a signal ended it */
  readonly code: number;
  /** 0 when it exited */
  readonly signal: number;
  readonly coreDumped: boolean;
  readonly userCpuMicros: number;
  readonly systemCpuMicros: number;
  readonly maxRssKiB: number;
}

/** The report the addon's reaper would have given for that child. */
export function forkedExitReport(report: ForkedExitReport): NativeExitReport {
  const signal = report.signal === 0 ? null : report.signal;
  return {
    pid: report.pid,
    exitCode: signal === null ? report.code : null,
    signal,
    sandboxViolation: signal === constants.signals.SIGSYS,
    coreDumped: report.coreDumped,
    reapedElsewhere: false,
    rusage: { userCpuMicros: report.userCpuMicros, systemCpuMicros: report.systemCpuMicros, maxRssKiB: report.maxRssKiB },
  };
}

/** A sandbox violation, and any death by a signal nobody asked for, is logged once. */
export function logUnexpectedExit(log: Logger, description: string, exit: RunnerExit): void {
  if (exit.sandboxViolation)
    log.error(`SANDBOX VIOLATION: ${description} made a system call outside its seccomp allowlist and was killed (SIGSYS); see docs/supervisor.md`);
  else if (exit.signal !== null && !exit.killed)
    log.error(`${description} ${describeExit(exit)}`);
}
