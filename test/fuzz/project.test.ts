// Property-based tests of the project-file loader (src/project/): a valid
// file, written with any of the forms docs/project-file.md allows, reads as
// the values it says; any text at all gives a project or a ProjectFileError
// whose every line names the file (a user error, never a crash).
import test from 'ava';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseProject, ProjectFileError } from '../../src/project/index.js';
import { budget } from './budget.js';

const FILE = '/fuzz/embly-project.yml';
const name = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,20}$/);
/** pages, and each as the file may write it */
const memory = fc.oneof(
  fc.integer({ min: 1, max: 65536 }).map((pages) => ({ text: String(pages), pages })),
  fc.integer({ min: 1, max: 4096 }).map((mib) => ({ text: `${mib}MiB`, pages: mib * 16 })),
  fc.integer({ min: 1, max: 1 << 20 }).map((kib) => ({ text: `${kib} KiB`, pages: Math.ceil(kib / 64) })),
);
const timeout = fc.oneof(
  fc.integer({ min: 1, max: 86_400_000 }).map((ms) => ({ text: String(ms), ms })),
  fc.integer({ min: 1, max: 86_400 }).map((s) => ({ text: `${s}s`, ms: s * 1000 })),
  fc.integer({ min: 1, max: 1440 }).map((m) => ({ text: `${m}m`, ms: m * 60_000 })),
);
const fn = fc.record({
  name, language: fc.constantFrom('wat', 'wasm', 'c', 'rust', 'assemblyscript'),
  memory: fc.option(memory, { nil: undefined }), timeout: fc.option(timeout, { nil: undefined }),
  maxInstances: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }),
  isolation: fc.option(fc.constantFrom('instance', 'process'), { nil: undefined }),
  env: fc.dictionary(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/), fc.stringMatching(/^[a-zA-Z0-9 ./:-]{0,20}$/), { maxKeys: 3 }),
});
const projectSpec = fc.uniqueArray(fn, { minLength: 1, maxLength: 4, selector: (f) => f.name }).chain((functions) => fc.record({
  functions: fc.constant(functions),
  gateways: fc.uniqueArray(fc.record({
    name, type: fc.constantFrom('http', 'tcp'), port: fc.integer({ min: 1, max: 65535 }), function: fc.constantFrom(...functions.map((f) => f.name)),
  }), { maxLength: 3, selector: (g) => g.name }).filter((gs) => new Set(gs.map((g) => g.port)).size === gs.length),
}));
type Spec = typeof projectSpec extends fc.Arbitrary<infer T> ? T : never;

/** Names quoted: `0` or `1e3` unquoted would be YAML numbers (refused, with a clear message). */
function yamlOf(spec: Spec): string {
  const lines = ['functions:'];
  for (const f of spec.functions) {
    lines.push(`  - name: "${f.name}"`, `    path: ./${f.name}.src`, `    language: ${f.language}`);
    if (f.memory) lines.push(`    memory: ${f.memory.text}`);
    if (f.timeout) lines.push(`    timeout: ${f.timeout.text}`);
    if (f.maxInstances) lines.push(`    max_instances: ${f.maxInstances}`);
    if (f.isolation) lines.push(`    isolation: ${f.isolation}`);
    const env = Object.entries(f.env);
    if (env.length) lines.push('    env:', ...env.map(([k, v]) => `      ${k}: "${v}"`));
  }
  if (spec.gateways.length) {
    lines.push('gateways:');
    for (const g of spec.gateways) lines.push(`  - name: "${g.name}"`, `    type: ${g.type}`, `    port: ${g.port}`, `    function: "${g.function}"`);
  }
  return `${lines.join('\n')}\n`;
}

test('a valid project file reads as the values it says, in any of the forms allowed', (t) => {
  fc.assert(fc.property(projectSpec, (spec) => {
    const project = parseProject(yamlOf(spec), FILE);
    assert.deepEqual(project.functions.map((f) => ({ name: f.name, path: f.path, language: f.language, isolation: f.isolation, env: { ...f.env }, ...f.limits })), spec.functions.map((f) => ({
      name: f.name, path: `/fuzz/${f.name}.src`, language: f.language, isolation: f.isolation ?? 'instance', env: { ...f.env },
      memoryPages: f.memory?.pages ?? 256, timeoutMs: f.timeout?.ms ?? 10_000, maxInstances: f.maxInstances ?? 1000,
    })));
    assert.deepEqual(project.gateways.map((g) => ({ ...g })), spec.gateways.map((g) => ({ ...g })));
  }), budget(500));
  t.pass();
});

/** Valid files with characters flipped, inserted or dropped, or lines swapped, and random text. */
const mangled = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.tuple(projectSpec.map(yamlOf), fc.array(fc.tuple(fc.nat(), fc.constantFrom('flip', 'insert', 'drop'), fc.constantFrom(' ', ':', '-', '\n', '\t', '"', "'", '{', '[', '#', '&', '*', '!', '|', '>', '0', 'x', '\u00e9', '\0')), { minLength: 1, maxLength: 5 }))
    .map(([text, edits]) => {
      const chars = [...text];
      for (const [at, kind, c] of edits) {
        const i = at % (chars.length || 1);
        if (kind === 'flip') chars[i] = c;
        else if (kind === 'insert') chars.splice(i, 0, c);
        else chars.splice(i, 1);
      }
      return chars.join('');
    }),
);

test('any text reads as a project or a ProjectFileError whose every line names the file', (t) => {
  fc.assert(fc.property(mangled, (text) => {
    try {
      parseProject(text, FILE);
    } catch (e) {
      if (!(e instanceof ProjectFileError)) throw e;
      assert.ok(e.problems.length > 0);
      for (const line of e.message.split('\n')) assert.match(line, /^(\/fuzz\/embly-project\.yml(:\d+:\d+)?: \S|  hint: \S)/);
    }
  }), budget(1000));
  t.pass();
});
