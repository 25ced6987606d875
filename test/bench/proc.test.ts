// What the memory and soak benchmarks read from /proc, checked on this test's own
// process and a child it starts, and the soak's flatness judgement on given samples.
import test from 'ava';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  childPids, connectionsOn, descendantPids, fdCount, flatness, mappingCount, median, percentile, pssBytes, rssBytes, sampleDuring, sumOver,
  underLoad, type Connections,
} from '../../bench/proc.js';

const MiB = 1 << 20;

test('rssBytes and pssBytes read this process, and see memory it touches', (t) => {
  const before = rssBytes(process.pid);
  const pss = pssBytes(process.pid);
  t.true(before > MiB, `RSS ${before}`);
  t.true(pss > 0 && pss <= before + MiB, `PSS ${pss} against RSS ${before}`);
  const ballast = Buffer.alloc(64 * MiB, 1);
  t.true(rssBytes(process.pid) >= before + 32 * MiB, 'touching 64 MiB shows in RSS');
  t.is(ballast[ballast.length - 1], 1);
});

// Serial: ava runs serial tests before the others, so no other test opens fds meanwhile.
test.serial('fdCount counts a file this process opens and closes', (t) => {
  const before = fdCount(process.pid);
  const fd = openSync('/proc/self/status', 'r');
  t.is(fdCount(process.pid), before + 1);
  closeSync(fd);
  t.is(fdCount(process.pid), before);
});

test('mappingCount counts this process\'s mappings', (t) => {
  t.true(mappingCount(process.pid) > 10);
});

test.serial('readers answer NaN for a process that is gone, and sums skip it', async (t) => {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  const gone = child.pid!;
  t.true(Number.isNaN(rssBytes(gone)));
  t.true(Number.isNaN(pssBytes(gone)));
  t.true(Number.isNaN(fdCount(gone)));
  t.true(Number.isNaN(mappingCount(gone)));
  t.is(sumOver([gone, process.pid], fdCount), fdCount(process.pid));
});

test('childPids and descendantPids find a child and its grandchild', async (t) => {
  const child = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => child.kill('SIGKILL'));
  const grandchild = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  t.true(childPids(process.pid).includes(child.pid!));
  t.false(childPids(process.pid).includes(grandchild));
  const below = descendantPids(process.pid);
  t.true(below.includes(child.pid!) && below.includes(grandchild));
  process.kill(grandchild, 'SIGKILL');
});

test('flatness compares the first and last windows with the tolerance', (t) => {
  const steady = [10, 11, 10, 11, 10, 11, 10, 11];
  t.deepEqual(flatness(steady, 2, { fraction: 0, absolute: 0 }), { first: 10.5, last: 10.5, flat: true });
  const growing = [10, 10, 11, 12, 13, 14];
  t.false(flatness(growing, 2, { fraction: 0.1, absolute: 1 }).flat, '+3.5 beyond +max(1, 1)');
  t.true(flatness(growing, 2, { fraction: 0.4, absolute: 1 }).flat, '+3.5 within +max(4, 1)');
  t.true(flatness(growing, 2, { fraction: 0, absolute: 4 }).flat, '+3.5 within +4');
  t.true(flatness([20, 20, 15, 10, 10], 2, { fraction: 0, absolute: 0 }).flat, 'shrinking is not growth');
  t.throws(() => flatness([1, 2, 3], 2, { fraction: 0, absolute: 0 }), { instanceOf: RangeError });
});

test('median and percentile', (t) => {
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 3, 2]), 2.5);
  t.true(Number.isNaN(median([])));
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  t.is(percentile(hundred, 50), 50);
  t.is(percentile(hundred, 99), 99);
  t.is(percentile(hundred, 100), 100);
});

/** A TCP server on loopback in this process, which keeps the sockets it accepts. */
async function listening(allowHalfOpen: boolean): Promise<{ server: Server; port: number; accepted: Socket[] }> {
  const accepted: Socket[] = [];
  const server = createServer({ allowHalfOpen }, (socket) => accepted.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, accepted };
}

const until = async (done: () => boolean) => { while (!done()) await sleep(5); };

test.serial('connectionsOn counts the connections accepted on a port, established and closing, not the listener', async (t) => {
  const { server, port, accepted } = await listening(true);
  t.teardown(() => server.close());
  t.deepEqual(connectionsOn(process.pid, port), { established: 0, other: 0 }, 'the listener is no connection');
  const clients = [connect(port, '127.0.0.1'), connect(port, '127.0.0.1')];
  t.teardown(() => clients.forEach((c) => c.destroy()));
  await until(() => accepted.length === 2);
  // The clients' own ends, on ephemeral ports, are not on `port`.
  t.deepEqual(connectionsOn(process.pid, port), { established: 2, other: 0 });
  clients[0]!.end();
  await new Promise((resolve) => accepted[0]!.once('end', resolve));
  t.deepEqual(connectionsOn(process.pid, port), { established: 1, other: 1 }, 'closed by the peer, still open here');
  accepted.forEach((s) => s.destroy());
  await until(() => connectionsOn(process.pid, port).established === 0);
  t.deepEqual(connectionsOn(process.pid, port), { established: 0, other: 0 });
});

// The soak's regression (issue 14): its daemon's fd count looked like +3.2 over a minute because its
// first sample was taken before wrk had connected. A load like wrk's, from a child process: connect,
// hold the connections until killed. Every sample judged must show them all, and so be flat.
test.serial('the samples underLoad keeps are those taken with every connection of the load open', async (t) => {
  const CONNECTIONS = 8;
  const { server, port, accepted } = await listening(false);
  t.teardown(() => server.close());
  let reads = 0;
  let underFullLoad = 0;
  const read = () => {
    const s = { fds: fdCount(process.pid), connections: connectionsOn(process.pid, port) };
    reads++;
    if (s.connections.established === CONNECTIONS) underFullLoad++;
    return s;
  };
  const client = `const net = require('node:net'); for (let i = 0; i < ${CONNECTIONS}; i++) net.connect(${port}, '127.0.0.1'); setInterval(() => {}, 1e6);`;
  const load = async () => {
    const child = spawn(process.execPath, ['-e', client], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until(() => underFullLoad >= 5);
    child.kill('SIGKILL');
    await exited;
    await until(() => accepted.every((s) => s.destroyed)); // the server closes its ends on the clients' FIN
    const closed = reads;
    await until(() => reads > closed); // and one sample after that
  };
  const { samples } = await sampleDuring(load, read, 10);
  const judged = underLoad(samples, CONNECTIONS);
  t.true(judged.length >= 5, `${judged.length} of ${samples.length} samples judged`);
  const after = samples.at(-1)!;
  t.deepEqual(after.connections, { established: 0, other: 0 }, 'the last sample is after the load');
  t.deepEqual(new Set(judged.map((s) => s.fds)), new Set([after.fds + CONNECTIONS]), 'every sample judged has the load\'s fds open');
  t.true(flatness(judged.map((s) => s.fds), 2, { fraction: 0, absolute: 0 }).flat);
});

test('underLoad keeps from the first sample with exactly the load\'s connections to the last with them all', (t) => {
  const at = (established: number, other = 0): { connections: Connections } => ({ connections: { established, other } });
  const samples = [at(0), at(4, 3), at(4), at(3, 1), at(4, 2), at(4), at(2, 2), at(0)];
  t.deepEqual(underLoad(samples, 4), samples.slice(2, 6), 'before: still connecting, the last load still closing; after: hanging up');
  t.deepEqual(underLoad([at(4, 1), at(4, 1)], 4), [], 'never only the load\'s');
  t.deepEqual(underLoad([], 4), []);
});
