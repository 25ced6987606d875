// Special functions in the master: a guest's SPAWN_REQUEST for a registered
// name opens an endpoint in the daemon as the guest's child, routed like any
// child (SPAWN_RESULT, DATA, CLOSE, CREDIT, PEER_EXIT), with its flow
// control; a refusal is the spawn's errno. A fake runner speaks for the guest.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CREDIT_AFTER_BYTES, ExitReason, FrameKind, WINDOW_BYTES, type Frame } from '../../src/master/frames.js';
import { ERRNO, Master, SpawnError, type Endpoint, type PeerHandler, type SpecialCall } from '../../src/master/master.js';
import { toMonotonicNs } from '../../src/master/clock.js';
import { memoryLogger } from '../../src/log.js';
import { spawnFrom } from '../helpers/endpoints.js';
import { fakeRunner, type FakeRunner } from '../helpers/fake-runner.js';
import { waitFor } from '../helpers/wait.js';

interface Opened { call: SpecialCall; endpoint: Endpoint; heard: string[]; drains: number; exits: ExitReason[]; }

/** A master with one runner of 'fn' and a special function 'embly/test': `refuse` decides its spawns. */
async function setup(refuse?: (call: SpecialCall) => SpawnError | undefined) {
  const opened: Opened[] = [];
  const special = {
    start(call: SpecialCall) {
      const refusal = refuse?.(call);
      if (refusal) return refusal;
      const state = { call, heard: [] as string[], drains: 0, exits: [] as ExitReason[] } as Opened;
      const handler: PeerHandler = {
        onData: (bytes) => state.heard.push(Buffer.from(bytes).toString()) > 0,
        onClose: () => state.heard.push('<close>'),
        onExit: (reason) => state.exits.push(reason),
        onDrain: () => { state.drains++; },
      };
      state.endpoint = call.open(handler);
      opened.push(state);
      return undefined;
    },
  };
  const socketPath = join(mkdtempSync(join(tmpdir(), 'embly-specials-')), 'embly.sock');
  const master = new Master({
    socketPath, functions: new Map([['fn', { maxInstances: 10 }]]), authorize: () => true, log: memoryLogger(),
    specials: new Map([['embly/test', special]]),
  });
  await master.listen();
  const runner = await fakeRunner(socketPath, master);
  const { child: parent } = await spawnFrom(master, 'fn');
  return { master, runner, parent, opened };
}

/** The guest asks for embly/test; resolves with the SPAWN_RESULT. */
async function spawnSpecial(runner: FakeRunner, parent: bigint, request = 7) {
  runner.send({ kind: FrameKind.SpawnRequest, requester: parent, request, calledAtNs: toMonotonicNs(performance.now()), function: 'embly/test' });
  await waitFor(() => runner.frames.some((f) => f.kind === FrameKind.SpawnResult && f.request === request), { timeoutMs: 5000, what: 'the SPAWN_RESULT' });
  return runner.frames.find((f) => f.kind === FrameKind.SpawnResult && f.request === request) as Extract<Frame, { kind: FrameKind.SpawnResult }>;
}

const towards = (runner: FakeRunner, from: bigint, kind: FrameKind) => runner.frames.filter((f) => f.kind === kind && 'from' in f && f.from === from);

