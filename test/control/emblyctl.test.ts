// emblyctl against a real daemon: status (its JSON against what was served
// and what /metrics says), ps while requests are in flight, logs -f seeing a
// function's line as it is written, reload's answer and failure, stop.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { InstanceStatus } from '../../src/control/instances.js';
import type { LogLine } from '../../src/control/methods.js';
import type { DaemonStatus } from '../../src/control/status.js';
import { EXIT } from '../../src/errors.js';
import { packageVersion } from '../../src/version.js';
import { HELLO, TRAP } from '../gateways/functions.js';
import { runnerPids, watProject } from '../daemon/helpers.js';
import { stdoutLines } from '../helpers/wat.js';
import { waitFor } from '../helpers/wait.js';
import { PARENT_WAT, SLEEPER_WAT } from './functions.js';
import { emblyctl, emblyctlJson, slowRequest, startControlled, startEmblyctl } from './helpers.js';

/** The sum of a /metrics page's samples of `name` whose labels include all of `labels` ("function=\"hello\""). */
function sample(text: string, name: string, ...labels: string[]): number {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) && labels.every((label) => l.slice(0, l.indexOf('}')).includes(label)));
  return lines.length === 0 ? NaN : lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

test('status --json counts exactly what was served, as /metrics does', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }, { name: 'trap', wat: TRAP }]);
  const { daemon, path, url } = await startControlled(t, dir, { metrics: { host: '127.0.0.1', port: 0 } });
  for (let i = 0; i < 7; i++) t.is((await fetch(url('hello'))).status, 200);
  for (let i = 0; i < 3; i++) t.is((await fetch(url('trap'))).status, 502);
  const status = await emblyctlJson<DaemonStatus>(t, ['status', '--control', path]);
  t.like(status, {
    version: packageVersion(), pid: process.pid, project: daemon.servedProject.file, masterSocket: daemon.master.socketPath,
    controlSocket: path, metrics: `127.0.0.1:${daemon.metricsPort}`,
  });
  const [hello, trap] = status.functions;
  t.like(hello, { name: 'hello', isolation: 'instance', runners: 1, restarts: 0, instances: 0, maxInstances: daemon.servedProject.functions[0]!.limits.maxInstances, spawns: 7, exits: { ok: 7, error: 0, trap: 0, timeout: 0, killed: 0 } });
  t.like(trap, { name: 'trap', runners: 1, restarts: 0, instances: 0, spawns: 3, exits: { ok: 0, error: 0, trap: 3, timeout: 0, killed: 0 } });
  t.true(hello!.runnerResidentBytes > 1 << 20 && hello!.runnerCpuSeconds >= 0, 'a runner is more than 1 MiB resident');
  t.true(hello!.spawnSeconds.p50! > 0 && hello!.spawnSeconds.p50! <= hello!.spawnSeconds.p99! && hello!.spawnSeconds.p99! <= 1, JSON.stringify(hello));
  t.deepEqual(status.gateways.map((g) => [g.name, g.type, g.function, g.address, g.requests, g.errors5xx]), [
    ['hello', 'http', 'hello', `127.0.0.1:${daemon.listening()[0]!.port}`, 7, 0],
    ['trap', 'http', 'trap', `127.0.0.1:${daemon.listening()[1]!.port}`, 3, 3],
  ]);
  t.true(status.gateways.every((g) => Number.isInteger(g.connections) && g.connections <= 2), 'fetch keeps a connection or two alive');
  t.is(status.host.cpus, availableParallelism());
  t.true(status.host.cpuPercent >= 0 && status.host.cpuPercent <= 100);
  t.true(status.host.memoryAvailableBytes > 0 && status.host.memoryAvailableBytes <= status.host.memoryTotalBytes);
  t.true(status.process.residentBytes > 10 << 20, 'a Node process is more than 10 MiB resident');
  // The same figures a scrape shows.
  const page = await (await fetch(`http://127.0.0.1:${daemon.metricsPort}/metrics`)).text();
  t.is(sample(page, 'embly_spawn_duration_seconds_count', 'function="hello"'), hello!.spawns, 'cold and warm spawns together');
  t.is(sample(page, 'embly_instance_exits_total', 'function="trap"', 'reason="trap"'), trap!.exits.trap);
  t.is(sample(page, 'embly_gateway_requests_total', 'gateway="trap"', 'code="502"'), status.gateways[1]!.errors5xx!);
});

test('status without --metrics: the figures are still counted, /metrics is off', async (t) => {
  const { path, url } = await startControlled(t, await watProject(t, [{ name: 'hello', wat: HELLO }]));
  for (let i = 0; i < 2; i++) t.is((await fetch(url('hello'))).status, 200);
  const status = await emblyctlJson<DaemonStatus>(t, ['status', '--control', path]);
  t.is(status.metrics, null);
  t.is(status.functions[0]!.spawns, 2);
  t.is(status.gateways[0]!.requests, 2);
});

