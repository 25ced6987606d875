// `embly dev` as a user runs it: a wat function's source edited while an
// in-test client keeps sending requests. The new answer appears with no
// request failing; a syntax error is reported and the old answer stays. A
// function added to the project file is served, and its sources watched.
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir, writeProject } from '../daemon/helpers.js';
import { startLoad } from '../helpers/load.js';
import { freePort } from '../helpers/raw-http.js';
import { waitFor } from '../helpers/wait.js';
import { answerAfterRequest } from '../helpers/wat.js';
import { runProcess } from '../helpers/objects.js';
import { emblyScript, startEmbly } from './helpers.js';

test('embly dev swaps in an edited function with no request failing, and keeps the old one over a syntax error', async (t) => {
  const dir = await tempDir(t, 'embly-dev-');
  const port = await freePort();
  await writeProject(dir, { functions: [{ name: 'hello', wat: answerAfterRequest('one\n') }], gateways: [{ name: 'web', port, function: 'hello' }] });
  const socket = join(await tempDir(t, 'embly-dev-socket-'), 'embly.sock');
  const dev = startEmbly(['dev', dir, '--host', '127.0.0.1', '--socket', socket, '--runners', '1', '--metrics', 'off'], 'embly dev: watching', 120_000);
  let stdout = '';
  dev.child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  t.teardown(() => { dev.child.kill('SIGKILL'); });
  await dev.started;

  const url = `http://127.0.0.1:${port}/`;
  const load = startLoad(url, { keepAlive: 1, fresh: 1 });
  await waitFor(() => load.outcomes.length >= 10, { timeoutMs: 30_000, what: 'requests answered before the edit' });
  await writeFile(join(dir, 'notes.log'), 'not a source: no rebuild\n');
  await writeFile(join(dir, 'hello.wat'), answerAfterRequest('two\n'));
  await waitFor(() => load.outcomes.slice(-4).length === 4 && load.outcomes.slice(-4).every((o) => o.body === 'two\n'), { timeoutMs: 60_000, what: 'the edited answer' });
  await waitFor(() => /rebuilt in \d+(\.\d)? m?s: functions changed: hello/.test(stdout), { timeoutMs: 10_000, what: 'the rebuild line' });

  await writeFile(join(dir, 'hello.wat'), '(module (func (export "_start") (unknown-instruction)))');
  await waitFor(() => /rebuild failed after [\d.]+ m?s; the previous version serves on:\n.*hello/.test(stdout), { timeoutMs: 60_000, what: 'the build error' });
  const sentAfterError = Date.now();
  await waitFor(() => load.outcomes.filter((o) => o.sentAt > sentAfterError).length >= 10, { timeoutMs: 30_000, what: 'requests after the error' });
  const outcomes = await load.stop();

  t.deepEqual(outcomes.filter((o) => o.status !== 200 || o.error !== null), [], 'no request failed');
  t.true(outcomes.every((o) => o.body === 'one\n' || o.body === 'two\n'));
  t.true(outcomes.filter((o) => o.sentAt > sentAfterError).every((o) => o.body === 'two\n'), 'the old version serves on after the error');
  t.regex(stdout, /unknown-instruction|unexpected|error/i, 'the compiler says what is wrong');
  t.notRegex(stdout, /nothing changed/, 'a file that is no source rebuilds nothing');

  dev.child.kill('SIGTERM');
  t.is((await dev.exited).code, 0, dev.log());
});

test('embly dev serves a function that embly new adds to the project file, and watches its sources from then on', async (t) => {
  const dir = await tempDir(t, 'embly-dev-');
  const [port, added] = [await freePort(), await freePort()];
  await writeProject(dir, { functions: [{ name: 'hello', wat: answerAfterRequest('one\n') }], gateways: [{ name: 'web', port, function: 'hello' }] });
  const socket = join(await tempDir(t, 'embly-dev-socket-'), 'embly.sock');
  const dev = startEmbly(['dev', dir, '--host', '127.0.0.1', '--socket', socket, '--runners', '1', '--metrics', 'off'], 'embly dev: watching', 120_000);
  t.teardown(() => { dev.child.kill('SIGKILL'); });
  await dev.started;

  const made = await runProcess(process.execPath, [emblyScript, 'new', 'second', '--language', 'wat', '--gateway', `http:${added}`], '', dir);
  t.is(made.code, 0, made.stderr);
  const answer = async () => fetch(`http://127.0.0.1:${added}/`).then((r) => r.text(), () => '');
  await waitFor(async () => (await answer()) === 'Hello from second!\n', { timeoutMs: 60_000, what: 'the added function' });
  await writeFile(join(dir, 'second', 'second.wat'), answerAfterRequest('edited\n'));
  await waitFor(async () => (await answer()) === 'edited\n', { timeoutMs: 60_000, what: "the added function's edit" });
  t.is(await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text()), 'one\n');
});
