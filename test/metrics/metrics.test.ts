// /metrics of a real daemon, scraped over HTTP and checked by promtool
// (Debian's prometheus package) in the Prometheus text format, and by the
// Python client's strict OpenMetrics parser (python3-prometheus-client) in
// OpenMetrics; scripts/setup.sh --test installs both.
import test from 'ava';
import { execFile } from 'node:child_process';
import { request, type ClientRequest } from 'node:http';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatAddress } from '../../src/instance-address.js';
import { HELLO, TRAP } from '../gateways/functions.js';
import { startDaemon, tempDir, watProject } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const METRICS = { host: '127.0.0.1', port: 0 };
/** What Prometheus 2.x sends. */
const PROMETHEUS_ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

async function scrape(port: number, accept?: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: accept ? { accept } : {} });
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/** The value of one sample, its labels written as in the exposition. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const spawnLabels = (fn: string, start: 'cold' | 'warm', isolation = 'instance') => `function="${fn}",isolation="${isolation}",start="${start}"`;
const spawns = (text: string, fn: string, start: 'cold' | 'warm', isolation?: string) =>
  sample(text, 'embly_spawn_duration_seconds_count', spawnLabels(fn, start, isolation));

/** promtool reads the page from stdin; a problem is a line on stdout or stderr and exit 1. */
async function promtool(text: string): Promise<string> {
  const check = run('promtool', ['check', 'metrics']);
  check.child.stdin!.end(text);
  const { stdout, stderr } = await check;
  return stdout + stderr;
}

interface OpenMetricsSample {
  family: string; type: string; name: string; labels: Record<string, string>; value: number;
  exemplar: { labels: Record<string, string>; value: number } | null;
}

/** Debian's python3 (not one earlier on PATH, without the package): its parser raises on anything OpenMetrics does not allow. */
const PARSE_OPENMETRICS = `
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for family in text_string_to_metric_families(sys.stdin.read()):
    for s in family.samples:
        exemplar = s.exemplar and {'labels': s.exemplar.labels, 'value': s.exemplar.value}
        print(json.dumps({'family': family.name, 'type': family.type, 'name': s.name, 'labels': s.labels, 'value': s.value, 'exemplar': exemplar}))
`;

async function parseOpenMetrics(text: string): Promise<OpenMetricsSample[]> {
  const parse = run('/usr/bin/python3', ['-c', PARSE_OPENMETRICS], { maxBuffer: 64 << 20 });
  parse.child.stdin!.end(text);
  const { stdout } = await parse;
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as OpenMetricsSample);
}

test('the spawn histogram, the exits and the gateway requests count exactly the requests served; promtool accepts the page', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }, { name: 'trap', wat: TRAP }]);
  const { daemon, url } = await startDaemon(t, dir, { metrics: METRICS });
  const port = daemon.metricsPort!;
  const before = await scrape(port);
  t.is(spawns(before, 'hello', 'cold') + spawns(before, 'hello', 'warm'), 0);
  for (let i = 0; i < 7; i++) t.is((await fetch(url('hello'))).status, 200);
  for (let i = 0; i < 3; i++) t.is((await fetch(url('trap'))).status, 502);
  const after = await scrape(port);
  // One runner per function (startDaemon): its first instance is the cold one.
  t.is(spawns(after, 'hello', 'cold'), 1);
  t.is(spawns(after, 'hello', 'warm'), 6);
  t.is(spawns(after, 'trap', 'cold') + spawns(after, 'trap', 'warm'), 3, 'a trap in its first instruction still started');
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
  t.is(await promtool(after), '');
});

