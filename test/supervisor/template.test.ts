// isolation: process through a template runner and its children, against real
// sandboxed runners: each instance gets a fresh forked process, locked down
// exactly like an exec'd runner; violations are reported; the template's
// death takes its children and the function comes back; nothing leaks.
import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryLogger } from '../../src/log.js';
import { TemplatePool } from '../../src/daemon/template-pool.js';
import { ExitReason } from '../../src/master/frames.js';
import { Master, type Endpoint } from '../../src/master/master.js';
import { openEndpoint } from '../helpers/endpoints.js';
import { socketPeer } from '../../src/master/peer.js';
import { type RunnerExit, type RunnerFunction, RunnerProcess, serveArguments } from '../../src/supervisor/index.js';
import { waitFor } from '../helpers/wait.js';
import { forbiddenSyscallFunction, helloFunction, procStat, procState, runThroughSupervisor } from './helpers.js';
import { watFunction } from '../helpers/objects.js';
import { stdoutLines } from '../helpers/wat.js';

async function templatePool(t: ExecutionContext, fn: RunnerFunction, size = 2) {
  const socketPath = join(mkdtempSync(join(tmpdir(), 'embly-template-')), 'embly.sock');
  const log = memoryLogger();
  const templates: number[] = [];
  const master = new Master({
    socketPath, log,
    functions: new Map([[fn.name, { maxInstances: 100, isolation: 'process' }]]),
    authorize: (socket, hello) => hello.template && templates.includes(hello.pid) && socketPeer(socket)?.pid === hello.pid,
  });
  await master.listen();
  const server = new TemplatePool({
    name: fn.name, size, master, log,
    startTemplate: () => {
      const template = RunnerProcess.start({ args: serveArguments(socketPath, [fn], { template: true }), label: `template ${fn.name}`, stderr: 2, log });
      templates.push(template.pid);
      return template;
    },
  });
  const exits: RunnerExit[] = [];
  server.children.on('exit', (_runner, exit) => exits.push(exit));
  server.start();
  t.teardown(async () => {
    await server.stop();
    await master.close();
  });
  await waitFor(() => master.runnerCount(fn.name) >= size, { what: 'fresh runners' });
  return { master, server, log, templates, exits };
}

/** One instance of fn from a fresh runner: what it wrote and how it ended. */
async function runOnce(master: Master, fn: string): Promise<{ output: string; reason: ExitReason }> {
  let output = '';
  let endpoint!: Endpoint;
  // (One whose runner is killed before STARTED is heard as its end, too.)
  const reason = await new Promise<ExitReason>((resolve, reject) => {
    endpoint = openEndpoint(master, { onData: (b) => { output += Buffer.from(b).toString(); return true; }, onExit: resolve, onSpawnError: reject });
    endpoint.spawn(fn);
  });
  endpoint.close();
  return { output, reason };
}

function status(pid: number): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8');
}

test('each instance runs in a fresh process forked by the template, sandboxed like an exec\'d runner', async (t) => {
  const fn = await helloFunction();
  const { master, server, templates } = await templatePool(t, fn);
  const claimed: number[] = [];
  const hellos = new Set<number>();
  master.on('claimed', (c: { pid: number }) => claimed.push(c.pid));
  master.on('runner', (r: { pid: number }) => hellos.add(r.pid));
  for (let i = 0; i < 4; i++) t.deepEqual(await runOnce(master, fn.name), { output: 'hello from a sandboxed runner', reason: ExitReason.Ok });
  t.is(new Set(claimed).size, 4);
  const template = templates[0]!;
  // the two fresh ones, once they have said HELLO (after narrowing their filter)
  const fresh = () => server.children.runners.filter((r) => hellos.has(r.pid) && !claimed.includes(r.pid));
  await waitFor(() => fresh().length === 2, { what: 'fresh runners' });
  for (const { pid } of fresh()) {
    const [, ppid, pgrp] = await procStat(pid);
    t.is(Number(ppid), template, 'forked by the template');
    t.is(Number(pgrp), pid, 'a process group of its own');
    t.regex(status(pid), /^NoNewPrivs:\s+1$/m);
    t.regex(status(pid), /^Seccomp:\s+2$/m);
    t.regex(status(pid), /^Seccomp_filters:\s+2$/m, "the template's filter and the one that narrows it");
    const fds = readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
    t.deepEqual(fds.slice(0, 3), [0, 1, 2]);
    t.is(fds.length, 4, 'only 0-2 and its own connection');
    t.regex(readlinkSync(`/proc/${pid}/fd/${fds[3]}`), /^socket:/);
  }
  t.regex(status(template), /^Seccomp_filters:\s+1$/m);
});

