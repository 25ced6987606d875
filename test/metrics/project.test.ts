// What /metrics says of the project: each function's build durations and
// max_instances, and where `embly run` serves the page (the project file's
// `metrics:`, which --metrics overrides).
import test, { type ExecutionContext } from 'ava';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { buildProject } from '../../src/compile/project-build.js';
import { buildMetrics } from '../../src/metrics/builds.js';
import { loadProject } from '../../src/project/index.js';
import { projectDir, startEmbly } from '../cli/helpers.js';
import { startDaemon, watProject } from '../daemon/helpers.js';
import { HELLO } from '../gateways/functions.js';
import { sample, scrape } from './helpers.js';
import { freePort } from '../helpers/ports.js';

const METRICS = { metrics: { host: '127.0.0.1', port: 0 } };

test('a build that compiled is observed once per function, with its language; one that compiled nothing is not', async (t) => {
  const dir = await watProject(t, [{ name: 'built', wat: HELLO }, { name: 'also', wat: HELLO }]);
  const fresh = await buildProject(await loadProject(dir));
  t.true(fresh.every((b) => b.compiled && b.buildMs > 0));
  const first = await startDaemon(t, dir, { ...METRICS, built: fresh });
  const page = await scrape(first.daemon.metricsPort!);
  for (const b of fresh) {
    const labels = `function="${b.spec.name}",language="wat"`;
    t.is(sample(page, 'embly_build_duration_seconds_count', labels), 1);
    t.true(Math.abs(sample(page, 'embly_build_duration_seconds_sum', labels) - b.buildMs / 1000) < 1e-6);
  }
  // startDaemon builds again: nothing changed, nothing compiled, nothing observed.
  const second = await startDaemon(t, dir, METRICS);
  const cached = await scrape(second.daemon.metricsPort!);
  t.is(sample(cached, 'embly_build_duration_seconds_count', 'function="built",language="wat"'), 0);
  t.is(sample(cached, 'embly_build_duration_seconds_bucket', 'le="+Inf",function="built",language="wat"'), 0, 'the series exists from the start');
});

test('recording builds is a method: a reload\'s build adds to the first', async (t) => {
  const dir = await watProject(t, [{ name: 'reloaded', wat: HELLO }]);
  const project = await loadProject(dir);
  const built = await buildProject(project);
  const registry = new Registry();
  const builds = buildMetrics(registry, project.functions);
  builds.record(built);
  builds.record(built);
  const page = await registry.metrics();
  t.is(sample(page, 'embly_build_duration_seconds_count', 'function="reloaded",language="wat"'), 2);
});

test('embly_instances_max is each function\'s max_instances', async (t) => {
  const dir = await watProject(t, [{ name: 'limited', wat: HELLO, maxInstances: 7 }, { name: 'default', wat: HELLO }]);
  const { daemon } = await startDaemon(t, dir, METRICS);
  const page = await scrape(daemon.metricsPort!);
  t.is(sample(page, 'embly_instances_max', 'function="limited"'), 7);
  t.is(sample(page, 'embly_instances_max', 'function="default"'), 1000);
});

/** `embly run` of a one-function project (no gateways) with `metrics` lines, until `ready` is on stdout; stopped by SIGTERM when the test ends. */
async function runWithMetrics(t: ExecutionContext, metrics: string[], flags: string[], ready: string) {
  const dir = await projectDir({
    'embly-project.yml': ['functions:', '  - name: hello', '    path: ./hello.wat', '    language: wat', ...metrics].join('\n') + '\n',
    'hello.wat': HELLO,
  });
  const run = startEmbly(['run', dir, '--runners', '1', '--socket', join(dir, 'embly.sock'), ...flags], ready, 60_000);
  let stdout = '';
  run.child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  t.teardown(() => { run.child.kill('SIGKILL'); });
  await run.started;
  return { ...run, stdout: () => stdout };
}

test('embly run serves /metrics where the project file\'s metrics: listen says', async (t) => {
  const port = await freePort();
  const run = await runWithMetrics(t, ['metrics:', `  listen: "127.0.0.1:${port}"`], [], '/metrics');
  const page = await scrape(port);
  t.is(sample(page, 'embly_runners', 'function="hello"'), 1);
  t.regex(run.stdout(), new RegExp(`metrics: curl http://127\\.0\\.0\\.1:${port}/metrics`));
});

test('embly run --metrics wins over the project file', async (t) => {
  const [inFile, onFlag] = [await freePort(), await freePort()];
  await runWithMetrics(t, ['metrics:', `  listen: "127.0.0.1:${inFile}"`], ['--metrics', `127.0.0.1:${onFlag}`], '/metrics');
  t.is(sample(await scrape(onFlag), 'embly_runners', 'function="hello"'), 1);
  await t.throwsAsync(fetch(`http://127.0.0.1:${inFile}/metrics`), undefined, 'nothing where the file said');
});

test('metrics: off serves no metrics', async (t) => {
  const run = await runWithMetrics(t, ['metrics: off'], [], 'embly: serving');
  run.child.kill('SIGTERM');
  const { code, stderr } = await run.exited;
  t.is(code, 0, stderr); // SIGTERM drains, then exits 0
  t.notRegex(run.stdout(), /metrics/);
});
