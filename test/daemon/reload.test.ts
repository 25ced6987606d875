// Daemon.reload() on a real daemon (docs/service.md, "Reload"): a changed
// function swaps under load with nothing dropped and no 5xx, its in-flight
// instances finishing on the runners it had; a broken change or a bad project
// file changes nothing; gateways and functions come and go; the metrics
// registry learns the added functions. SIGHUP through `embly run`: test/cli/service.test.ts.
// Serial: runnerPids() sees every runner of this process.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildProject } from '../../src/compile/project-build.js';
import type { ReloadSummary } from '../../src/daemon/daemon.js';
import { loadProject } from '../../src/project/index.js';
import type { Logger } from '../../src/log.js';
import { memoryLogger } from '../../src/log.js';
import { ReloadFailedError } from '../../src/errors.js';
import { bodyRuns, startLoad } from '../helpers/load.js';
import { freePort, RawClient, refused } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait.js';
import { answerAfterRequest } from '../helpers/wat.js';
import { breakObject, runnerPids, startDaemon, tempDir, writeProject, type ProjectSpec } from './helpers.js';

const EMPTY_SUMMARY: ReloadSummary = {
  functions: { added: [], changed: [], removed: [] },
  gateways: { added: [], moved: [], retargeted: [], removed: [] },
};

const helloProject = (body: string, extra: Partial<ProjectSpec['functions'][number]> = {}): ProjectSpec => ({
  functions: [{ name: 'hello', wat: answerAfterRequest(body, { logStart: true }), ...extra }],
  gateways: [{ name: 'web', port: 8080, function: 'hello' }], // startDaemon listens on an ephemeral port instead
});

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

/** A line of the log a reload wrote ("info embly: reloaded: ..." or "error embly: reload failed ..."). */
const lifecycleLines = (log: Logger & { lines: string[] }) => log.lines.filter((l) => /^\w+ embly: reload/.test(l));

test.serial('a reload under load swaps a changed function: nothing dropped, no 5xx, each client gets the old body, then only the new', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  await writeProject(dir, helloProject('v1\n'));
  const { daemon, url } = await startDaemon(t, dir);
  const before = runnerPids('hello');
  const load = startLoad(url('web'), { keepAlive: 4, fresh: 2 });
  await waitFor(() => load.outcomes.length >= 50, { what: 'the load to be under way' });

  await writeProject(dir, helloProject('v2\n'));
  const summary = await daemon.reload();
  const sentAfter = Date.now();
  t.deepEqual(summary, { ...EMPTY_SUMMARY, functions: { added: [], changed: ['hello'], removed: [] } });
  await waitFor(() => [0, 1, 2, 3, 4, 5].every((loop) => load.outcomes.some((o) => o.loop === loop && o.sentAt > sentAfter)),
    { what: 'every loop to have been answered after the reload' });
  const outcomes = await load.stop();

  t.deepEqual(outcomes.filter((o) => o.error !== null || o.status !== 200), [], 'every request answered 200');
  for (let loop = 0; loop < 6; loop++) t.deepEqual(bodyRuns(outcomes, loop), ['v1\n', 'v2\n'], `loop ${loop}: the old body, then only the new`);
  t.true(outcomes.filter((o) => o.sentAt > sentAfter).every((o) => o.body === 'v2\n'), 'sent after the reload: the new function');
  // The old runners retire (they had nothing in flight once the load moved on).
  await waitFor(() => runnerPids('hello').every((pid) => !before.includes(pid)) && runnerPids('hello').length === 1,
    { what: () => `the old runner ${before} to be replaced: ${runnerPids('hello')}` });
});

test.serial('an instance in flight at the reload finishes on the old runner, which retires only after it', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  await writeProject(dir, helloProject('v1\n'));
  const log = memoryLogger();
  const { daemon, gateways } = await startDaemon(t, dir, { log });
  const [old] = runnerPids('hello');
  const slow = await RawClient.connect(gateways.get('web')!.port);
  slow.startPost();
  await waitFor(() => log.lines.some((l) => /\[hello [0-9a-f]{16}\] reading/.test(l)), { what: 'the slow request\'s instance to run' });

  await writeProject(dir, helloProject('v2\n'));
  await daemon.reload();
  const fresh = await get(`http://127.0.0.1:${gateways.get('web')!.port}/`);
  t.deepEqual(fresh, { status: 200, body: 'v2\n' });
  t.true(runnerPids('hello').includes(old!), 'the old runner lives on while its instance runs');

  slow.finishBody();
  const answer = await slow.response();
  t.is(answer.status, 200);
  t.is(answer.body, 'v1\n', 'answered by the old function');
  await waitFor(() => !runnerPids('hello').includes(old!), { what: 'the old runner to retire once its instance ended' });
  t.true(log.lines.some((l) => /^info supervisor\/hello: the runners a reload replaced have finished their instances/.test(l)));
  slow.destroy();
});

