// /metrics of a real daemon, scraped over HTTP and checked by promtool
// (Debian's prometheus package, installed by scripts/setup.sh --test).
import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { HELLO, TRAP } from '../gateways/functions.js';
import { startDaemon, watProject } from '../daemon/helpers.js';

const run = promisify(execFile);

async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/** The value of one sample, its labels written as in the exposition. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('the spawn histogram, the exits and the gateway requests count exactly the requests served; promtool accepts the page', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }, { name: 'trap', wat: TRAP }]);
  const { daemon, url } = await startDaemon(t, dir, { metrics: { host: '127.0.0.1', port: 0 } });
  const port = daemon.metricsPort!;
  const before = await scrape(port);
  t.is(sample(before, 'embly_spawn_duration_seconds_count', 'function="hello",isolation="instance"'), 0);
  for (let i = 0; i < 7; i++) t.is((await fetch(url('hello'))).status, 200);
  for (let i = 0; i < 3; i++) t.is((await fetch(url('trap'))).status, 502);
  const after = await scrape(port);
  t.is(sample(after, 'embly_spawn_duration_seconds_count', 'function="hello",isolation="instance"'), 7);
  t.is(sample(after, 'embly_instance_exits_total', 'function="hello",reason="ok"'), 7);
  t.is(sample(after, 'embly_instance_exits_total', 'function="trap",reason="trap"'), 3);
  t.is(sample(after, 'embly_instance_duration_seconds_count', 'function="trap"'), 3);
  t.is(sample(after, 'embly_gateway_requests_total', 'gateway="hello",code="200"'), 7);
  t.is(sample(after, 'embly_gateway_requests_total', 'gateway="trap",code="502"'), 3);
  t.is(sample(after, 'embly_gateway_request_duration_seconds_count', 'gateway="hello"'), 7);
  t.false(Number.isNaN(sample(after, 'embly_gateway_connections', 'gateway="hello",type="http"')));
  t.is(sample(after, 'embly_runners', 'function="hello"'), 1);
  // Each hello answered more than 44 bytes, and its request went the other way.
  t.true(sample(after, 'embly_routed_messages_total', 'kind="data"') >= 14);
  t.true(Number(/^embly_routed_bytes_total (\d+)$/m.exec(after)?.[1]) >= 7 * 44);
  t.is(sample(after, 'embly_instances', 'function="hello"'), 0);
  t.regex(after, /^embly_build_info\{version="[^"]+"\} 1$/m);
  t.regex(after, /^process_cpu_seconds_total /m, 'the default process metrics');
  t.false(/address=/.test(after), 'never an instance address as a label');
  // promtool reads the page from stdin; a problem is a line on stdout or stderr and exit 1.
  const check = run('promtool', ['check', 'metrics']);
  check.child.stdin!.end(after);
  const { stdout, stderr } = await check;
  t.is(stdout + stderr, '');
});

test('metrics listen on loopback, and answer 404 elsewhere than /metrics', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }]);
  const { daemon } = await startDaemon(t, dir, { metrics: { host: '127.0.0.1', port: 0 } });
  t.is((await fetch(`http://127.0.0.1:${daemon.metricsPort}/`)).status, 404);
  // Not on another address of this machine: the loopback-only listener refuses them.
  const { networkInterfaces } = await import('node:os');
  const other = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
  if (other) await t.throwsAsync(fetch(`http://${other.address}:${daemon.metricsPort}/metrics`));
  else t.log('no non-loopback IPv4 address on this machine to try');
});
