import test from 'ava';
import path from 'node:path';
import { parseProject } from '../../src/project/index.js';
import { assertMessage, FILE, HELLO, parseError, yaml } from './helpers.js';

/** A function's outbound defaults: no origin, 10 s, 64 MiB, 100 calls. */
const NO_OUTBOUND = { allowedHosts: [], timeoutMs: 10_000, maxBytes: 64 * 1024 ** 2, maxConcurrent: 100 };

test('a file using every key is read with its values converted', (t) => {
  const project = parseProject(yaml(
    'functions:',
    '  - name: hello',
    '    path: ./hello',
    '    language: rust',
    '    memory: 16MiB',
    '    timeout: 1m',
    '    max_instances: 50',
    '    isolation: process',
    '    env: { GREETING: hi, PORT: "8080" }',
    '    allowed_outbound_hosts: ["https://api.example.com", "http://*.internal.test:*", "http://[::1]:8080"]',
    '    outbound_timeout: 2s',
    '    outbound_max_bytes: 1MiB',
    '    outbound_max_concurrent: 8',
    '    simd: true',
    '  - name: echo_2',
    '    path: /abs/echo.c',
    '    language: c',
    '    memory: 2',
    '    timeout: 1500',
    'gateways:',
    '  - name: web',
    '    type: http',
    '    port: 8080',
    '    function: hello',
    '  - name: raw',
    '    type: tcp',
    '    port: 9000',
    '    function: echo_2',
    'metrics:',
    '  listen: "0.0.0.0:9100"',
  ), '/srv/app/embly-project.yml');
  t.deepEqual(project, {
    root: '/srv/app',
    file: '/srv/app/embly-project.yml',
    functions: [
      {
        name: 'hello', path: '/srv/app/hello', language: 'rust',
        limits: { memoryPages: 256, timeoutMs: 60_000, maxInstances: 50 },
        isolation: 'process', env: { GREETING: 'hi', PORT: '8080' },
        outbound: {
          allowedHosts: [
            { text: 'https://api.example.com', scheme: 'https', host: 'api.example.com', port: undefined },
            { text: 'http://*.internal.test:*', scheme: 'http', host: '*.internal.test', port: '*' },
            { text: 'http://[::1]:8080', scheme: 'http', host: '::1', port: 8080 },
          ],
          timeoutMs: 2000, maxBytes: 1024 ** 2, maxConcurrent: 8,
        },
        simd: true,
      },
      {
        name: 'echo_2', path: '/abs/echo.c', language: 'c',
        limits: { memoryPages: 2, timeoutMs: 1500, maxInstances: 1000 },
        isolation: 'instance', env: {}, outbound: NO_OUTBOUND, simd: false,
      },
    ],
    gateways: [
      { name: 'web', type: 'http', port: 8080, function: 'hello' },
      { name: 'raw', type: 'tcp', port: 9000, function: 'echo_2' },
    ],
    metrics: { host: '0.0.0.0', port: 9100 },
  });
});

test('optional keys get their defaults and gateways may be left out', (t) => {
  const project = parseProject(yaml('functions:', ...HELLO), FILE);
  t.deepEqual(project.functions, [{
    name: 'hello', path: path.resolve('hello.wat'), language: 'wat',
    limits: { memoryPages: 256, timeoutMs: 10_000, maxInstances: 1000 },
    isolation: 'instance', env: {}, outbound: NO_OUTBOUND, simd: false,
  }]);
  t.deepEqual(project.gateways, []);
  t.deepEqual(project.metrics, { host: '127.0.0.1', port: 9465 }, 'on loopback unless configured');
  t.is(project.file, path.resolve(FILE));
  t.is(project.root, path.dirname(path.resolve(FILE)));
});

test('empty "gateways:" and "env:" mean none', (t) => {
  const project = parseProject(yaml('functions:', ...HELLO, '    env:', 'gateways:'), FILE);
  t.deepEqual(project.gateways, []);
  t.deepEqual(project.functions[0]?.env, {});
});

test('anchors and aliases are followed', (t) => {
  const project = parseProject(yaml(
    'functions:',
    '  - name: a',
    '    path: a.wat',
    '    language: wat',
    '    env: &shared { MODE: prod }',
    '  - name: b',
    '    path: b.wat',
    '    language: wat',
    '    env: *shared',
  ), FILE);
  t.deepEqual(project.functions.map((f) => f.env), [{ MODE: 'prod' }, { MODE: 'prod' }]);
});

test('the error carries a stable code and structured problems', (t) => {
  const error = parseError(t, yaml('functions:', ...HELLO, '    memory: 0'));
  t.is(error.code, 'EMBLY_PROJECT_INVALID');
  t.is(error.name, 'ProjectFileError');
  t.deepEqual(error.problems, [{
    file: FILE, line: 5, col: 13,
    message: 'function "hello": memory 0 is out of range',
    hint: 'use 1..65536 wasm pages of 64 KiB, or a size from "64KiB" to "4GiB" such as "16MiB"',
  }]);
});

test('every problem in the file is reported, in file order', (t) => {
  assertMessage(t, yaml(
    'functions:',
    '  - name: hello',
    '    langauge: rust',
    '    timeout: soon',
    'gateways:',
    '  - name: web',
    '    type: http',
    '    port: 0',
    '    function: hello',
    'extra: true',
  ),
  'embly-project.yml:2:5: function "hello": missing required key "path"',
  '  hint: the source to build: a .wat, .wasm, .c or .ts file, or a Rust crate directory, relative to the project file',
  'embly-project.yml:2:5: function "hello": missing required key "language"',
  '  hint: valid values for "language": wat, wasm, c, rust, assemblyscript',
  'embly-project.yml:3:5: function "hello": unknown key "langauge"',
  '  hint: did you mean "language"?',
  'embly-project.yml:4:14: function "hello": timeout "soon" is not a valid duration',
  '  hint: use an integer of milliseconds, or a number with a unit: "250ms", "10s", "1m", "1h" (at most 24h)',
  'embly-project.yml:8:11: gateway "web": port 0 is out of range',
  '  hint: use a whole number from 1 to 65535',
  'embly-project.yml:10:1: unknown key "extra"',
  '  hint: valid keys: functions, gateways, metrics',
  );
});
