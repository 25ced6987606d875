// The SIMD example (examples/simd): a C function built with `simd: true`
// (clang -msimd128) answers through `embly exec` and through its HTTP gateway
// in a running daemon. Its answer is computed with v128 instructions, so a
// wrong lane, a lost tail or a misbuilt object shows in the text.
import test from 'ava';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildProject } from '../../src/compile/project-build.js';
import { readWasmInfo } from '../../src/compile/wasm-info.js';
import { Daemon, type ListeningGateway } from '../../src/daemon/daemon.js';
import { memoryLogger } from '../../src/log.js';
import { loadProject } from '../../src/project/index.js';
import { packageRoot } from '../../src/paths.js';
import { runProcess } from '../helpers/objects.js';

const embly = join(packageRoot, 'bin', 'embly.js');
const example = join(packageRoot, 'examples', 'simd');

/** What the function must answer: the body in upper case (ASCII only) and the sum of its bytes. */
function expectedAnswer(body: Buffer): string {
  const upper = Buffer.from(body.map((b) => (b >= 0x61 && b <= 0x7a ? b - 0x20 : b)));
  return `${upper.toString('latin1')}\nsum ${body.reduce((sum, b) => sum + b, 0)}\n`;
}

/** 16-byte vectors and a tail: every byte value, lower-case runs across vector boundaries. */
const BODY = Buffer.concat([
  Buffer.from('hello, simd world! vectors of sixteen bytes, and a tail'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
]);

let daemon: Daemon | undefined;
let gateways: Map<string, ListeningGateway>;

test.before('build the example', async () => {
  const result = await runProcess(process.execPath, [embly, 'build', example]);
  if (result.code !== 0) throw new Error(`embly build failed:\n${result.stderr}`);
});

test.after.always(async () => {
  await daemon?.stop();
});

test('the example is built with SIMD instructions', async (t) => {
  // -msimd128 reached clang: the object holds v128 code, which wasm2c only
  // translates through simde; the wasm's exports are the usual command's.
  const wasm = await readFile(join(example, '.embly', 'shout.wasm'));
  t.true(readWasmInfo(wasm).exports.some((e) => Buffer.from(e.name).toString() === '_start'));
  const objdump = await runProcess(process.execPath, [join(packageRoot, 'node_modules', 'wabt', 'bin', 'wasm-objdump'), '-d',
    join(example, '.embly', 'shout.wasm')]);
  t.is(objdump.code, 0, objdump.stderr);
  t.regex(objdump.stdout.toString(), /u16x8\.extadd_pairwise_i8x16_u|i16x8\.extadd_pairwise_i8x16_u/);
  t.regex(objdump.stdout.toString(), /v128\.load/);
});

test('embly exec runs it', async (t) => {
  const request = Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: example\r\nContent-Length: ${BODY.length}\r\n\r\n`), BODY]);
  const result = await runProcess(process.execPath, [embly, 'exec', 'shout', '--project', example], request);
  t.is(result.code, 0, result.stderr);
  const raw = result.stdout.toString('latin1');
  t.regex(raw, /^HTTP\/1\.1 200 /);
  t.is(raw.slice(raw.indexOf('\r\n\r\n') + 4), expectedAnswer(BODY));
});

test('its HTTP gateway serves it', async (t) => {
  const project = await loadProject(example);
  daemon = new Daemon({
    project, built: await buildProject(project), host: '127.0.0.1', runnersPerFunction: 1,
    socketPath: join(mkdtempSync(join(tmpdir(), 'embly-simd-')), 'embly.sock'),
    portOverrides: new Map(project.gateways.map((g) => [g.name, 0])),
    log: memoryLogger(),
  });
  gateways = new Map((await daemon.start()).map((g) => [g.name, g]));
  const url = `http://127.0.0.1:${gateways.get('web')!.port}/`;
  for (const body of [BODY, Buffer.from('short'), Buffer.alloc(0)]) {
    const response = await fetch(url, { method: 'POST', body });
    t.is(response.status, 200);
    t.is(Buffer.from(await response.arrayBuffer()).toString('latin1'), expectedAnswer(body));
  }
});
