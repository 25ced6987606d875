// Fault: a runner that said a valid HELLO, then breaks the protocol: random
// bytes, frames cut short of their kind's fields, frames longer than the
// protocol allows, a frame cut off by the connection's end (docs/faults.md).
// The master drops that connection alone, says why in its log, and serves
// on: a real runner's instance answers after each.
import test from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../src/log.js';
import { encodeFrame, FrameKind, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/master/frames.js';
import { Master } from '../../src/master/master.js';
import { runnerBinary } from '../../src/paths.js';
import { converse, serveArguments } from '../helpers/harness.js';
import { watFunction } from '../helpers/objects.js';
import { waitFor } from '../helpers/wait.js';
import { HELLO } from '../gateways/functions.js';

/** One frame's worth of bytes: its length, its kind, then `fields`. */
function rawFrame(kind: number, fields: Buffer, length = 1 + fields.length): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32LE(length, 0);
  head[4] = kind;
  return Buffer.concat([head, fields]);
}

/** Random bytes whose first frame is complete, whatever it turns out to be. */
function randomFrames(): Buffer {
  const bytes = randomBytes(4096);
  bytes.writeUInt32LE(1 + (bytes.readUInt32LE(0) % 4000), 0);
  return bytes;
}

const BAD: { name: string; bytes: () => Buffer; logged: RegExp }[] = [
  ...Array.from({ length: 8 }, (_, i) => ({ name: `random bytes #${i + 1}`, bytes: randomFrames, logged: /: .+/ })),
  { name: 'a zero length', bytes: () => Buffer.alloc(8), logged: /: frame length 0 is out of range/ },
  { name: 'an oversized length', bytes: () => rawFrame(FrameKind.Data, Buffer.alloc(64), MAX_FRAME_BYTES + 1), logged: new RegExp(`: frame length ${MAX_FRAME_BYTES + 1} is out of range`) },
  { name: 'a 4 GiB length', bytes: () => Buffer.from([0xff, 0xff, 0xff, 0xff, FrameKind.Data]), logged: /: frame length 4294967295 is out of range/ },
  { name: 'a STARTED cut short of its fields', bytes: () => rawFrame(FrameKind.Started, Buffer.alloc(10)), logged: /: frame kind Started has 10 bytes of fields, expected 24/ },
  { name: 'an EXIT longer than its fields', bytes: () => rawFrame(FrameKind.Exit, Buffer.alloc(40)), logged: /: frame kind Exit has 40 bytes of fields, expected 13/ },
  { name: 'an unknown kind', bytes: () => rawFrame(7, Buffer.alloc(4)), logged: /: unknown frame kind 7/ },
  { name: 'DATA about an instance it does not host', bytes: () => encodeFrame({ kind: FrameKind.Data, from: 77n, to: 1n, bytes: Buffer.from('x') }), logged: /: frame about address .+, which this runner does not host/ },
  { name: 'a second HELLO', bytes: () => hello(), logged: /: unexpected Hello frame from a runner/ },
  { name: 'a MEMORY_QUERY, which only the master sends', bytes: () => encodeFrame({ kind: FrameKind.MemoryQuery, address: 1n }), logged: /: unexpected MemoryQuery frame from a runner/ },
];

function hello(): Buffer {
  return encodeFrame({ kind: FrameKind.Hello, version: PROTOCOL_VERSION, pid: process.pid, function: 'decoy' });
}

test('a runner that breaks the protocol after its HELLO is dropped alone, with why in the log; the master serves on', async (t) => {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'embly-faults-')), 'embly.sock');
  const log = memoryLogger();
  const fn = await watFunction('hello', HELLO);
  // The fake runner is this test process: the hook admits it as "decoy"
  // (the daemon's own check admits only runners its supervisor started).
  const master = new Master({
    socketPath, log: log.child('master'),
    functions: new Map([['hello', { maxInstances: 100 }], ['decoy', { maxInstances: 100 }]]),
    authorize: (socket, h) => h.function === 'hello' || h.pid === process.pid,
  });
  await master.listen();
  const admitted = (name: string) => new Promise<void>((resolve) => {
    const onRunner = (r: { function: string }) => { if (r.function === name) { master.off('runner', onRunner); resolve(); } };
    master.on('runner', onRunner);
  });
  const realAdmitted = admitted('hello');
  const runner = spawn(runnerBinary, serveArguments(socketPath, fn), { stdio: ['ignore', 'ignore', 'inherit'] });
  t.teardown(async () => {
    await master.close();
    if (runner.exitCode === null && runner.signalCode === null) await new Promise((resolve) => runner.on('exit', resolve));
  });
  await realAdmitted;
  for (const bad of BAD) {
    const fake = await fakeRunner(socketPath);
    const fakeAdmitted = admitted('decoy');
    fake.socket.write(hello());
    await fakeAdmitted;
    t.is(master.runnerCount('decoy'), 1, bad.name);
    const linesBefore = log.lines.length;
    fake.socket.write(bad.bytes());
    await waitFor(() => fake.closed, { timeoutMs: 20_000, what: `the master to drop the connection after ${bad.name}` });
    const dropped = log.lines.slice(linesBefore).filter((l) => l.startsWith(`warn master: dropping runner ${process.pid} (decoy)`));
    t.is(dropped.length, 1, `${bad.name}: ${log.lines.slice(linesBefore).join('\n')}`);
    t.regex(dropped[0]!, bad.logged, bad.name);
    await waitFor(() => master.runnerCount('decoy') === 0, { what: `${bad.name}: the master to forget the decoy` });
    const c = await converse(master, 'hello', 'GET / HTTP/1.1\r\n\r\n');
    t.is(c.data.toString(), 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\n\r\nhello\n', `${bad.name}: the master serves on`);
  }
  // A frame cut off by the end of the connection: nothing was wrong until
  // the end, and the end says what was missing.
  for (const [what, bytes] of [['a DATA frame', encodeFrame({ kind: FrameKind.Data, from: 1n, to: 2n, bytes: Buffer.alloc(500) }).subarray(0, 300)], ['a length field', Buffer.from([9, 0])]] as const) {
    const fake = await fakeRunner(socketPath);
    const fakeAdmitted = admitted('decoy');
    fake.socket.write(hello());
    await fakeAdmitted;
    const linesBefore = log.lines.length;
    fake.socket.end(bytes);
    await waitFor(() => master.runnerCount('decoy') === 0, { what: `the master to forget the decoy cut off in ${what}` });
    t.deepEqual(log.lines.slice(linesBefore), [`warn master: runner ${process.pid} (decoy) closed its connection in the middle of a frame (${bytes.length} bytes of it)`], what);
    const c = await converse(master, 'hello', 'GET / HTTP/1.1\r\n\r\n');
    t.regex(c.data.toString(), /^HTTP\/1\.1 200 OK\r\n/, `${what}: the master serves on`);
    fake.socket.destroy();
  }
  t.is(master.runnerCount('hello'), 1, 'the real runner was never touched');
  t.false(log.lines.some((l) => l.startsWith('error ')), log.lines.join('\n'));
});

/** `closed`: the master ended the connection (the fake never does). */
interface FakeRunner { socket: Socket; closed: boolean; }

function fakeRunner(path: string): Promise<FakeRunner> {
  return new Promise((resolve, reject) => {
    const socket = connect(path, () => resolve(fake));
    const fake: FakeRunner = { socket, closed: false };
    socket.on('error', () => {});
    socket.once('error', reject);
    socket.on('data', () => {});
    socket.on('close', () => { fake.closed = true; });
  });
}
