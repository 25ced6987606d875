// The example project end to end: `embly build` compiles every language, a
// second build compiles nothing, and `embly exec` answers HTTP for each.
import test from 'ava';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { runProcess } from '../helpers/objects.js';

const embly = join(packageRoot, 'bin', 'embly.js');
const examples = join(packageRoot, 'examples');
const REQUEST = 'GET / HTTP/1.1\r\nHost: example\r\n\r\n';

test.before('build the examples', async () => {
  const result = await runProcess(process.execPath, [embly, 'build', examples]);
  if (result.code !== 0) throw new Error(`embly build failed:\n${result.stderr}`);
});

test('a second build compiles nothing', async (t) => {
  const result = await runProcess(process.execPath, [embly, 'build', examples]);
  t.is(result.code, 0, result.stderr);
  t.regex(result.stderr, /built 8 functions \(0 compiled, 8 up to date\)/);
});

const HELLOS: [string, string][] = [
  ['hello-rust', 'Hello from Rust!\n'],
  ['hello-c', 'Hello from C!\n'],
  ['hello-as', 'Hello from AssemblyScript!\n'],
  ['hello-wat', 'Hello from WebAssembly text (wat)!\n'],
];

function parseResponse(raw: string): { status: number; headers: Map<string, string>; body: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = new Map(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

for (const [fn, greeting] of HELLOS) {
  test(`embly exec ${fn} answers a valid HTTP response`, async (t) => {
    const result = await runProcess(process.execPath, [embly, 'exec', fn, '--project', examples], REQUEST);
    t.is(result.code, 0, result.stderr);
    const response = parseResponse(result.stdout.toString());
    t.is(response.status, 200);
    t.is(response.body, greeting);
    t.is(Number(response.headers.get('content-length')), Buffer.byteLength(greeting));
  });
}

test('fanout combines the answers of the two functions it spawns', async (t) => {
  const result = await runProcess(process.execPath, [embly, 'exec', 'fanout', '--project', examples], REQUEST);
  t.is(result.code, 0, result.stderr);
  const response = parseResponse(result.stdout.toString());
  t.is(response.status, 200);
  t.is(response.body, 'hello-c (200): Hello from C!\nhello-as (200): Hello from AssemblyScript!\n');
});

test('a malformed request gets a 400 from the SDK HTTP helper', async (t) => {
  const result = await runProcess(process.execPath, [embly, 'exec', 'hello-rust', '--project', examples], 'GET / HTTP/1.1\r\nBad Header\r\n\r\n');
  t.is(result.code, 0, result.stderr);
  t.is(parseResponse(result.stdout.toString()).status, 400);
});

for (const [fn, mib] of [['hello-c', 3], ['hello-rust', 20]] as const) {
  test(`a request larger than ${fn}'s memory gets a 413 from the SDK HTTP helper`, async (t) => {
    const body = Buffer.alloc(mib << 20, 'b');
    const request = Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: example\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const result = await runProcess(process.execPath, [embly, 'exec', fn, '--project', examples], request);
    t.is(result.code, 0, result.stderr);
    const response = parseResponse(result.stdout.toString());
    t.is(response.status, 413);
    t.regex(response.body, /too large for this function's memory/);
  });
}

test('exec of an unknown function names the ones there are', async (t) => {
  const result = await runProcess(process.execPath, [embly, 'exec', 'nope', '--project', examples]);
  t.is(result.code, 64);
  t.regex(result.stderr, /no function "nope" in .*embly-project\.yml; it has: hello-rust, hello-c, hello-as, hello-wat, fanout, outbound, echo-wat, trap-c/);
});