test.serial('a broken change keeps the old version serving and is reported: a wat syntax error, then a bad project file', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  await writeProject(dir, helloProject('v1\n'));
  const log = memoryLogger();
  const { daemon, url } = await startDaemon(t, dir, { log });
  const runners = runnerPids('hello');

  await writeFile(join(dir, 'hello.wat'), '(module (func $broken');
  const buildFailure = await t.throwsAsync(daemon.reload(), { instanceOf: ReloadFailedError });
  t.is(buildFailure.code, 'EMBLY_RELOAD_FAILED');
  t.regex(buildFailure.message, /^reload failed, the previous version goes on serving: function "hello"/);
  t.deepEqual(await get(url('web')), { status: 200, body: 'v1\n' });

  await writeFile(join(dir, 'embly-project.yml'), 'functions:\n  - name: hello\n    path: ./hello.wat\n    language: cobol\n');
  const projectFailure = await t.throwsAsync(daemon.reload(), { instanceOf: ReloadFailedError });
  t.regex(projectFailure.message, /embly-project\.yml:4:\d+: .*cobol/);
  t.is(projectFailure.exitCode, 78, 'the exit status of its cause, a project file error');
  t.deepEqual(await get(url('web')), { status: 200, body: 'v1\n' });
  t.deepEqual(runnerPids('hello'), runners, 'nothing restarted');

  const reported = lifecycleLines(log);
  t.is(reported.length, 2);
  t.regex(reported[0]!, /^error embly: reload failed, the previous version goes on serving: function "hello"/);
  t.regex(reported[1]!, /^error embly: reload failed, the previous version goes on serving: .*cobol/);

  await writeProject(dir, helloProject('v2\n'));
  t.deepEqual((await daemon.reload()).functions.changed, ['hello'], 'fixed, it reloads');
  t.deepEqual(await get(url('web')), { status: 200, body: 'v2\n' });
});

test.serial('a function whose new runners do not start keeps the old version serving', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  await writeProject(dir, helloProject('v1\n'));
  const { daemon, url } = await startDaemon(t, dir, { startTimeoutMs: 3000 });
  // v2 builds, but its cached object is broken: each runner fails to load it
  // and exits (201), and none says HELLO.
  await writeProject(dir, helloProject('v2\n'));
  const [built] = await buildProject(await loadProject(dir));
  await breakObject(built!.objectPath);
  const error = await t.throwsAsync(daemon.reload(), { instanceOf: ReloadFailedError });
  t.regex(error.message, /runners did not connect for: hello$/);
  t.deepEqual(await get(url('web')), { status: 200, body: 'v1\n' });
  await waitFor(() => runnerPids('hello').length === 1, { what: 'the new runners to be stopped' });
  t.deepEqual(await get(url('web')), { status: 200, body: 'v1\n' });
});

test.serial('an unchanged project reloads nothing: the same runners serve on', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  await writeProject(dir, helloProject('v1\n'));
  const log = memoryLogger();
  const { daemon, url } = await startDaemon(t, dir, { log });
  const runners = runnerPids('hello');
  t.deepEqual(await daemon.reload(), EMPTY_SUMMARY);
  t.deepEqual(lifecycleLines(log), ['info embly: reloaded: nothing changed']);
  t.deepEqual(runnerPids('hello'), runners);
  t.deepEqual(await get(url('web')), { status: 200, body: 'v1\n' });
});

