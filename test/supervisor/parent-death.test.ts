// A runner does not outlive the daemon that started it: the parent-death
// signal (PR_SET_PDEATHSIG SIGKILL) ends it when the daemon is killed.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { waitFor } from '../helpers/wait.js';
import { firstChunk, procState, waiterFunction } from './helpers.js';

const daemonSide = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures', 'daemon-side.js');

test('killing the daemon side with SIGKILL kills its runner', async (t) => {
  const waiter = await waiterFunction();
  // Our pipe is the runner's stdin and stays open here: the runner has no
  // reason to end except its parent's death.
  const daemon = spawn(process.execPath, [daemonSide, waiter.objectPath, waiter.sha256], { stdio: ['pipe', 'pipe', 'inherit'] });
  const pid = Number((await firstChunk(daemon.stdout)).toString().trim());
  t.true(pid > 0);
  t.regex((await procState(pid)) ?? 'gone', /^[RS]$/, 'the runner runs while its parent lives');
  daemon.stdin.write('still there?');
  t.is((await firstChunk(daemon.stdout)).toString(), 'still there?', 'and serves: it echoes what its parent passes on');

  daemon.kill('SIGKILL');
  await new Promise((resolve) => daemon.on('exit', resolve));
  // Gone, or a zombie waiting for whoever inherited it to reap it: not running.
  await waitFor(async () => { const s = await procState(pid); return s === null || s === 'Z' || s === 'X'; }, { what: `runner ${pid} to die` });
  t.pass('the runner is no longer running');
  daemon.stdin.end();
});
