// What the master tells its observers (the daemon, the template pools, the
// coming metrics): `Master extends EventEmitter<MasterEvents>`. Times are
// milliseconds of performance.now().
import type { ChildExitFrame, ExitReason } from './frames.js';

export interface RunnerInfo {
  function: string;
  pid: number;
  /** the start of its function it belongs to (the daemon's, MasterOptions.generationOf); 0 before any reload */
  generation: number;
}

export interface InstanceStarted {
  address: bigint;
  function: string;
  /** who asked for it: a gateway connection's endpoint or another instance */
  parent: bigint;
  /** from the spawn request (the gateway had the request or the connection,
   * or the runner had the guest's spawn call) to the runner's switch to the
   * instance, right before its first instruction (waiting for a runner included) */
  spawnMs: number;
  /** the first instance its runner process ran */
  cold: boolean;
  /** the runner's CLOCK_MONOTONIC ns (process.hrtime's clock) as it read the SPAWN, after
   * its wake-up, and as it switched to the instance: where the spawn's time went */
  spawnReadNs: number;
  ranAtNs: number;
}

export interface InstanceExit {
  address: bigint;
  function: string;
  reason: ExitReason;
  code: number;
  /** from the spawn request to the end */
  durationMs: number;
}

export interface InstanceLog { address: bigint; function: string; fd: number; line: string; }

/** One frame routed between an instance and a peer: `from` and `to` are
 * function names, '' for a gateway connection's endpoint. */
export interface Routed { kind: 'data' | 'close' | 'credit'; from: string; to: string; bytes: number; }

/** A template's report of a child it reaped. */
export interface ChildExit { function: string; template: number; report: ChildExitFrame; }
/** A template's answer to fork(): the child's pid, or 0 and an errno. */
export interface Forked { function: string; template: number; request: number; pid: number; errno: number; }

/** Told of every STARTED with plain arguments, for the metrics: an event
 * would make an object per spawn, and emit() an array of its arguments. */
export type SpawnObserver = (fn: string, spawnMs: number, cold: boolean, address: bigint) => void;

export interface MasterEvents {
  /** a runner said HELLO and was admitted */
  runner: [RunnerInfo];
  /** an admitted runner's connection closed: its instances ended (killed) */
  runnerLost: [RunnerInfo];
  /** a fresh runner (isolation: process) was given its one instance: it takes no other */
  claimed: [RunnerInfo];
  /** a template runner said TEMPLATE_HELLO */
  template: [RunnerInfo];
  forked: [Forked];
  childExit: [ChildExit];
  /** an instance's runner said STARTED */
  started: [InstanceStarted];
  /** an instance ended, however it ended (also one that never started) */
  exit: [InstanceExit];
  /** a line an instance wrote to stdout (fd 1 of exec mode) or stderr */
  log: [InstanceLog];
  /** emitted only while somebody listens: it is on every frame's path */
  routed: [Routed];
}