test.serial('gateways and functions come and go: an added gateway listens, a removed one stops, a moved one listens on its new port; a kept one never refuses', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  const [kept, moving, moved, removed, added] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const fn = (name: string) => ({ name, wat: answerAfterRequest(`${name}\n`) });
  await writeProject(dir, {
    functions: [fn('a'), fn('b')],
    gateways: [{ name: 'kept', port: kept, function: 'a' }, { name: 'moving', port: moving, function: 'a' }, { name: 'old', port: removed, function: 'b' }],
  });
  const { daemon } = await startDaemon(t, dir, { portOverrides: new Map(), metrics: { host: '127.0.0.1', port: 0 } });
  // A request under way on the kept gateway, kept open across the reload (an
  // idle connection might meet its keep-alive timeout while c builds).
  const onKept = await RawClient.connect(kept);
  onKept.startPost();
  // A request under way on the gateway that moves finishes there.
  const onMoving = await RawClient.connect(moving);
  onMoving.startPost();

  await writeProject(dir, {
    functions: [fn('a'), fn('c')],
    gateways: [{ name: 'kept', port: kept, function: 'c' }, { name: 'moving', port: moved, function: 'a' }, { name: 'new', port: added, function: 'c' }],
  });
  const summary = await daemon.reload();
  t.deepEqual(summary, {
    functions: { added: ['c'], changed: [], removed: ['b'] },
    gateways: {
      added: [{ name: 'new', type: 'http', function: 'c', port: added }],
      moved: [{ name: 'moving', type: 'http', function: 'a', port: moved }],
      retargeted: [{ name: 'kept', type: 'http', function: 'c', port: kept }],
      removed: ['old'],
    },
  });
  t.deepEqual(await get(`http://127.0.0.1:${added}/`), { status: 200, body: 'c\n' });
  t.deepEqual(await get(`http://127.0.0.1:${moved}/`), { status: 200, body: 'a\n' });
  t.true(await refused(moving), 'the moved gateway left its old port');
  t.true(await refused(removed), 'the removed gateway stopped listening');
  onKept.finishBody();
  const inFlight = await onKept.response();
  t.is(inFlight.body, 'a\n', 'begun before the reload: its function then');
  t.not(inFlight.headers.connection, 'close', 'the kept gateway keeps its connections');
  onKept.get();
  t.is((await onKept.response()).body, 'c\n', 'the same connection carries on, to the gateway\'s new function');

  onMoving.finishBody();
  const last = await onMoving.response();
  t.is(last.body, 'a\n');
  t.is(last.headers.connection, 'close', 'the last response of a gateway that left');
  await onMoving.closed;
  await waitFor(() => runnerPids('b').length === 0, { what: 'the removed function\'s runners to stop' });

  const metrics = await (await fetch(`http://127.0.0.1:${daemon.metricsPort}/metrics`)).text();
  t.regex(metrics, /^embly_instance_exits_total\{function="c",reason="ok"\} [12]$/m, 'the added function has its series');
  t.regex(metrics, /^embly_runners\{function="c"\} 1$/m);
  t.notRegex(metrics, /^embly_runners\{function="b"\}/m, 'the removed one left the gauges');
  t.regex(metrics, /^embly_instance_exits_total\{function="b",reason="ok"\} 0$/m, 'its counts stay');
  onKept.destroy();
});

test.serial('a function changed to isolation: process swaps its runner pool for a template and back', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  await writeProject(dir, helloProject('v1\n'));
  const { daemon, url } = await startDaemon(t, dir);
  await writeProject(dir, helloProject('v2\n', { isolation: 'process' }));
  t.deepEqual((await daemon.reload()).functions.changed, ['hello']);
  for (let i = 0; i < 3; i++) t.deepEqual(await get(url('web')), { status: 200, body: 'v2\n' });
  await writeProject(dir, helloProject('v3\n', { isolation: 'process' }));
  await daemon.reload();
  for (let i = 0; i < 3; i++) t.deepEqual(await get(url('web')), { status: 200, body: 'v3\n' }, 'a template replaced by the next');
  await writeProject(dir, helloProject('v3\n'));
  await daemon.reload();
  t.deepEqual(await get(url('web')), { status: 200, body: 'v3\n' });
});

test.serial('a limit or the env changed is a changed function; reloads asked for at once run one after the other', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  await writeProject(dir, helloProject('v1\n'));
  const { daemon } = await startDaemon(t, dir);
  await writeProject(dir, helloProject('v1\n', { maxInstances: 7 }));
  const [first, second] = await Promise.all([daemon.reload(), daemon.reload()]);
  t.deepEqual(first.functions.changed, ['hello']);
  t.deepEqual(second, EMPTY_SUMMARY, 'the second saw the first\'s result');
  await writeProject(dir, helloProject('v1\n', { maxInstances: 7, env: { GREETING: 'hi' } }));
  t.deepEqual((await daemon.reload()).functions.changed, ['hello']);
});

test.serial('a reload while the daemon drains is refused', async (t) => {
  const dir = await tempDir(t, 'embly-reload-');
  await writeProject(dir, helloProject('v1\n'));
  const { daemon } = await startDaemon(t, dir);
  const drained = daemon.drain(10_000);
  const error = await t.throwsAsync(daemon.reload(), { instanceOf: ReloadFailedError });
  t.is(error.message, 'reload refused: the daemon is stopping');
  await drained;
});
