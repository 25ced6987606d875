// A runner that speaks the master's protocol from the test itself: it says
// HELLO for 'fn', starts every instance it is asked for, and keeps every
// frame it receives.
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameDecoder, FrameKind, PROTOCOL_VERSION, type Frame } from '../../src/master/frames.js';
import { toMonotonicNs } from '../../src/master/clock.js';
import type { Master } from '../../src/master/master.js';
import { waitFor } from './wait.js';

export interface FakeRunner { socket: Socket; frames: Frame[]; closed(): Promise<void>; send(frame: Frame): void; }

export async function fakeRunner(socketPath: string, master: Master): Promise<FakeRunner> {
  const socket = connect(socketPath);
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) {
      frames.push(frame);
      // Start every instance we are asked for.
      if (frame.kind === FrameKind.Spawn) {
        const now = toMonotonicNs(performance.now());
        socket.write(encodeFrame({ kind: FrameKind.Started, address: frame.address, ranAtNs: now, spawnReadNs: now }));
      }
    }
  });
  let closed = false;
  socket.on('close', () => { closed = true; });
  const hello = new Promise((resolve) => master.once('runner', resolve));
  socket.write(encodeFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, pid: process.pid, function: 'fn' }));
  await hello;
  return {
    socket, frames, send: (frame) => socket.write(encodeFrame(frame)),
    closed: () => waitFor(() => closed, { timeoutMs: 5000, what: 'the master to drop the runner' }),
  };
}
