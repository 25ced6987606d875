// The master routes bytes only between an instance and its parent or
// children, whatever a runner claims: a fake runner speaks the protocol here.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameKind, MAX_UNCREDITED_BYTES, type Frame } from '../../src/master/frames.js';
import { Master } from '../../src/master/master.js';
import { toMonotonicNs } from '../../src/master/clock.js';
import { memoryLogger } from '../../src/log.js';
import { formatAddress } from '../../src/instance-address.js';
import { spawnFrom } from '../helpers/endpoints.js';
import { fakeRunner, type FakeRunner } from '../helpers/fake-runner.js';
import { waitFor } from '../helpers/wait.js';

async function setup() {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'embly-routing-')), 'embly.sock');
  const log = memoryLogger();
  const logs = log.lines;
  const master = new Master({ socketPath, functions: new Map([['fn', { maxInstances: 10 }]]), authorize: () => true, log, startTimeoutMs: 300 });
  await master.listen();
  const runner = await fakeRunner(socketPath, master);
  const received = new Map<bigint, string[]>();
  /** An endpoint and its child, once it runs; what the endpoint hears is in `received`. */
  const spawned = async () => {
    const got: string[] = [];
    const { endpoint, child } = await spawnFrom(master, 'fn', { onData: (b) => got.push(Buffer.from(b).toString()) > 0 });
    received.set(endpoint.address, got);
    return { endpoint, child };
  };
  return { socketPath, master, runner, logs, received, spawned };
}

const dataFrames = (runner: FakeRunner) => runner.frames.filter((f) => f.kind === FrameKind.Data);

test('an instance reaches its parent, not another instance or another gateway connection', async (t) => {
  const { master, runner, logs, received, spawned } = await setup();
  t.teardown(() => master.close());
  const { endpoint: parent, child: i1 } = await spawned();
  const e1 = parent.address;
  const { endpoint: { address: e2 }, child: i2 } = await spawned();
  runner.send({ kind: FrameKind.Data, from: i1, to: e2, bytes: Buffer.from('to a stranger') });
  runner.send({ kind: FrameKind.Data, from: i1, to: i2, bytes: Buffer.from('to a sibling') });
  runner.send({ kind: FrameKind.Data, from: i1, to: 0x1234n, bytes: Buffer.from('to a guess') });
  // The master handles a connection's frames in order: once the last has
  // reached the parent, the three before it have had their chance.
  runner.send({ kind: FrameKind.Data, from: i1, to: e1, bytes: Buffer.from('to my parent') });
  await waitFor(() => received.get(e1)!.length > 0, { timeoutMs: 5000, what: 'the bytes for the parent' });
  t.deepEqual(received.get(e1), ['to my parent']);
  t.deepEqual(received.get(e2), []);
  t.is(logs.filter((l) => /^warn dropped a \w+ from .*: not its parent or child$/.test(l)).length, 3);
  // What the master sends this runner leaves in order too: had it routed the
  // sibling's bytes, they would arrive before the parent's answer.
  parent.write(Buffer.from('answer'));
  await waitFor(() => dataFrames(runner).length > 0, { timeoutMs: 5000, what: "the parent's answer to reach the runner" });
  t.deepEqual(dataFrames(runner), [{ kind: FrameKind.Data, from: e1, to: i1, bytes: Buffer.from('answer') }], 'nothing was routed to the sibling');
});

test('a runner speaking for an instance it does not host is dropped', async (t) => {
  const { master, runner, logs, spawned } = await setup();
  t.teardown(() => master.close());
  const { endpoint } = await spawned();
  runner.send({ kind: FrameKind.Data, from: 0xbadn, to: endpoint.address, bytes: Buffer.from('forged') });
  await runner.closed();
  t.regex(logs.join('\n'), new RegExp(`^warn dropping runner \\d+ \\(fn\\): frame about address ${formatAddress(0xbadn)}, which this runner does not host`, 'm'));
});

test('a malformed frame drops only that connection', async (t) => {
  const { socketPath, master, runner, logs } = await setup();
  t.teardown(() => master.close());
  const other = await fakeRunner(socketPath, master);
  runner.socket.write(Buffer.from([5, 0, 0, 0, 99, 0, 0, 0, 0]));
  await runner.closed();
  t.regex(logs.join('\n'), /unknown frame kind 99/);
  await waitFor(() => master.runnerCount('fn') === 1, { timeoutMs: 5000, what: 'the master to forget the dropped runner' });
  const { child } = await spawnFrom(master, 'fn');
  t.true(other.frames.some((f) => f.kind === FrameKind.Spawn && f.address === child), 'the other runner still serves');
  t.false(other.socket.destroyed);
});

/** Frames of DATA from `from` to `to`: exactly what an honest writer may have in flight uncredited, then one byte more. */
function pastTheWindow(from: bigint, to: bigint): Frame[] {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const within = Array.from({ length: MAX_UNCREDITED_BYTES / chunk.length }, (): Frame => ({ kind: FrameKind.Data, from, to, bytes: chunk }));
  return [...within, { kind: FrameKind.Data, from, to, bytes: Buffer.from('!') }];
}

test('a runner whose instance sends its gateway parent past the flow-control window is dropped; what came within it was delivered', async (t) => {
  const { master, runner, logs } = await setup();
  t.teardown(() => master.close());
  let delivered = 0;
  const { endpoint, child: i1 } = await spawnFrom(master, 'fn', { onData: (b) => { delivered += b.length; return false; } }); // never passes them on
  const e1 = endpoint.address;
  const frames = pastTheWindow(i1, e1);
  for (const frame of frames.slice(0, -1)) runner.send(frame);
  await waitFor(() => delivered === MAX_UNCREDITED_BYTES, { timeoutMs: 5000, what: () => `the window's bytes (${delivered} delivered)` });
  t.false(logs.some((l) => /dropping runner/.test(l)), 'all that is allowed');
  runner.send(frames.at(-1)!);
  await runner.closed();
  t.is(delivered, MAX_UNCREDITED_BYTES, 'the byte past the window was not delivered');
  t.regex(logs.join('\n'), new RegExp(`^warn dropping runner \\d+ \\(fn\\): ${formatAddress(i1)} sent ${formatAddress(e1)} more than its flow-control window`, 'm'));
});

test('a runner whose instance sends its child on a runner past the flow-control window is dropped', async (t) => {
  const { master, runner, logs, spawned } = await setup();
  t.teardown(() => master.close());
  const { child: parent } = await spawned();
  runner.send({ kind: FrameKind.SpawnRequest, requester: parent, request: 1, calledAtNs: toMonotonicNs(performance.now()), function: 'fn' });
  await waitFor(() => runner.frames.some((f) => f.kind === FrameKind.SpawnResult), { timeoutMs: 5000, what: 'the SPAWN_RESULT' });
  const result = runner.frames.find((f) => f.kind === FrameKind.SpawnResult)!;
  if (result.kind !== FrameKind.SpawnResult) throw new Error('unreachable');
  for (const frame of pastTheWindow(parent, result.child)) runner.send(frame);
  await runner.closed();
  t.regex(logs.join('\n'), new RegExp(`^warn dropping runner \\d+ \\(fn\\): ${formatAddress(parent)} sent ${formatAddress(result.child)} more than its flow-control window`, 'm'));
});
