// A template's children connect with the template's credentials: the master
// admits a child's HELLO only for the template's own function and only for a
// pid the template announced (FORKED), whichever of the two arrives first.
// Fake connections speak the protocol; the kernel's peer pid is faked too.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, FrameDecoder, FrameKind, type Frame } from '../../src/master/frames.js';
import { Master } from '../../src/master/master.js';
import { memoryLogger } from '../../src/log.js';

const TEMPLATE = 1000;

interface Fake { socket: Socket; frames: Frame[]; closed: Promise<boolean>; send(frame: Frame): void; }

function fake(socketPath: string): Fake {
  const socket = connect(socketPath);
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  let closed = false;
  const whenClosed = new Promise<boolean>((resolve) => socket.on('close', () => { closed = true; resolve(true); }));
  return {
    socket, frames, send: (frame) => socket.write(encodeFrame(frame)),
    // closed within a moment, or not
    closed: Promise.race([whenClosed, new Promise<boolean>((resolve) => setTimeout(() => resolve(closed), 400))]),
  };
}

async function setup(t: ExecutionContext) {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'embly-templates-')), 'embly.sock');
  const log = memoryLogger();
  const logs = log.lines;
  const master = new Master({
    socketPath, log, startTimeoutMs: 200,
    functions: new Map([['a', { maxInstances: 10, isolation: 'process' }], ['b', { maxInstances: 10, isolation: 'process' }]]),
    // Only TEMPLATE, and only as a template for a; every connection is "made by" it.
    authorize: (_socket, hello) => hello.template && hello.pid === TEMPLATE && hello.function === 'a',
    peerPid: () => TEMPLATE,
  });
  await master.listen();
  t.teardown(() => master.close());
  const template = fake(socketPath);
  const connected = new Promise((resolve) => master.once('template', resolve));
  template.send({ kind: FrameKind.TemplateHello, version: 1, pid: TEMPLATE, function: 'a' });
  t.deepEqual(await connected, { function: 'a', pid: TEMPLATE });
  const runners: number[] = [];
  master.on('runner', (r: { pid: number }) => runners.push(r.pid));
  return { master, template, logs, runners, child: () => fake(socketPath) };
}

test('a child announced by its template is admitted, once, whichever comes first', async (t) => {
  const { master, template, runners, child } = await setup(t);
  t.true(master.fork('a', 7));
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(template.frames, [{ kind: FrameKind.Fork, request: 7 }]);
  template.send({ kind: FrameKind.Forked, request: 7, pid: 2000, errno: 0 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const first = child();
  first.send({ kind: FrameKind.Hello, version: 1, pid: 2000, function: 'a' });
  // HELLO before FORKED: it waits for the announcement
  const early = child();
  early.send({ kind: FrameKind.Hello, version: 1, pid: 2001, function: 'a' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  template.send({ kind: FrameKind.Forked, request: 8, pid: 2001, errno: 0 });
  t.false(await first.closed);
  t.false(await early.closed);
  t.deepEqual(runners, [2000, 2001]);
  const again = child();
  again.send({ kind: FrameKind.Hello, version: 1, pid: 2000, function: 'a' });
  t.true(await again.closed, 'an announced pid says HELLO once');
});

test("a template's child cannot say HELLO for another function", async (t) => {
  const { template, logs, runners, child } = await setup(t);
  template.send({ kind: FrameKind.Forked, request: 1, pid: 2000, errno: 0 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  const liar = child();
  liar.send({ kind: FrameKind.Hello, version: 1, pid: 2000, function: 'b' });
  t.true(await liar.closed);
  t.regex(logs.join('\n'), /template 1000 serves a, not b/);
  t.deepEqual(runners, []);
});

test('a pid its template never announced is refused after the start timeout', async (t) => {
  const { logs, runners, child } = await setup(t);
  const stranger = child();
  stranger.send({ kind: FrameKind.Hello, version: 1, pid: 3000, function: 'a' });
  t.true(await stranger.closed);
  t.regex(logs.join('\n'), /template 1000 never announced child 3000/);
  t.deepEqual(runners, []);
});

test('a template may not host instances, nor a runner speak as a template it is not', async (t) => {
  const { master, template, logs, child } = await setup(t);
  template.send({ kind: FrameKind.Started, address: 1n });
  await template.closed;
  t.regex(logs.join('\n'), /unexpected Started frame from a template runner/);
  t.false(master.fork('a', 1), 'its template is gone');
  const impostor = child();
  impostor.send({ kind: FrameKind.TemplateHello, version: 1, pid: TEMPLATE, function: 'b' });
  t.true(await impostor.closed);
});
