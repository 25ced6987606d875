// `embly run` as a service manager drives it (docs/service.md): SIGHUP
// reloads under load with nothing dropped and no 5xx, a broken change is
// reported and changes nothing; SIGTERM drains a request in flight, answers
// it with `Connection: close` and exits 0; a second SIGTERM kills at once, and
// so does the end of the grace period. The real daemon, through bin/embly.js.
import test, { type ExecutionContext } from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, writeProject, type ProjectSpec } from '../daemon/helpers.js';
import { bodyRuns, startLoad } from '../helpers/load.js';
import { freePort, RawClient, refused } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait.js';
import { answerAfterRequest } from '../helpers/wat.js';
import { embly, startEmbly } from './helpers.js';

const project = (body: string, port: number): ProjectSpec => ({
  functions: [{ name: 'hello', wat: answerAfterRequest(body, { logStart: true }) }],
  gateways: [{ name: 'web', port, function: 'hello' }],
});

/** `embly run` on a hello project (answering `v1`) on a port of its own. */
async function serve(t: ExecutionContext, flags: string[] = []) {
  const dir = await tempDir(t, 'embly-service-');
  const port = await freePort();
  await writeProject(dir, project('v1\n', port));
  const run = startEmbly(['run', dir, '--runners', '1', '--socket', join(dir, 'embly.sock'), '--metrics', 'off', ...flags], 'embly: serving', 60_000);
  t.teardown(() => { run.child.kill('SIGKILL'); });
  await run.started;
  const logged = (line: RegExp, what: string) => waitFor(() => line.test(run.log()), { timeoutMs: 60_000, what: () => `${what} in the log:\n${run.log()}` });
  return { dir, port, run, logged };
}

async function get(port: number): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/`);
  return { status: response.status, body: await response.text() };
}

const READING = /\[hello [0-9a-f]{16}\] reading/;

test('SIGHUP under load swaps a changed function: nothing dropped, no 5xx, each client gets the old body, then only the new', async (t) => {
  const { dir, port, run, logged } = await serve(t);
  const load = startLoad(`http://127.0.0.1:${port}/`, { keepAlive: 4, fresh: 2 });
  await waitFor(() => load.outcomes.length >= 50, { what: 'the load to be under way' });

  await writeProject(dir, project('v2\n', port));
  run.child.kill('SIGHUP');
  await logged(/^info embly: reloaded: functions changed: hello$/m, 'the reload');
  const reloadedAt = Date.now();
  await waitFor(() => [0, 1, 2, 3, 4, 5].every((loop) => load.outcomes.some((o) => o.loop === loop && o.sentAt > reloadedAt)),
    { what: 'every loop to have been answered after the reload' });
  const outcomes = await load.stop();

  t.deepEqual(outcomes.filter((o) => o.error !== null || o.status !== 200), [], 'every request answered 200');
  for (let loop = 0; loop < 6; loop++) t.deepEqual(bodyRuns(outcomes, loop), ['v1\n', 'v2\n'], `loop ${loop}: the old body, then only the new`);
  run.child.kill('SIGTERM');
  t.is((await run.exited).code, 0);
});

test('SIGHUP with a broken change reports it and keeps the old version serving: a wat syntax error, a bad project file', async (t) => {
  const { dir, port, run, logged } = await serve(t);
  await writeFile(join(dir, 'hello.wat'), '(module (func $broken');
  run.child.kill('SIGHUP');
  await logged(/^error embly: reload failed, the previous version goes on serving: function "hello"/m, 'the build failure');
  t.deepEqual(await get(port), { status: 200, body: 'v1\n' });

  await writeFile(join(dir, 'embly-project.yml'), 'functions: [');
  run.child.kill('SIGHUP');
  await logged(/^error embly: reload failed, the previous version goes on serving: .*embly-project\.yml:\d+:\d+: /m, 'the project file error');
  t.deepEqual(await get(port), { status: 200, body: 'v1\n' });
  t.is(run.child.exitCode, null, 'still serving');
  run.child.kill('SIGTERM');
  t.is((await run.exited).code, 0);
});

test('SIGTERM drains: the request in flight is answered in full with Connection: close, idle connections close, new ones are refused; exit 0', async (t) => {
  const { port, run, logged } = await serve(t);
  const slow = await RawClient.connect(port);
  slow.startPost();
  await logged(READING, 'the slow request\'s instance');
  const idle = await RawClient.connect(port);
  idle.get();
  t.is((await idle.response()).body, 'v1\n');

  run.child.kill('SIGTERM');
  await logged(/^info embly: draining: .* 2 client connections open; the grace period ends in 10 s$/m, 'the drain');
  await idle.closed;
  t.true(await refused(port), 'no new connection is accepted');
  t.is(run.child.exitCode, null, 'it waits for the request in flight');

  slow.finishBody();
  const answer = await slow.response();
  t.is(answer.status, 200);
  t.is(answer.body, 'v1\n');
  t.is(answer.headers.connection, 'close');
  await slow.closed;
  const { code, stderr } = await run.exited;
  t.is(code, 0, stderr);
  t.regex(stderr, /^info embly: drained: every request under way was answered$/m);
});

test('a second SIGTERM during the drain kills at once; exit 0', async (t) => {
  const { port, run, logged } = await serve(t, ['--grace', '60m']);
  const slow = await RawClient.connect(port);
  slow.startPost();
  await logged(READING, 'the slow request\'s instance');
  run.child.kill('SIGTERM');
  await logged(/^info embly: draining: /m, 'the drain');
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.exited; // an hour before its grace period would end
  t.is(code, 0, stderr);
  t.regex(stderr, /^warn embly: stopping at once: killing 1 instance running, 1 client connection open$/m);
  await slow.closed;
  await t.throwsAsync(slow.response(), { message: /closed before a complete response/ });
});

test('the end of the grace period kills a request that outlives it; exit 0', async (t) => {
  const { port, run, logged } = await serve(t, ['--grace', '1s']);
  const slow = await RawClient.connect(port);
  slow.startPost();
  await logged(READING, 'the slow request\'s instance');
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.exited;
  t.is(code, 0, stderr);
  t.regex(stderr, /^info embly: draining: 1 instance running, 1 client connection open; the grace period ends in 1 s$/m);
  t.regex(stderr, /^warn embly: the grace period is over: killing 1 instance running, 1 client connection open$/m);
  await slow.closed;
  await t.throwsAsync(slow.response(), { message: /closed before a complete response/ });
});

test('--grace takes seconds or a duration, and refuses anything else', async (t) => {
  const bad = await embly('run', '--grace', 'soon');
  t.is(bad.code, 64);
  t.regex(bad.stderr, /--grace.*It must be seconds \("10"\) or a duration/);
});