test('a spawn lasts from the request to the first instruction: more than nothing, less than the instance\'s whole life', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }]);
  const { daemon, url } = await startDaemon(t, dir, { metrics: METRICS });
  for (let i = 0; i < 20; i++) t.is((await fetch(url('hello'))).status, 200);
  // The exits follow the answers: all 20 are in once each has a duration.
  await waitFor(async () => sample(await scrape(daemon.metricsPort!), 'embly_instance_duration_seconds_count', 'function="hello"') === 20, { what: '20 instance ends' });
  const text = await scrape(daemon.metricsPort!);
  const spawnSum = sample(text, 'embly_spawn_duration_seconds_sum', spawnLabels('hello', 'cold')) + sample(text, 'embly_spawn_duration_seconds_sum', spawnLabels('hello', 'warm'));
  const lifeSum = sample(text, 'embly_instance_duration_seconds_sum', 'function="hello"');
  // Both run from the same request time; the spawn ends where the instance
  // starts, its life where the master reads its EXIT. A runner time read on
  // another clock, or put on the master's with a wrong origin, breaks one side.
  t.true(spawnSum > 0, `spawns took ${spawnSum} s in all`);
  t.true(spawnSum < lifeSum, `spawns took ${spawnSum} s, the instances' lives ${lifeSum} s`);
});

/** Spawns `child`, then answers as HELLO does: reads the request until EOF, writes "hello". */
const PARENT = `(module
  (import "embly" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "embly" "write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 1024) "HTTP/1.1 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nhello\\n")
  (data (i32.const 2048) "child")
  (func (export "_start")
    (if (call $spawn (i32.const 2048) (i32.const 5) (i32.const 2056)) (then unreachable))
    (block $eof (loop $more
      (drop (call $events (i64.const -1) (i32.const 0) (i32.const 4) (i32.const 4)))
      (if (i32.eqz (call $read (i32.const 1) (i32.const 4096) (i32.const 60000) (i32.const 8)))
        (then (br_if $eof (i32.eqz (i32.load (i32.const 8))))))
      (br $more)))
    (drop (call $write (i32.const 1) (i32.const 1024) (i32.const 44) (i32.const 12)))))`;
const CHILD = '(module (memory (export "memory") 1) (func (export "_start")))';

test('a guest\'s spawn of a child is counted under the child, from the guest\'s call (the runner\'s time) to the child\'s first instruction', async (t) => {
  const dir = await watProject(t, [{ name: 'parent', wat: PARENT }, { name: 'child', wat: CHILD }]);
  const { daemon, url } = await startDaemon(t, dir, { metrics: METRICS });
  for (let i = 0; i < 5; i++) t.is((await fetch(url('parent'))).status, 200);
  // A child's spawn is recorded before its parent's spawn call returns; its end may come later.
  await waitFor(async () => sample(await scrape(daemon.metricsPort!), 'embly_instance_exits_total', 'function="child",reason="ok"') === 5, { what: '5 children ended' });
  const text = await scrape(daemon.metricsPort!);
  t.is(spawns(text, 'child', 'cold'), 1);
  t.is(spawns(text, 'child', 'warm'), 4);
  t.is(spawns(text, 'parent', 'cold') + spawns(text, 'parent', 'warm'), 5);
  const childSpawns = sample(text, 'embly_spawn_duration_seconds_sum', spawnLabels('child', 'cold')) + sample(text, 'embly_spawn_duration_seconds_sum', spawnLabels('child', 'warm'));
  t.true(childSpawns > 0 && childSpawns < sample(text, 'embly_instance_duration_seconds_sum', 'function="child"'), `the children's spawns took ${childSpawns} s`);
});

/** A POST whose chunked body waits for end(): its instance (HELLO) is running until then. */
function heldRequest(url: string): { req: ClientRequest; status: Promise<number> } {
  const req = request(url, { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' }, agent: false });
  const status = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => { res.resume(); resolve(res.statusCode!); });
    req.on('error', reject);
  });
  req.write('partial');
  return { req, status };
}

