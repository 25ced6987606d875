// The only loader of the native addon (build/native/bin/embly_native.node):
// everything else imports these typed functions, never the addon itself.
// `NativeAddon` is the exact shape of the addon's exports (native/addon/);
// keep the two in step.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { nativeBin } from '../paths.js';

declare const runnerHandleBrand: unique symbol;
/** Names one runner the addon started; unlike its pid, never reused. Opaque. */
export type RunnerHandle = number & { readonly [runnerHandleBrand]: true };

/** What a runner's fd 0, 1 or 2 is: /dev/null, a new pipe, or a copy of one of our fds. */
export type NativeStdio = 'null' | 'pipe' | number;

export interface NativeSpawnOptions {
  /** Absolute path of the executable. */
  readonly file: string;
  /** argv, argv[0] included. */
  readonly argv: readonly string[];
  readonly stdio: readonly [NativeStdio, NativeStdio, NativeStdio];
  /** RLIMIT_NOFILE of the runner (soft and hard), at least 3. */
  readonly maxOpenFiles: number;
}

export interface NativeRusage {
  readonly userCpuMicros: number;
  readonly systemCpuMicros: number;
  /** Peak resident set, KiB. */
  readonly maxRssKiB: number;
}

export interface NativeExitReport {
  readonly pid: number;
  /** Set when the runner exited; null when a signal ended it. */
  readonly exitCode: number | null;
  /** The number of the signal that ended it, or null. */
  readonly signal: number | null;
  /** It died of SIGSYS: its seccomp filter killed it for a forbidden system call. */
  readonly sandboxViolation: boolean;
  readonly coreDumped: boolean;
  /** Some other code's wait() took the status: exitCode and signal are unknown. */
  readonly reapedElsewhere: boolean;
  readonly rusage: NativeRusage;
}

export type NativeSpawnResult =
  /** stdio: our end of each 'pipe' slot (CLOEXEC, ours to close), otherwise null. */
  | { readonly ok: true; readonly handle: RunnerHandle; readonly pid: number; readonly stdio: readonly [number | null, number | null, number | null] }
  /** step: which step of starting it failed (e.g. "execve"); errno: why. */
  | { readonly ok: false; readonly step: string; readonly errno: number };

/** The addon's exports, exactly. */
interface NativeAddon {
  readonly abiVersion: number;
  spawnRunner(options: NativeSpawnOptions, onExit: (report: NativeExitReport) => void):
    | { readonly handle: RunnerHandle; readonly pid: number; readonly stdio: [number | null, number | null, number | null] }
    | { readonly error: { readonly step: string; readonly errno: number } };
  signalRunner(handle: RunnerHandle, signal: number): number;
  peerCredentials(fd: number): PeerCredentials | { readonly errno: number };
  notifySend(address: string, message: string): number;
  monotonicMicros(): number;
}

export interface PeerCredentials { readonly pid: number; readonly uid: number; readonly gid: number; }

let addon: NativeAddon | undefined;

function load(): NativeAddon {
  addon ??= createRequire(import.meta.url)(join(nativeBin, 'embly_native.node')) as NativeAddon;
  return addon;
}

/** The runtime ABI version the native build was compiled with. */
export function nativeAbiVersion(): number {
  return load().abiVersion;
}

/**
 * Starts a sandboxed process (own process group, parent-death SIGKILL, no core
 * dumps, RLIMIT_NOFILE, only fds 0-2, cwd `/`, no_new_privs, empty environment)
 * and execs `options.file`. Returns once it has exec'd. `onExit` is called once,
 * on the main thread, after it is reaped. Arguments must already be valid
 * (src/supervisor validates them).
 */
export function spawnRunnerProcess(options: NativeSpawnOptions, onExit: (report: NativeExitReport) => void): NativeSpawnResult {
  const result = load().spawnRunner(options, onExit);
  if ('error' in result) return { ok: false, step: result.error.step, errno: result.error.errno };
  return { ok: true, handle: result.handle, pid: result.pid, stdio: result.stdio };
}

/** Sends `signal` to the runner's process group: 0, or an errno (ESRCH once it is reaped). */
export function signalRunnerProcess(runner: RunnerHandle, signal: number): number {
  return load().signalRunner(runner, signal);
}

/** SO_PEERCRED of a connected Unix socket fd, or null if it cannot be read. */
export function peerCredentials(fd: number): PeerCredentials | null {
  const result = load().peerCredentials(fd);
  return 'errno' in result ? null : result;
}

/** Sends `message` as one datagram to a service manager's notification
 * socket: `address` is an absolute path or `@name` (the abstract namespace).
 * 0, or an errno (EAGAIN when its queue is full: the call never blocks). */
export function sendNotification(address: string, message: string): number {
  return load().notifySend(address, message);
}

/** CLOCK_MONOTONIC in microseconds, the clock sd_notify's MONOTONIC_USEC= is read on. */
export function monotonicMicros(): number {
  return load().monotonicMicros();
}
