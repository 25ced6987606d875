// `embly run` serves its control socket: emblyctl finds it (--control, or
// $EMBLY_CONTROL), `emblyctl stop` stops the daemon (exit 0, the socket
// removed) and returns once it has, ending a follower of the logs with it.
import test from 'ava';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DaemonStatus } from '../../src/control/status.js';
import { HELLO } from '../gateways/functions.js';
import { startEmbly } from '../cli/helpers.js';
import { tempDir, watProject } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { emblyctl, emblyctlJson, startEmblyctl } from './helpers.js';
import { freePort } from '../helpers/ports.js';

test('embly run answers emblyctl; emblyctl stop stops it (exit 0) and returns once it has', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }]);
  const project = join(dir, 'embly-project.yml');
  await writeFile(project, (await readFile(project, 'utf8')).replace('port: 8080', `port: ${await freePort()}`));
  const path = join(await tempDir(t, 'embly-control-'), 'control.sock');
  const run = startEmbly(['run', dir, '--runners', '1', '--socket', join(dir, 'embly.sock'), '--metrics', 'off', '--host', '127.0.0.1'], 'control:', 60_000, { EMBLY_CONTROL: path });
  t.teardown(() => run.child.kill('SIGKILL'));
  await run.started;
  const status = await emblyctlJson<DaemonStatus>(t, ['status', '--control', path]);
  t.like(status, { pid: run.child.pid, controlSocket: path, project: join(dir, 'embly-project.yml') });
  t.is((await fetch(`http://${status.gateways[0]!.address}/`)).status, 200);
  const follow = startEmblyctl(['logs', '-f', '--control', path]);
  await waitFor(() => follow.output().includes('ended: ok'), { timeoutMs: 30_000, what: () => `the request's end in the follower: ${follow.output()}` });
  const stop = await emblyctl(['stop'], { env: { EMBLY_CONTROL: path } });
  t.is(stop.code, 0, stop.stderr);
  t.is(stop.stdout, 'embly stopped\n');
  t.false(existsSync(path), 'the control socket is gone once stop has returned');
  const ended = await run.exited;
  t.is(ended.code, 0, ended.stderr);
  t.regex(ended.stderr, /^info embly: stopping$/m);
  const followed = await follow.done;
  t.is(followed.code, 0, followed.stderr);
  t.regex(followed.stdout, /info embly: stopping$/m);
  t.is((await emblyctl(['status', '--control', path])).code, 3);
});

test('a second embly run on a control socket in use is refused in one line (exit 73), and the first serves on', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }]);
  const project = join(dir, 'embly-project.yml');
  await writeFile(project, (await readFile(project, 'utf8')).replace('port: 8080', `port: ${await freePort()}`));
  const path = join(await tempDir(t, 'embly-control-'), 'control.sock');
  const args = (socket: string) => ['run', dir, '--runners', '1', '--socket', join(dir, socket), '--metrics', 'off', '--host', '127.0.0.1', '--control', path];
  const first = startEmbly(args('first.sock'), 'control:', 60_000);
  t.teardown(() => first.child.kill('SIGKILL'));
  await first.started;
  // Its own master socket and gateway port: only the control socket is the first one's.
  await writeFile(project, (await readFile(project, 'utf8')).replace(/port: \d+/, `port: ${await freePort()}`));
  const second = startEmbly(args('second.sock'), 'control:', 60_000);
  await t.throwsAsync(second.started, { message: /exited before/ });
  const { code, stderr } = await second.exited;
  t.is(code, 73, stderr);
  t.is(stderr.trimEnd().split('\n').at(-1), `embly: control socket ${path} is in use by pid ${first.child.pid!} (another embly run?); stop it, or choose another with --control`);
  t.is((await emblyctlJson<DaemonStatus>(t, ['status', '--control', path])).pid, first.child.pid!);
});