test('status for people: the daemon, then aligned tables of functions and gateways, no colour off a terminal', async (t) => {
  const { daemon, path, url } = await startControlled(t, await watProject(t, [{ name: 'hello', wat: HELLO }, { name: 'trap', wat: TRAP }]));
  for (let i = 0; i < 4; i++) t.is((await fetch(url('hello'))).status, 200);
  t.is((await fetch(url('trap'))).status, 502);
  const result = await emblyctl(['status', '--control', path]);
  t.is(result.code, 0, result.stderr);
  const out = result.stdout;
  t.regex(out, new RegExp(`^embly ${packageVersion().replace(/\./g, '\\.')}, pid ${process.pid}, up \\d+\\.\\ds \\(since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\)$`, 'm'));
  t.true(out.includes(`\n  project  ${daemon.servedProject.file}\n`));
  t.true(out.includes(`\n  metrics  off\n`));
  t.regex(out, /^FUNCTION +ISOLATION +RUNNERS +RESTARTS +RUNNER RSS +INSTANCES +SPAWNS +SPAWN P50 +SPAWN P99 +OK +ERROR +TRAP +TIMEOUT +KILLED$/m);
  t.regex(out, /^hello +instance +1 +0 +[\d.]+ MiB +0\/1000 +4 +[\d.]+ (µs|ms|s) +[\d.]+ (µs|ms|s) +4 +0 +0 +0 +0$/m);
  t.regex(out, /^trap +instance +1 +0 +[\d.]+ MiB +0\/1000 +1 +[\d.]+ (µs|ms|s) +[\d.]+ (µs|ms|s) +0 +0 +1 +0 +0$/m);
  t.regex(out, new RegExp(`^trap +http +trap +127\\.0\\.0\\.1:${daemon.listening()[1]!.port} +1 +1 +\\d$`, 'm'));
  t.false(out.includes('\x1b['), 'no escape codes');
  // Every row of a table is as wide as its header (aligned columns).
  const table = out.split('\n\n')[1]!.split('\n');
  t.true(table.every((row) => row.length === table[0]!.length), table.join('\n'));
});

test('ps lists the instances in flight: a gateway\'s and its child, with runner, age and linear memory', async (t) => {
  const dir = await watProject(t, [{ name: 'parent', wat: PARENT_WAT }, { name: 'sleeper', wat: SLEEPER_WAT }]);
  const { daemon, path, url } = await startControlled(t, dir);
  t.is((await emblyctl(['ps', '--control', path])).stdout, 'no instances running\n');
  const slow = slowRequest(url('parent'));
  await waitFor(() => daemon.master.instances().filter((i) => i.started).length === 2, { what: 'the parent and its sleeper started' });
  const { instances } = await emblyctlJson<{ instances: InstanceStatus[] }>(t, ['ps', '--control', path]);
  t.is(instances.length, 2);
  const [parent, child] = instances;
  t.like(parent, { function: 'parent', parent: { kind: 'gateway' }, runner: runnerPids('parent')[0], started: true, memoryBytes: 3 * 65536 });
  t.like(child, { function: 'sleeper', parent: { kind: 'instance', function: 'parent', address: parent!.address }, runner: runnerPids('sleeper')[0], memoryBytes: 65536 });
  t.regex(parent!.address, /^[0-9a-f]{16}$/);
  t.true(parent!.ageSeconds >= child!.ageSeconds, 'oldest first');
  t.true(Math.abs(Date.parse(parent!.since) - (Date.now() - parent!.ageSeconds * 1000)) < 60_000);
  const human = await emblyctl(['ps', '--control', path]);
  const rows = human.stdout.trimEnd().split('\n');
  t.regex(rows[0]!, /^ADDRESS +FUNCTION +PARENT +RUNNER +AGE +MEMORY$/);
  t.regex(rows[1]!, new RegExp(`^${parent!.address}  parent    gateway ${parent!.parent.address}  +${parent!.runner} +[\\d.]+s +192 KiB$`));
  t.regex(rows[2]!, new RegExp(`^${child!.address}  sleeper   parent ${parent!.address}  +${child!.runner} +[\\d.]+s +64 KiB$`));
  slow.end();
  t.is(await slow.status, 200);
  await waitFor(() => daemon.master.instances().length === 0, { what: 'both ended' });
  t.deepEqual((await emblyctlJson<{ instances: InstanceStatus[] }>(t, ['ps', '--control', path])).instances, []);
});

