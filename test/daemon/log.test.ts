// The daemon's log: one line per event, the level first, then the part of
// the daemon that saw it (master, supervisor/<function>, gateway/<name>), or
// for a function's own lines and ends the tag [function address].
import test from 'ava';
import { memoryLogger } from '../../src/log.js';
import { HELLO, TRAP } from '../gateways/functions.js';
import { stdoutLines } from '../helpers/wat.js';
import { waitFor } from '../helpers/wait.js';
import { runnerPids, startDaemon, watProject } from './helpers.js';

const ADDRESS = '[0-9a-f]{16}';

async function logged(lines: string[], pattern: RegExp): Promise<void> {
  await waitFor(() => lines.some((l) => pattern.test(l)), { what: () => `a line like ${pattern} in:\n${lines.join('\n')}` });
}

test('a function\'s log lines and ends are info, its failures and the gateway\'s detail warnings', async (t) => {
  const log = memoryLogger();
  const { url } = await startDaemon(t, await watProject(t, [
    { name: 'chatty', wat: stdoutLines('hi there', 1) },
    { name: 'trap', wat: TRAP },
  ]), { log });
  t.is((await fetch(url('chatty'))).status, 502); // it logs, but answers nothing
  t.is((await fetch(url('trap'))).status, 502);
  await logged(log.lines, new RegExp(`^info \\[chatty ${ADDRESS}\\] hi there$`));
  await logged(log.lines, new RegExp(`^info \\[chatty ${ADDRESS}\\] ended: ok$`));
  await logged(log.lines, new RegExp(`^warn \\[trap ${ADDRESS}\\] ended: trap$`));
  await logged(log.lines, /^warn gateway\/trap: GET \/ -> 502: /);
  t.false(log.lines.some((l) => !/^(info|warn) /.test(l)), log.lines.join('\n'));
});

test('a runner killed by nobody\'s request is an error of its function\'s supervisor, its replacement a warning', async (t) => {
  const log = memoryLogger();
  const { daemon } = await startDaemon(t, await watProject(t, [{ name: 'hello', wat: HELLO }]), { log });
  const [runner] = runnerPids('hello');
  const replaced = new Promise((resolve) => daemon.master.once('runner', resolve));
  process.kill(runner!, 'SIGKILL');
  await replaced;
  t.true(log.lines.includes(`error supervisor/hello: runner ${runner} (runner hello) killed by SIGKILL`), log.lines.join('\n'));
  t.true(log.lines.includes(`warn supervisor/hello: runner ${runner} (runner hello) killed by SIGKILL; starting a replacement`), log.lines.join('\n'));
});
