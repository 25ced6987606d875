// A master played by the test, for what the real one never sends: a real
// runner connects to it, and the test reads the runner's frames and sends it
// frames of its own choosing.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, FrameDecoder, FrameKind, type Frame } from '../../src/master/frames.js';
import { runnerBinary } from '../../src/paths.js';
import { serveArguments } from './harness.js';
import type { TestFunction } from './objects.js';

export interface FakeMaster {
  runner: ChildProcess;
  /** what the runner wrote to stderr (its own log lines) */
  stderr(): string;
  /** resolves once stderr matches (it arrives on a pipe of its own, in no order with the frames) */
  logged(pattern: RegExp): Promise<void>;
  send(...frames: Frame[]): void;
  /** the first frame (already received or still to come) that matches */
  next<K extends FrameKind>(kind: K, matches?: (frame: Extract<Frame, { kind: K }>) => boolean): Promise<Extract<Frame, { kind: K }>>;
  frames: Frame[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/** Starts a serve-mode runner of `fn` against a fake master; resolves once it said HELLO. */
export async function startFakeMaster(fn: TestFunction): Promise<FakeMaster> {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'embly-fake-master-')), 'embly.sock');
  const connected = new Promise<Socket>((resolve) => {
    const server = createServer((socket) => { server.close(); resolve(socket); });
    server.listen(socketPath);
  });
  const runner = spawn(runnerBinary, serveArguments(socketPath, fn), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  runner.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  const logged = (pattern: RegExp) => new Promise<void>((resolve, reject) => {
    const look = () => {
      if (!pattern.test(stderr)) return false;
      resolve();
      return true;
    };
    if (look()) return;
    runner.stderr!.on('data', function onData() { if (look()) runner.stderr!.off('data', onData); });
    runner.stderr!.once('end', () => { if (!look()) reject(new Error(`the runner never logged ${pattern}:\n${stderr}`)); });
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => runner.on('exit', (code, signal) => resolve({ code, signal })));
  const socket = await connected;
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    frames.push(...decoder.push(chunk));
    for (const wake of waiters) wake();
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const next: FakeMaster['next'] = (kind, matches = () => true) => new Promise((resolve, reject) => {
    const look = () => {
      const found = frames.find((f) => f.kind === kind && matches(f as never));
      if (found) { waiters.delete(look); resolve(found as never); }
    };
    waiters.add(look);
    void closed.then(() => { if (waiters.delete(look)) reject(new Error(`the runner went before sending ${FrameKind[kind]}\n${stderr}`)); });
    look();
  });
  await next(FrameKind.Hello);
  return {
    runner, frames, next, exited,
    stderr: () => stderr, logged,
    send: (...out) => socket.write(Buffer.concat(out.map(encodeFrame))),
    stop: async () => { socket.destroy(); if (runner.exitCode === null && runner.signalCode === null) await exited; },
  };
}