for (const call of ['unix-socket', 'socket'] as const) {
  test(`a template's child whose instance calls ${call} is killed by seccomp and reported as a sandbox violation`, async (t) => {
    const fn = await forbiddenSyscallFunction(call);
    const { master, log, exits } = await templatePool(t, fn, 1);
    const run = await runOnce(master, fn.name);
    t.is(run.reason, ExitReason.Killed);
    t.is(run.output, '', 'the call never returned');
    await waitFor(() => exits.length > 0, { what: 'the exit report' });
    t.is(exits[0]!.signal, 'SIGSYS');
    t.true(exits[0]!.sandboxViolation);
    t.true(log.lines.some((l) => /^error SANDBOX VIOLATION: runner \d+ \(runner forbidden\) made a system call outside its seccomp allowlist/.test(l)), log.lines.join('\n'));
  });
}

test('the unix-socket object runs unsandboxed (the control for the narrowing filter)', async (t) => {
  const run = await runThroughSupervisor('forbidden', [await forbiddenSyscallFunction('unix-socket')], { sandbox: false });
  t.is(run.exit.code, 0, run.stderr);
  t.regex(run.stdout.toString(), /^the call returned \d+\n$/);
});

test('a template killed with SIGKILL takes its children with it; a new template serves again', async (t) => {
  const fn = await helloFunction();
  const { master, server, templates } = await templatePool(t, fn);
  await waitFor(() => server.children.runners.every((r) => r.pid !== 0), { what: 'the template\'s children' });
  const children = server.children.runners.map((r) => r.pid);
  process.kill(templates[0]!, 'SIGKILL');
  await waitFor(async () => (await Promise.all(children.map(procState))).every((s) => s === null || s === 'Z'), { what: 'the children to die' });
  await waitFor(() => templates.length === 2 && master.runnerCount(fn.name) >= 1, { what: 'a new template and its runners', timeoutMs: 15_000 });
  t.deepEqual(await runOnce(master, fn.name), { output: 'hello from a sandboxed runner', reason: ExitReason.Ok });
});

test('no zombies and no leaked fds in the template after many instances', async (t) => {
  const fn = await helloFunction();
  const { master, server, templates } = await templatePool(t, fn);
  const template = templates[0]!;
  const fds = () => readdirSync(`/proc/${template}/fd`).length;
  const before = fds();
  for (let batch = 0; batch < 10; batch++)
    await Promise.all(Array.from({ length: 10 }, () => runOnce(master, fn.name).then((r) => t.is(r.reason, ExitReason.Ok))));
  await waitFor(() => server.children.runners.length === 2 && server.children.runners.every((r) => r.pid !== 0), { what: 'the pool to refill' });
  const zombies = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const s = status(Number(p));
      return new RegExp(`^PPid:\\s+${template}$`, 'm').test(s) && /^State:\s+Z/m.test(s);
    } catch {
      return false;
    }
  });
  await waitFor(() => zombies().length === 0, { what: 'the template to reap every child' });
  t.is(fds(), before);
  t.is(before, 4, '0-2 and its connection');
  t.is(templates.length, 1);
});

test('a template\'s children share one log budget: a process per instance is not a budget per instance', async (t) => {
  // 150 lines per instance: within one runner's budget, so without sharing every line would pass.
  const chatty = await watFunction('chatty', stdoutLines('line', 150));
  const { master } = await templatePool(t, chatty);
  const lines: string[] = [];
  master.on('log', (l: { line: string }) => lines.push(l.line));
  for (let i = 0; i < 10; i++) t.is((await runOnce(master, chatty.name)).reason, ExitReason.Ok);
  const passed = lines.filter((l) => l === 'line').length;
  const dropped = lines.map((l) => /^\.\.\. (\d+) log lines/.exec(l)?.[1]).filter(Boolean).map(Number).reduce((a, b) => a + b, 0);
  t.true(passed < 1000, `${passed} of 1,500 lines passed`);
  t.is(passed + dropped, 1500, 'every line is either logged or counted as dropped');
});

test('more spawns at once than fresh runners ready: each waits its turn for the next one, none shares a process', async (t) => {
  const fn = await helloFunction();
  const { master } = await templatePool(t, fn, 2);
  const claimed: number[] = [];
  master.on('claimed', (c: { pid: number }) => claimed.push(c.pid));
  const listeners = master.listenerCount('runner'); // the template pool's
  const running = Array.from({ length: 12 }, () => runOnce(master, fn.name));
  t.is(master.listenerCount('runner'), listeners, 'the waiting spawns are a queue, not a listener each');
  const runs = await Promise.all(running);
  t.true(runs.every((r) => r.output === 'hello from a sandboxed runner' && r.reason === ExitReason.Ok));
  t.is(new Set(claimed).size, 12);
});
