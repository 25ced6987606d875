// Fault: reloads with a broken function, under load (docs/faults.md). Each
// reload rejects and says why in the log; what served before serves on
// (another function's good change included: a reload is all or nothing), no
// request sees an error, no runner restarts; then a fixed reload swaps.
import test from 'ava';
import { buildProject } from '../../src/compile/project-build.js';
import { ReloadFailedError } from '../../src/errors.js';
import { memoryLogger } from '../../src/log.js';
import { loadProject } from '../../src/project/index.js';
import { bodyRuns, startLoad } from '../helpers/load.js';
import { answerAfterRequest } from '../helpers/wat.js';
import { breakObject, runnerPids, startDaemon, tempDir, writeProject, type ProjectSpec } from '../daemon/helpers.js';

const project = (alpha: string, beta: string, alphaWat?: string): ProjectSpec => ({
  functions: [
    { name: 'alpha', wat: alphaWat ?? answerAfterRequest(alpha) },
    { name: 'beta', wat: answerAfterRequest(beta) },
  ],
  gateways: [{ name: 'alpha', port: 8080, function: 'alpha' }, { name: 'beta', port: 8081, function: 'beta' }],
});

test('reloads with a broken function reject, logged, under load: the previous version serves on, untouched; a fixed one then swaps', async (t) => {
  const dir = await tempDir(t, 'embly-faults-reload-');
  await writeProject(dir, project('alpha v1\n', 'beta v1\n'));
  const log = memoryLogger();
  const { daemon, url } = await startDaemon(t, dir, { log, startTimeoutMs: 3000 });
  const runners = [...runnerPids('alpha'), ...runnerPids('beta')].sort();
  const loads = ['alpha', 'beta'].map((g) => startLoad(url(g), { keepAlive: 2, fresh: 1 }));
  t.teardown(() => Promise.all(loads.map((l) => l.stop())));
  const breakages: { name: string; apply(): Promise<void>; why: RegExp }[] = [
    {
      name: 'a wat syntax error',
      apply: () => writeProject(dir, project('', 'beta v2\n', '(module (func $broken')),
      why: /function "alpha"/,
    },
    {
      name: 'runners that cannot load the build',
      apply: async () => {
        await writeProject(dir, project('alpha v2\n', 'beta v2\n'));
        const alpha = (await buildProject(await loadProject(dir))).find((b) => b.spec.name === 'alpha')!;
        await breakObject(alpha.objectPath);
      },
      why: /runners did not connect for: alpha$/,
    },
  ];
  for (const broken of breakages) {
    await broken.apply();
    const error = await t.throwsAsync(daemon.reload(), { instanceOf: ReloadFailedError }, broken.name);
    t.regex(error!.message, /^reload failed, the previous version goes on serving: /, broken.name);
    t.regex(error!.message, broken.why, broken.name);
    t.true(log.lines.includes(`error embly: ${error!.message}`), `${broken.name}: logged`);
  }
  t.deepEqual([...runnerPids('alpha'), ...runnerPids('beta')].sort(), runners, 'no runner restarted');

  // (alpha v2's broken object stays in the build cache: the fix is a v3)
  await writeProject(dir, project('alpha v3\n', 'beta v3\n'));
  t.deepEqual((await daemon.reload()).functions.changed.sort(), ['alpha', 'beta'], 'fixed, it reloads');
  for (const g of ['alpha', 'beta']) t.is(await (await fetch(url(g))).text(), `${g} v3\n`);
  const outcomes = await Promise.all(loads.map((l) => l.stop()));
  outcomes.forEach((o, i) => {
    const name = ['alpha', 'beta'][i]!;
    t.deepEqual(o.filter((x) => x.status !== 200 || x.error !== null), [], `${name}: every request answered 200`);
    for (let loop = 0; loop < 3; loop++) {
      const runs = bodyRuns(o, loop);
      t.true(runs.length >= 1 && runs.length <= 2 && runs[0] === `${name} v1\n` && (runs.length === 1 || runs[1] === `${name} v3\n`), `${name} loop ${loop}: ${JSON.stringify(runs)}`);
    }
  });
  t.is(log.lines.filter((l) => l.startsWith('error embly: reload failed')).length, breakages.length);
});