test('cold starts: each of N runners\' first instance, and none after, in a fresh daemon', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }]);
  const { daemon, url } = await startDaemon(t, dir, { metrics: METRICS, runnersPerFunction: 2 });
  await waitFor(() => daemon.master.runnerCount('hello') === 2, { what: 'both runners' });
  // Two instances at once: the second goes to the runner with none, so each
  // runner's first instance is one of these two.
  const held = [heldRequest(url('hello')), heldRequest(url('hello'))];
  await waitFor(() => daemon.master.liveInstances('hello') === 2, { what: 'two instances running' });
  for (const h of held) h.req.end();
  t.deepEqual(await Promise.all(held.map((h) => h.status)), [200, 200]);
  for (let i = 0; i < 5; i++) t.is((await fetch(url('hello'))).status, 200);
  const text = await scrape(daemon.metricsPort!);
  t.is(spawns(text, 'hello', 'cold'), 2);
  t.is(spawns(text, 'hello', 'warm'), 5);
});

test('isolation: process: every instance has a fresh runner process, so every start is cold', async (t) => {
  const dir = await tempDir(t, 'embly-daemon-');
  await writeFile(join(dir, 'embly-project.yml'), 'functions:\n  - name: alone\n    path: ./alone.wat\n    language: wat\n    isolation: process\n' +
    'gateways:\n  - name: alone\n    type: http\n    port: 8080\n    function: alone\n');
  await writeFile(join(dir, 'alone.wat'), HELLO);
  const { daemon, url } = await startDaemon(t, dir, { metrics: METRICS });
  for (let i = 0; i < 3; i++) t.is((await fetch(url('alone'))).status, 200);
  const text = await scrape(daemon.metricsPort!);
  t.is(spawns(text, 'alone', 'cold', 'process'), 3);
  t.is(spawns(text, 'alone', 'warm', 'process'), 0);
});

test('OpenMetrics for a scraper that asks for it, with the slowest spawns\' addresses as exemplars; the text format has none', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO }]);
  const { daemon, url } = await startDaemon(t, dir, { metrics: METRICS });
  const addresses = new Set<string>();
  daemon.master.on('started', (s) => addresses.add(formatAddress(s.address)));
  for (let i = 0; i < 10; i++) t.is((await fetch(url('hello'))).status, 200);
  const response = await fetch(`http://127.0.0.1:${daemon.metricsPort}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
  t.is(response.headers.get('content-type'), 'application/openmetrics-text; version=1.0.0; charset=utf-8');
  const openMetrics = await response.text();
  t.true(openMetrics.endsWith('# EOF\n'));
  const samples = await parseOpenMetrics(openMetrics);
  const spawnBuckets = samples.filter((s) => s.name === 'embly_spawn_duration_seconds_bucket' && s.labels.function === 'hello');
  t.is(spawnBuckets.find((s) => s.labels.le === '+Inf' && s.labels.start === 'warm')?.value, 9);
  const exemplars = spawnBuckets.filter((s) => s.exemplar);
  t.true(exemplars.length >= 2, 'the cold spawn\'s bucket and at least one warm one');
  for (const s of exemplars) {
    t.deepEqual(Object.keys(s.exemplar!.labels), ['address']);
    t.true(addresses.has(s.exemplar!.labels.address!), `exemplar ${s.exemplar!.labels.address} names an instance that ran`);
    t.true(s.exemplar!.value <= Number(s.labels.le), 'an exemplar lies in its bucket');
  }
  // Counters are OpenMetrics counters: the family without _total, the sample with it.
  t.like(samples.find((s) => s.name === 'embly_gateway_requests_total'), { family: 'embly_gateway_requests', type: 'counter' });

  // The text format, also after an OpenMetrics render: no exemplars, counters named as before.
  for (const accept of [undefined, 'text/plain;version=0.0.4', 'application/openmetrics-text;q=0.2,text/plain']) {
    const text = await scrape(daemon.metricsPort!, accept);
    t.false(text.includes('# {'), `no exemplar for Accept: ${accept}`);
    t.false(text.includes('# EOF'));
    t.is(sample(text, 'embly_gateway_requests_total', 'gateway="hello",code="200"'), 10);
    t.is(await promtool(text), '');
  }
});
