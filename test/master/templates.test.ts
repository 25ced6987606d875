// A template's children connect with the template's credentials: the master
// admits a child's HELLO only for the template's own function and only for a
// pid the template announced (FORKED), whichever of the two arrives first.
// Fake connections speak the protocol; the kernel's peer pid is faked too.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, FrameDecoder, FrameKind, PROTOCOL_VERSION, type Frame } from '../../src/master/frames.js';
import { Master, type Forked } from '../../src/master/master.js';
import { memoryLogger } from '../../src/log.js';
import { waitFor } from '../helpers/wait.js';

const TEMPLATE = 1000;

interface Fake { socket: Socket; frames: Frame[]; isClosed(): boolean; closed(): Promise<void>; send(frame: Frame): void; }

function fake(socketPath: string): Fake {
  const socket = connect(socketPath);
  const frames: Frame[] = [];
  const decoder = new FrameDecoder();
  socket.on('data', (chunk: Buffer) => frames.push(...decoder.push(chunk)));
  let closed = false;
  socket.on('close', () => { closed = true; });
  return {
    socket, frames, send: (frame) => socket.write(encodeFrame(frame)),
    isClosed: () => closed,
    closed: () => waitFor(() => closed, { timeoutMs: 5000, what: 'the master to close the connection' }),
  };
}

async function setup(t: ExecutionContext) {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'embly-templates-')), 'embly.sock');
  const log = memoryLogger();
  const logs = log.lines;
  /** HELLOs the master has read: it asks who made the connection of each */
  let hellos = 0;
  const master = new Master({
    socketPath, log, startTimeoutMs: 200,
    functions: new Map([['a', { maxInstances: 10, isolation: 'process' }], ['b', { maxInstances: 10, isolation: 'process' }]]),
    // Only TEMPLATE, and only as a template for a; every connection is "made by" it.
    authorize: (_socket, hello) => hello.template && hello.pid === TEMPLATE && hello.function === 'a',
    peerPid: () => { hellos++; return TEMPLATE; },
  });
  await master.listen();
  t.teardown(() => master.close());
  const template = fake(socketPath);
  const connected = new Promise((resolve) => master.once('template', resolve));
  template.send({ kind: FrameKind.TemplateHello, version: PROTOCOL_VERSION, pid: TEMPLATE, function: 'a' });
  t.deepEqual(await connected, { function: 'a', pid: TEMPLATE, generation: 0 });
  const runners: number[] = [];
  master.on('runner', (r: { pid: number }) => runners.push(r.pid));
  const forked: Forked[] = [];
  master.on('forked', (f) => forked.push(f));
  /** Sends FORKED for `pid` and waits until the master has read it. */
  const announce = async (request: number, pid: number) => {
    template.send({ kind: FrameKind.Forked, request, pid, errno: 0 });
    await waitFor(() => forked.some((f) => f.request === request), { timeoutMs: 5000, what: `the master to read FORKED ${request}` });
  };
  return { master, template, logs, runners, announce, hellos: () => hellos, child: () => fake(socketPath) };
}

test('a child announced by its template is admitted, once, whichever comes first', async (t) => {
  const { master, template, logs, runners, announce, hellos, child } = await setup(t);
  t.true(master.fork('a', 7));
  await waitFor(() => template.frames.length > 0, { timeoutMs: 5000, what: 'the template to be asked to fork' });
  t.deepEqual(template.frames, [{ kind: FrameKind.Fork, request: 7 }]);
  // FORKED before HELLO
  await announce(7, 2000);
  const first = child();
  first.send({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, pid: 2000, function: 'a' });
  await waitFor(() => runners.length === 1, { timeoutMs: 5000, what: 'child 2000 to be admitted' });
  // HELLO before FORKED: it waits for the announcement
  const read = hellos() + 1;
  const early = child();
  early.send({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, pid: 2001, function: 'a' });
  await waitFor(() => hellos() === read, { timeoutMs: 5000, what: "the master to read child 2001's HELLO" });
  t.deepEqual(runners, [2000], 'not admitted before its template announced it');
  await announce(8, 2001);
  await waitFor(() => runners.length === 2, { timeoutMs: 5000, what: 'child 2001 to be admitted' });
  t.deepEqual(runners, [2000, 2001]);
  t.false(first.isClosed() || early.isClosed(), 'both kept their connections');
  const again = child();
  again.send({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, pid: 2000, function: 'a' });
  await again.closed();
  t.deepEqual(runners, [2000, 2001], 'an announced pid says HELLO once');
  t.regex(logs.join('\n'), /template 1000 never announced child 2000/);
});

test("a template's child cannot say HELLO for another function", async (t) => {
  const { logs, runners, announce, child } = await setup(t);
  await announce(1, 2000);
  const liar = child();
  liar.send({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, pid: 2000, function: 'b' });
  await liar.closed();
  t.regex(logs.join('\n'), /template 1000 serves a, not b/);
  t.deepEqual(runners, []);
});

test('a pid its template never announced is refused after the start timeout', async (t) => {
  const { logs, runners, child } = await setup(t);
  const stranger = child();
  stranger.send({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, pid: 3000, function: 'a' });
  await stranger.closed();
  t.regex(logs.join('\n'), /template 1000 never announced child 3000/);
  t.deepEqual(runners, []);
});

test('a template may not host instances, nor a runner speak as a template it is not', async (t) => {
  const { master, template, logs, child } = await setup(t);
  template.send({ kind: FrameKind.Started, address: 1n, ranAtNs: 1, spawnReadNs: 1 });
  await template.closed();
  t.regex(logs.join('\n'), /unexpected Started frame from a template runner/);
  t.false(master.fork('a', 1), 'its template is gone');
  const impostor = child();
  impostor.send({ kind: FrameKind.TemplateHello, version: PROTOCOL_VERSION, pid: TEMPLATE, function: 'b' });
  await impostor.closed();
  t.regex(logs.join('\n'), /pid 1000 is not a template runner we started/);
});
