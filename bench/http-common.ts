// What bench/http.ts and its server processes (bench/http-server.ts) share:
// the bench project, the IPC messages and the probe's samples.
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

export const BENCH_PROJECT = join(packageRoot, 'bench', 'functions');
/** The request header the latency client numbers its requests with. */
export const SEQUENCE_HEADER = 'X-Bench-Seq';

/** Every byte of a response except the clock values and Date, which differ on every answer. */
export const masked = (response: string) => response.replace(/(X-(?:Start|Read)-Ns: )\d{20}/g, '$1#').replace(/^Date: .*$/m, 'Date: #');

/** What the probe learns about one request served by the daemon (ns, CLOCK_MONOTONIC). */
export interface SpawnSample {
  /** X-Bench-Seq of the request, -1 if it had none */
  seq: number;
  function: string;
  /** the gateway published requestStart: the request's head is parsed */
  requestStarted: number;
  /** the gateway called endpoint.spawn(): the request has been parsed and handed to Embly */
  spawnCalled: number;
  /** the master's 'started' event: the runner's STARTED frame has been handled (-1: it had not by the time the response began) */
  spawnResolved: number;
  /** the runner read the SPAWN (its stamp in STARTED; -1 as spawnResolved) */
  spawnRead: number;
  /** the runner switched to the instance for the first time (its stamp in STARTED; -1 as spawnResolved) */
  ranAt: number;
  /** the function's first instruction (X-Start-Ns) */
  functionStarted: number;
  /** the function saw EOF on handle 1: the whole request had arrived (X-Read-Ns) */
  requestRead: number;
  /** the function's first response bytes reached the gateway */
  responseArrived: number;
}

export type ServerMessage =
  | { type: 'ready'; pid: number; ports: Record<string, number>; metricsPort?: number }
  | { type: 'samples'; samples: SpawnSample[] }
  | { type: 'runners'; pids: number[] }
  | { type: 'error'; message: string };

export type DriverMessage = { type: 'probe'; on: boolean } | { type: 'collect' } | { type: 'runners' } | { type: 'stop' };