test('a spawn of a special function opens it in the daemon as the guest\'s child, and bytes go both ways', async (t) => {
  const { master, runner, parent, opened } = await setup();
  t.teardown(() => master.close());
  const result = await spawnSpecial(runner, parent);
  t.is(result.errno, ERRNO.ok);
  t.is(opened.length, 1);
  const [special] = opened;
  t.is(special!.call.caller, 'fn');
  t.is(special!.call.callerAddress, parent);
  t.is(special!.endpoint.address, result.child);
  runner.send({ kind: FrameKind.Data, from: parent, to: result.child, bytes: Buffer.from('ping') });
  runner.send({ kind: FrameKind.Close, from: parent, to: result.child });
  await waitFor(() => special!.heard.length === 2, { timeoutMs: 5000, what: 'the guest\'s bytes and close' });
  t.deepEqual(special!.heard, ['ping', '<close>']);
  special!.endpoint.write(Buffer.from('pong'));
  special!.endpoint.end();
  special!.endpoint.close();
  await waitFor(() => runner.frames.some((f) => f.kind === FrameKind.PeerExit), { timeoutMs: 5000, what: 'the PEER_EXIT' });
  const after = runner.frames.slice(runner.frames.indexOf(result));
  t.deepEqual(after.slice(1).map((f) => f.kind), [FrameKind.Data, FrameKind.Close, FrameKind.PeerExit]);
  t.deepEqual(after[1], { kind: FrameKind.Data, from: result.child, to: parent, bytes: Buffer.from('pong') });
  t.deepEqual(after[3], { kind: FrameKind.PeerExit, from: result.child, to: parent, reason: ExitReason.Ok, code: 0 });
});

test('a refused spawn answers its errno and opens nothing', async (t) => {
  const { master, runner, parent, opened } = await setup(() => new SpawnError('not-permitted', 'not for you'));
  t.teardown(() => master.close());
  const result = await spawnSpecial(runner, parent);
  t.is(result.errno, ERRNO.EACCES);
  t.is(result.child, 0n);
  t.is(opened.length, 0);
});

test('names that are not special still go to the project\'s functions', async (t) => {
  const { master, runner, parent } = await setup();
  t.teardown(() => master.close());
  runner.send({ kind: FrameKind.SpawnRequest, requester: parent, request: 1, calledAtNs: toMonotonicNs(performance.now()), function: 'embly/other' });
  await waitFor(() => runner.frames.some((f) => f.kind === FrameKind.SpawnResult), { timeoutMs: 5000, what: 'the SPAWN_RESULT' });
  t.like(runner.frames.find((f) => f.kind === FrameKind.SpawnResult), { errno: ERRNO.ENOENT });
});

test('a gateway cannot spawn a special function', async (t) => {
  const { master } = await setup();
  t.teardown(() => master.close());
  const error = await t.throwsAsync(spawnFrom(master, 'embly/test'), { instanceOf: SpawnError });
  t.is(error?.reason, 'unknown-function');
});

test('flow control holds both ways: the special writes a window, the guest\'s credit drains it; it credits what it reads', async (t) => {
  const { master, runner, parent, opened } = await setup();
  t.teardown(() => master.close());
  const { child } = await spawnSpecial(runner, parent);
  const { endpoint } = opened[0]!;
  const piece = Buffer.alloc(CREDIT_AFTER_BYTES, 0x61);
  t.true(endpoint.write(piece));
  t.false(endpoint.write(piece), 'a window in flight: the writer waits');
  t.is(opened[0]!.drains, 0);
  runner.send({ kind: FrameKind.Credit, from: parent, to: child, bytes: WINDOW_BYTES });
  await waitFor(() => opened[0]!.drains === 1, { timeoutMs: 5000, what: 'onDrain after the credit' });
  runner.send({ kind: FrameKind.Data, from: parent, to: child, bytes: piece });
  await waitFor(() => towards(runner, child, FrameKind.Credit).length === 1, { timeoutMs: 5000, what: 'the special\'s CREDIT' });
  t.like(towards(runner, child, FrameKind.Credit)[0], { to: parent, bytes: CREDIT_AFTER_BYTES });
});

test('the guest\'s end reaches the special as its peer\'s exit', async (t) => {
  const { master, runner, parent, opened } = await setup();
  t.teardown(() => master.close());
  await spawnSpecial(runner, parent);
  runner.send({ kind: FrameKind.Exit, address: parent, reason: ExitReason.Trap, code: 3 });
  await waitFor(() => opened[0]!.exits.length === 1, { timeoutMs: 5000, what: 'onExit' });
  t.deepEqual(opened[0]!.exits, [ExitReason.Trap]);
  opened[0]!.endpoint.close(); // its parent is gone: nobody hears it
  t.is(master.liveInstances(), 0);
});
