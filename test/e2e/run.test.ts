// `embly run` on the example project: the daemon with its sandboxed runners,
// the master and every gateway, on ephemeral loopback ports.
import test from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { get } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProject } from '../../src/compile/project-build.js';
import { Daemon, type ListeningGateway } from '../../src/daemon/daemon.js';
import { memoryLogger } from '../../src/log.js';
import { loadProject } from '../../src/project/index.js';
import { packageRoot } from '../../src/paths.js';
import { requestInFlight, runnerPids } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';

let daemon: Daemon;
let gateways: Map<string, ListeningGateway>;

test.before(async () => {
  const project = await loadProject(join(packageRoot, 'examples'));
  const built = await buildProject(project);
  daemon = new Daemon({
    project, built, host: '127.0.0.1', runnersPerFunction: 1,
    socketPath: join(mkdtempSync(join(tmpdir(), 'embly-run-')), 'embly.sock'),
    portOverrides: new Map(project.gateways.map((g) => [g.name, 0])),
    log: memoryLogger(),
  });
  gateways = new Map((await daemon.start()).map((g) => [g.name, g]));
});

test.after.always(async () => {
  await daemon?.stop();
});

const url = (gateway: string) => `http://127.0.0.1:${gateways.get(gateway)!.port}/`;

test('each language answers through its HTTP gateway', async (t) => {
  const expected: [string, string][] = [
    ['web', 'Hello from Rust!\n'], ['web-c', 'Hello from C!\n'],
    ['web-as', 'Hello from AssemblyScript!\n'], ['web-wat', 'Hello from WebAssembly text (wat)!\n'],
  ];
  for (const [gateway, body] of expected) {
    const response = await fetch(url(gateway));
    t.is(response.status, 200, gateway);
    t.is(await response.text(), body);
  }
});

test('fanout combines the answers of both children', async (t) => {
  const response = await fetch(url('web-fanout'));
  t.is(response.status, 200);
  t.is(await response.text(), 'hello-c (200): Hello from C!\nhello-as (200): Hello from AssemblyScript!\n');
});

test('the TCP gateway echoes', async (t) => {
  const echoed = await new Promise<string>((resolve, reject) => {
    const socket = connect(gateways.get('echo')!.port, '127.0.0.1', () => socket.end('echo me, please'));
    let text = '';
    socket.on('data', (d) => { text += d; });
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
  t.is(echoed, 'echo me, please');
});

test('the trapping function gets a 502 while the others keep serving', async (t) => {
  const [trap, hello] = await Promise.all([fetch(url('web-trap')), fetch(url('web-c'))]);
  t.is(trap.status, 502);
  t.is(hello.status, 200);
  t.is((await fetch(url('web-trap'))).status, 502);
  t.is((await fetch(url('web-wat'))).status, 200);
});

function zombieChildren(): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((pid) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      return /^State:\s+Z/m.test(status) && new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

/** A GET on a connection of its own, closed after the answer: nothing pooled. */
function status(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(address, { agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); }).on('error', reject);
  });
}

test.serial('no leaked fds and no zombies after 1,000 requests', async (t) => {
  await status(url('web-c')); // warm up every lazily opened fd
  const fdsBefore = readdirSync('/proc/self/fd').length;
  for (let batch = 0; batch < 20; batch++) {
    const answers = await Promise.all(Array.from({ length: 50 }, () => status(url('web-c'))));
    t.true(answers.every((s) => s === 200));
  }
  // Closed sockets are released as their close events run: wait for that.
  await waitFor(() => readdirSync('/proc/self/fd').length <= fdsBefore + 2,
    { timeoutMs: 5000, what: () => `the fds to be released: ${readdirSync('/proc/self/fd').length} open, ${fdsBefore} before` });
  t.deepEqual(zombieChildren(), []);
  t.is(daemon.master.liveInstances(), 0);
});

test.serial('isolation: process serves each instance from a fresh runner process', async (t) => {
  const hellos: number[] = [];
  const claimed: number[] = [];
  const onRunner = (r: { function: string; pid: number }) => { if (r.function === 'hello-wat') hellos.push(r.pid); };
  const onClaimed = (c: { function: string; pid: number }) => { if (c.function === 'hello-wat') claimed.push(c.pid); };
  daemon.master.on('runner', onRunner);
  daemon.master.on('claimed', onClaimed);
  for (let i = 0; i < 5; i++) t.is(await status(url('web-wat')), 200);
  // More at once than warm runners: spawns wait for the next fresh one.
  t.deepEqual(await Promise.all(Array.from({ length: 5 }, () => status(url('web-wat')))), [200, 200, 200, 200, 200]);
  // Replacements connect off the request path: give them time on a busy machine.
  await waitFor(() => hellos.length >= 10, { what: () => `10 fresh runners for 10 requests (${hellos.length} so far)` });
  daemon.master.off('runner', onRunner);
  daemon.master.off('claimed', onClaimed);
  t.is(new Set(hellos).size, hellos.length);
  t.is(claimed.length, 10);
  t.is(new Set(claimed).size, 10, 'each request had a process of its own');
});

test.serial('a runner killed mid-request gives that request a 502; the pool replaces it and the next succeeds', async (t) => {
  const pending = requestInFlight(url('web-c')); // hello-c is still reading when its runner dies
  await waitFor(() => daemon.master.liveInstances('hello-c') > 0, { what: 'the request\'s instance to start' });
  const victims = runnerPids('hello-c');
  t.true(victims.length > 0);
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  t.is(await pending, 502);
  t.is(await status(url('web-c')), 200);
});

test.serial('a gateway port in use is a clear error, and no runner outlives the failed start', async (t) => {
  const { createServer } = await import('node:net');
  const holder = createServer();
  const taken = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as { port: number }).port)));
  t.teardown(() => holder.close());
  const project = await loadProject(join(packageRoot, 'examples'));
  const second = new Daemon({
    project, built: await buildProject(project), host: '127.0.0.1', runnersPerFunction: 1,
    socketPath: join(mkdtempSync(join(tmpdir(), 'embly-run-')), 'embly.sock'),
    portOverrides: new Map(project.gateways.map((g) => [g.name, g.name === 'web' ? taken : 0])),
    log: memoryLogger(),
  });
  const before = runnerPids('hello-rust').length;
  const error = await t.throwsAsync(second.start());
  t.is(error!.message, `gateway "web" cannot listen on 127.0.0.1:${taken}: the port is in use`);
  await second.stop();
  t.is(runnerPids('hello-rust').length, before);
});
