// Fault: 10,000 idle keep-alive connections held open at once (docs/faults.md).
// The gateway keeps every one of them, sends them nothing, and serves new
// requests all the while; once they go, so do their fds.
import test from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { HttpGateway } from '../../src/gateways/http/index.js';
import { memoryLogger } from '../../src/log.js';
import { HELLO } from '../gateways/functions.js';
import { startHarness } from '../helpers/harness.js';
import { watFunction } from '../helpers/objects.js';
import { waitFor } from '../helpers/wait.js';
import { processFigures } from '../daemon/helpers.js';

const IDLE = 10_000;
/** every tenth connection has had a request answered */
const ASKED_EVERY = 10;

/** Opens `count` connections to the port, 200 at a time, and holds them;
 * every `every`th first makes a request and has its answer (a keep-alive
 * connection between requests; the others are yet to send one). Says
 * "open <n> <answered>", then, when told "report", how many are still open
 * and how many bytes came after the answers. A process of its own: its fds are not the
 * gateway's (both ends in one process would need 20,000 and more). */
const HOLDER = `
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
const [port, count, every] = process.argv.slice(1).map(Number);
let open = 0, answered = 0, extra = 0;
const one = (i) => new Promise((resolve, reject) => {
  const asks = i % every === 0;
  let got = '';
  const s = connect(port, '127.0.0.1', () => {
    open++;
    if (asks) s.write('GET / HTTP/1.1\\r\\nHost: idle\\r\\n\\r\\n'); else resolve();
  });
  s.on('data', (d) => {
    if (!asks || got.endsWith('hello\\n')) { extra += d.length; return; }
    got += d.toString('latin1');
    if (got.endsWith('hello\\n')) { if (got.startsWith('HTTP/1.1 200 OK')) answered++; resolve(); }
  });
  s.on('error', reject);
  s.on('close', () => { open--; });
});
for (let i = 0; i < count; i += 200) await Promise.all(Array.from({ length: Math.min(200, count - i) }, (_, j) => one(i + j)));
console.log('open ' + open + ' ' + answered);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'report') console.log('report ' + open + ' ' + extra);
});
`;

/** Raises this process's soft RLIMIT_NOFILE to its hard limit when it is
 * below what the test needs (Node has no setrlimit; util-linux's prlimit
 * sets another process's limits): the holder, spawned after, inherits it. */
function raiseOpenFiles(needed: number): void {
  const [, soft, hard] = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))!;
  const limit = (v: string) => (v === 'unlimited' ? Infinity : Number(v));
  if (limit(soft!) >= needed) return;
  if (limit(hard!) < needed) throw new Error(`this test needs ${needed} open files; the hard limit is ${hard} (raise it: ulimit -Hn)`);
  execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${hard}:${hard}`]);
}

test('10,000 idle keep-alive connections: each is kept and sent nothing more, new requests are served meanwhile, their fds go with them', async (t) => {
  raiseOpenFiles(IDLE + 1000);
  const h = await startHarness([await watFunction('hello', HELLO)]);
  const log = memoryLogger();
  // The daemon's gateway ends an idle connection after 5 s: long enough here
  // for all of them to be open at once on a loaded machine.
  const gateway = new HttpGateway({ master: h.master, function: 'hello', port: 0, host: '127.0.0.1', log: log.child('gateway/hello'), timeoutMs: 10_000, keepAliveTimeoutMs: 300_000 });
  const port = await gateway.listen();
  t.teardown(async () => { await gateway.close(); await h.stop(); });
  const fdsBefore = processFigures(process.pid).fds;
  const holder = spawn(process.execPath, ['--input-type=module', '-e', HOLDER, String(port), String(IDLE), String(ASKED_EVERY)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => holder.on('exit', resolve));
  t.teardown(() => { holder.kill(); });
  const lines: string[] = [];
  createInterface({ input: holder.stdout! }).on('line', (l) => lines.push(l));
  await waitFor(() => lines[0]?.startsWith('open ') || holder.exitCode !== null, { timeoutMs: 120_000, intervalMs: 100, what: () => `the ${IDLE} connections to open (${gateway.connectionCount} so far)` });
  t.deepEqual(lines, [`open ${IDLE} ${IDLE / ASKED_EVERY}`], 'all open, each request answered 200');
  await waitFor(() => gateway.connectionCount === IDLE, { timeoutMs: 30_000, what: () => `the gateway to have all of them (${gateway.connectionCount})` });
  t.true(processFigures(process.pid).fds >= fdsBefore + IDLE, 'the gateway holds one fd for each');

  // New clients are served, on fresh connections and on keep-alive ones.
  for (let i = 0; i < 20; i++) t.is(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'hello\n');
  const answers = await Promise.all(Array.from({ length: 20 }, async () => (await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } })).status));
  t.deepEqual(answers, Array(20).fill(200));

  holder.stdin!.write('report\n');
  await waitFor(() => lines.length === 2, { timeoutMs: 30_000, what: 'the holder\'s report' });
  t.is(lines[1], `report ${IDLE} 0`, 'every idle connection is still open and was sent nothing more');
  holder.kill();
  await exited;
  await waitFor(() => gateway.connectionCount === 0, { timeoutMs: 30_000, what: () => `the gateway to see them go (${gateway.connectionCount} left)` });
  await waitFor(() => processFigures(process.pid).fds < fdsBefore + 100, { timeoutMs: 30_000, what: () => `their fds to be closed (${processFigures(process.pid).fds}, ${fdsBefore} before)` });
  t.deepEqual(log.lines.filter((l) => !l.startsWith('info') && !l.startsWith('debug')), [], 'nothing went wrong');
  t.is(h.master.liveInstances(), 0);
});
