// The `metrics:` section: where /metrics is served, or off.
import test from 'ava';
import { parseProject, splitHostPort } from '../../src/project/index.js';
import { assertMessage, FILE, HELLO, yaml } from './helpers.js';

/** A file with function `hello` and the given metrics lines (line 5 on). */
function withMetrics(...lines: string[]): string {
  return yaml('functions:', ...HELLO, ...lines);
}

const METRICS_HINT = '  hint: write metrics: off, or metrics: { listen: "127.0.0.1:9465" }';
const LISTEN_HINT = '  hint: write HOST:PORT, e.g. listen: "127.0.0.1:9465" (an IPv6 address in brackets: "[::1]:9465")';

test('listen: a host and a port, IPv6 in brackets, quoted or not', (t) => {
  t.deepEqual(parseProject(withMetrics('metrics:', '  listen: "0.0.0.0:9100"'), FILE).metrics, { host: '0.0.0.0', port: 9100 });
  t.deepEqual(parseProject(withMetrics('metrics:', '  listen: 127.0.0.1:9465'), FILE).metrics, { host: '127.0.0.1', port: 9465 });
  t.deepEqual(parseProject(withMetrics('metrics: { listen: "[::1]:9465" }'), FILE).metrics, { host: '::1', port: 9465 });
  t.deepEqual(parseProject(withMetrics('metrics: { listen: "localhost:1" }'), FILE).metrics, { host: 'localhost', port: 1 });
});

test('off turns them off; an empty map and an absent section mean the default, on loopback', (t) => {
  t.is(parseProject(withMetrics('metrics: off'), FILE).metrics, null);
  t.is(parseProject(withMetrics('metrics: "off"'), FILE).metrics, null);
  t.deepEqual(parseProject(withMetrics('metrics: {}'), FILE).metrics, { host: '127.0.0.1', port: 9465 });
  t.deepEqual(parseProject(withMetrics(), FILE).metrics, { host: '127.0.0.1', port: 9465 });
});

test('a value that is neither off nor a map', (t) => {
  assertMessage(t, withMetrics('metrics: on'),
    'embly-project.yml:5:10: "metrics" must be off or a map with "listen", not "on"', METRICS_HINT);
  assertMessage(t, withMetrics('metrics: false'),
    'embly-project.yml:5:10: "metrics" must be off or a map with "listen", not a boolean', METRICS_HINT);
  assertMessage(t, withMetrics('metrics: 9465'),
    'embly-project.yml:5:10: "metrics" must be off or a map with "listen", not a number', METRICS_HINT);
  assertMessage(t, withMetrics('metrics:', '  - listen: "127.0.0.1:9465"'),
    'embly-project.yml:6:3: "metrics" must be off or a map with "listen", not a list', METRICS_HINT);
  assertMessage(t, withMetrics('metrics:'),
    'embly-project.yml:5:1: "metrics" has no value', METRICS_HINT);
});

test('an unknown key, and listen values that are not HOST:PORT', (t) => {
  assertMessage(t, withMetrics('metrics:', '  lisen: "127.0.0.1:9465"'),
    'embly-project.yml:6:3: metrics: unknown key "lisen"', '  hint: did you mean "listen"?');
  assertMessage(t, withMetrics('metrics:', '  listen: 9465'),
    'embly-project.yml:6:11: metrics: "listen" must be a string, not a number', LISTEN_HINT);
  assertMessage(t, withMetrics('metrics:', '  listen: ":9465"'),
    'embly-project.yml:6:11: metrics: listen ":9465" is not HOST:PORT', LISTEN_HINT);
  assertMessage(t, withMetrics('metrics:', '  listen: "::1:9465"'),
    'embly-project.yml:6:11: metrics: listen "::1:9465" is not HOST:PORT', LISTEN_HINT);
  assertMessage(t, withMetrics('metrics:', '  listen:'),
    'embly-project.yml:6:3: metrics: "listen" has no value', LISTEN_HINT);
});

test('a port out of range', (t) => {
  assertMessage(t, withMetrics('metrics:', '  listen: "127.0.0.1:0"', 'gateways:', '  - name: web', '    type: http', '    port: 70000', '    function: hello'),
    'embly-project.yml:6:11: metrics: listen "127.0.0.1:0": port 0 is out of range', '  hint: use a port from 1 to 65535',
    'embly-project.yml:10:11: gateway "web": port 70000 is out of range', '  hint: use a whole number from 1 to 65535');
  assertMessage(t, withMetrics('metrics: { listen: "127.0.0.1:65536" }'),
    'embly-project.yml:5:20: metrics: listen "127.0.0.1:65536": port 65536 is out of range', '  hint: use a port from 1 to 65535');
});

test('splitHostPort, which --metrics shares', (t) => {
  t.deepEqual(splitHostPort('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  t.deepEqual(splitHostPort('[fe80::1]:80'), { host: 'fe80::1', port: 80 });
  for (const bad of ['9465', 'host:', 'a b:1', 'host:123456', '[::1:80', '']) t.is(splitHostPort(bad), undefined, bad);
});