test('logs -f prints a function\'s line as it writes it; logs FUNCTION only that function\'s', async (t) => {
  const dir = await watProject(t, [{ name: 'chatty', wat: stdoutLines('hi there', 1) }, { name: 'hello', wat: HELLO }]);
  const { path, url, lines } = await startControlled(t, dir);
  t.is((await fetch(url('chatty'))).status, 502); // it logs, and answers nothing
  t.is((await fetch(url('hello'))).status, 200);
  await waitFor(() => lines.filter((l) => / ended: ok$/.test(l)).length === 2, { what: 'both ends logged' });
  const follow = startEmblyctl(['logs', '-f', 'chatty', '--json', '--control', path]);
  t.teardown(() => follow.child.kill());
  const printed = () => follow.output().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LogLine);
  // The kept lines first: once they are out, the follower is listening.
  await waitFor(() => printed().length === 2, { timeoutMs: 30_000, what: () => `the kept chatty lines, printed: ${follow.output()}` });
  t.deepEqual(printed().map((l) => [l.function, l.level, l.message.replace(/[0-9a-f]{16}/, 'ADDRESS')]),
    [['chatty', 'info', '[chatty ADDRESS] hi there'], ['chatty', 'info', '[chatty ADDRESS] ended: ok']]);
  const before = printed()[0]!.message.slice(8, 24);
  t.is((await fetch(url('chatty'))).status, 502);
  await waitFor(() => printed().length === 4, { timeoutMs: 30_000, what: () => `the new chatty lines, printed: ${follow.output()}` });
  const fresh = printed()[2]!;
  t.regex(fresh.message, /^\[chatty [0-9a-f]{16}\] hi there$/);
  t.not(fresh.message.slice(8, 24), before, 'a new instance\'s line');
  t.true(printed().every((l) => l.function === 'chatty'), 'no line of hello');
  // Without -f: what is kept, for people, and exit 0.
  const all = await emblyctl(['logs', '--control', path]);
  t.is(all.code, 0, all.stderr);
  t.regex(all.stdout, /^\d\d:\d\d:\d\d\.\d{3} info \[hello [0-9a-f]{16}\] ended: ok$/m);
  const last = await emblyctl(['logs', 'chatty', '-n', '1', '--control', path]);
  t.regex(last.stdout, /^\d\d:\d\d:\d\d\.\d{3} info \[chatty [0-9a-f]{16}\] ended: ok\n$/);
  const unknown = await emblyctl(['logs', 'nope', '--control', path]);
  t.is(unknown.code, EXIT.usage);
  t.is(unknown.stderr, `emblyctl: no function "nope" in ${dir}/embly-project.yml; it has: chatty, hello\n`);
});

test('reload swaps a changed function in and says so; a broken change is the reload\'s error and exit status, the old one serving on', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }]);
  const { path, url } = await startControlled(t, dir);
  t.is(await (await fetch(url('hello'))).text(), 'hello\n');
  await writeFile(join(dir, 'hello.wat'), HELLO.replace('hello\\n', 'howdy\\n'));
  const done = await emblyctl(['reload', '--control', path]);
  t.is(done.code, 0, done.stderr);
  t.is(done.stdout, 'reloaded: functions changed: hello\n');
  t.is(await (await fetch(url('hello'))).text(), 'howdy\n');
  t.deepEqual(await emblyctlJson(t, ['reload', '--control', path]), {
    functions: { added: [], changed: [], removed: [] }, gateways: { added: [], moved: [], retargeted: [], removed: [] },
  });
  await writeFile(join(dir, 'hello.wat'), '(module (func $broken');
  const failed = await emblyctl(['reload', '--control', path]);
  // EMBLY_RELOAD_FAILED is 69 of its own; this one carries its cause's, a compile error's 65.
  t.is(failed.code, EXIT.dataError, failed.stderr);
  t.regex(failed.stderr, /^emblyctl: reload failed, the previous version goes on serving: function "hello"/);
  t.is(failed.stdout, '');
  t.is(await (await fetch(url('hello'))).text(), 'howdy\n', 'the old version serves on');
});

test('stop stops the daemon, closes the control socket last, and returns once both are done', async (t) => {
  // A name of its own: runnerPids() sees the runners of every test in this process.
  const { path, url } = await startControlled(t, await watProject(t, [{ name: 'stopped', wat: HELLO }]));
  t.is((await fetch(url('stopped'))).status, 200);
  t.is(runnerPids('stopped').length, 1);
  const stop = await emblyctl(['stop', '--json', '--control', path]);
  t.is(stop.code, 0, stop.stderr);
  t.deepEqual(JSON.parse(stop.stdout), { stopped: true });
  t.deepEqual(runnerPids('stopped'), [], 'its runners are gone');
  await t.throwsAsync(fetch(url('stopped')), undefined, 'its gateway is closed');
  t.is((await emblyctl(['status', '--control', path])).code, 3);
});
