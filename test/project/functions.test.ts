// Problems inside one `functions:` item.
import test from 'ava';
import { parseProject } from '../../src/project/index.js';
import { assertMessage, FILE, HELLO, yaml } from './helpers.js';

const LANGUAGE_HINT = '  hint: valid values for "language": wat, wasm, c, rust, assemblyscript';
const MEMORY_HINT = '  hint: use 1..65536 wasm pages of 64 KiB, or a size from "64KiB" to "4GiB" such as "16MiB"';
const TIMEOUT_HINT =
  '  hint: use an integer of milliseconds, or a number with a unit: "250ms", "10s", "1m", "1h" (at most 24h)';

/** A function `hello` with extra lines appended to its map. */
function hello(...extra: string[]): string {
  return yaml('functions:', ...HELLO, ...extra);
}

test('a misspelt key gets a suggestion, a strange one the list of keys', (t) => {
  assertMessage(t, hello('    Max-Instances: 3', '    colour: red'),
    'embly-project.yml:5:5: function "hello": unknown key "Max-Instances"',
    '  hint: did you mean "max_instances"?',
    'embly-project.yml:6:5: function "hello": unknown key "colour"',
    '  hint: valid keys: name, path, language, memory, timeout, max_instances, isolation, env, simd, allowed_outbound_hosts, outbound_timeout, outbound_max_bytes, outbound_max_concurrent',
  );
});

test('missing required keys point at the item', (t) => {
  assertMessage(t, yaml('functions:', '  - path: ./a.wat'),
    'embly-project.yml:2:5: functions[0]: missing required key "name"',
    '  hint: use 1-63 characters: lowercase letters, digits, "_" and "-", starting with a letter or digit',
    'embly-project.yml:2:5: functions[0]: missing required key "language"',
    LANGUAGE_HINT,
  );
});

test('an item that is not a map', (t) => {
  assertMessage(t, yaml('functions:', ...HELLO, '  - hello2'),
    'embly-project.yml:5:5: functions[1] must be a map with name, path and language, not a string',
  );
});

test('names must follow the naming rule', (t) => {
  assertMessage(t, yaml('functions:', '  - name: Hello World', '    path: a.wat', '    language: wat'),
    'embly-project.yml:2:11: functions[0]: invalid name "Hello World"',
    '  hint: use 1-63 characters: lowercase letters, digits, "_" and "-", starting with a letter or digit',
  );
  const longest = 'a'.repeat(63);
  const ok = parseProject(yaml('functions:', `  - name: ${longest}`, '    path: a.wat', '    language: wat'), FILE);
  t.is(ok.functions[0]?.name, longest);
  assertMessage(t, yaml('functions:', `  - name: ${longest}b`, '    path: a.wat', '    language: wat'),
    `embly-project.yml:2:11: functions[0]: invalid name "${longest}b"`,
    '  hint: use 1-63 characters: lowercase letters, digits, "_" and "-", starting with a letter or digit',
  );
});

test('wrong types and empty values', (t) => {
  assertMessage(t, yaml('functions:', '  - name: 7', '    path:', '    language: [rust]'),
    'embly-project.yml:2:11: functions[0]: "name" must be a string, not a number',
    '  hint: use 1-63 characters: lowercase letters, digits, "_" and "-", starting with a letter or digit',
    'embly-project.yml:3:5: functions[0]: "path" has no value',
    '  hint: the source to build: a .wat, .wasm, .c or .ts file, or a Rust crate directory, relative to the project file',
    'embly-project.yml:4:15: functions[0]: "language" must be a string, not a list',
    LANGUAGE_HINT,
  );
});

test('duplicate function names', (t) => {
  assertMessage(t, yaml('functions:', ...HELLO, ...HELLO),
    'embly-project.yml:5:11: duplicate function name "hello"',
    '  hint: the first "hello" is on line 2; function names must be unique',
  );
});

test('unknown language lists the valid ones, with a guess when there is one', (t) => {
  assertMessage(t, yaml('functions:', '  - name: a', '    path: a.go', '    language: go'),
    'embly-project.yml:4:15: function "a": unknown language "go"',
    LANGUAGE_HINT,
  );
  assertMessage(t, yaml('functions:', '  - name: a', '    path: a.rs', '    language: Rust_'),
    'embly-project.yml:4:15: function "a": unknown language "Rust_"',
    '  hint: did you mean "rust"? valid values for "language": wat, wasm, c, rust, assemblyscript',
  );
  assertMessage(t, yaml('functions:', '  - name: a', '    path: a.ts', '    language: typescript'),
    'embly-project.yml:4:15: function "a": unknown language "typescript"',
    '  hint: did you mean "assemblyscript"? valid values for "language": wat, wasm, c, rust, assemblyscript',
  );
});

test('memory: page counts and binary sizes', (t) => {
  const memory = (value: string) =>
    parseProject(hello(`    memory: ${value}`), FILE).functions[0]?.limits.memoryPages;
  t.is(memory('1'), 1);
  t.is(memory('65536'), 65536);
  t.is(memory('16MiB'), 256);
  t.is(memory('"512KiB"'), 8);
  t.is(memory('100KiB'), 2); // rounded up to whole pages
  t.is(memory('1.5 MiB'), 24);
  t.is(memory('4GiB'), 65536);
});

test('memory: bad values', (t) => {
  assertMessage(t, hello('    memory: 65537'),
    'embly-project.yml:5:13: function "hello": memory 65537 is out of range', MEMORY_HINT);
  assertMessage(t, hello('    memory: 2.5'),
    'embly-project.yml:5:13: function "hello": memory 2.5 is not a whole number of pages', MEMORY_HINT);
  assertMessage(t, hello('    memory: 8GiB'),
    'embly-project.yml:5:13: function "hello": memory "8GiB" is out of range', MEMORY_HINT);
  assertMessage(t, hello('    memory: 16MB'),
    'embly-project.yml:5:13: function "hello": memory "16MB" is not a valid size',
    '  hint: sizes use binary units (powers of 1024): did you mean "16MiB"?');
  assertMessage(t, hello('    memory: "256"'),
    'embly-project.yml:5:13: function "hello": memory "256" is not a valid size',
    '  hint: a page count is written without quotes: memory: 256');
  assertMessage(t, hello('    memory: lots'),
    'embly-project.yml:5:13: function "hello": memory "lots" is not a valid size', MEMORY_HINT);
  assertMessage(t, hello('    memory: true'),
    'embly-project.yml:5:13: function "hello": "memory" must be a number or a string, not a boolean', MEMORY_HINT);
  assertMessage(t, hello('    memory:'),
    'embly-project.yml:5:5: function "hello": "memory" has no value', MEMORY_HINT);
});

test('timeout: milliseconds and durations', (t) => {
  const timeout = (value: string) =>
    parseProject(hello(`    timeout: ${value}`), FILE).functions[0]?.limits.timeoutMs;
  t.is(timeout('250'), 250);
  t.is(timeout('250ms'), 250);
  t.is(timeout('10s'), 10_000);
  t.is(timeout('0.5s'), 500);
  t.is(timeout('1m'), 60_000);
  t.is(timeout('24h'), 86_400_000);
});

test('timeout: bad values', (t) => {
  assertMessage(t, hello('    timeout: 0'),
    'embly-project.yml:5:14: function "hello": timeout 0 is out of range', TIMEOUT_HINT);
  assertMessage(t, hello('    timeout: 25h'),
    'embly-project.yml:5:14: function "hello": timeout "25h" is out of range', TIMEOUT_HINT);
  assertMessage(t, hello('    timeout: 1.5'),
    'embly-project.yml:5:14: function "hello": timeout 1.5 is not a whole number of milliseconds', TIMEOUT_HINT);
  assertMessage(t, hello('    timeout: 10 sec'),
    'embly-project.yml:5:14: function "hello": timeout "10 sec" is not a valid duration', TIMEOUT_HINT);
  assertMessage(t, hello('    timeout: "500"'),
    'embly-project.yml:5:14: function "hello": timeout "500" is not a valid duration',
    '  hint: milliseconds are written without quotes (timeout: 500), or add a unit: "500ms"');
});

test('max_instances: a positive integer', (t) => {
  const hint = '  hint: use a whole number from 1 to 1000000';
  assertMessage(t, hello('    max_instances: 0'),
    'embly-project.yml:5:20: function "hello": max_instances 0 is out of range', hint);
  assertMessage(t, hello('    max_instances: 2.5'),
    'embly-project.yml:5:20: function "hello": max_instances 2.5 is not a whole number', hint);
  assertMessage(t, hello('    max_instances: many'),
    'embly-project.yml:5:20: function "hello": "max_instances" must be an integer, not a string', hint);
  assertMessage(t, hello('    max_instances: "20"'),
    'embly-project.yml:5:20: function "hello": "max_instances" must be an integer, not a string',
    '  hint: write it without quotes: max_instances: 20');
});

test('isolation: instance or process', (t) => {
  assertMessage(t, hello('    isolation: procces'),
    'embly-project.yml:5:16: function "hello": unknown isolation "procces"',
    '  hint: did you mean "process"? valid values for "isolation": instance, process');
  assertMessage(t, hello('    isolation: thread'),
    'embly-project.yml:5:16: function "hello": unknown isolation "thread"',
    '  hint: valid values for "isolation": instance, process');
});

test('simd: a boolean, for C and Rust functions only', (t) => {
  const c = parseProject(yaml('functions:', '  - name: vec', '    path: ./vec.c', '    language: c', '    simd: true'), FILE);
  t.true(c.functions[0]!.simd);
  assertMessage(t, hello('    simd: yes'),
    'embly-project.yml:5:11: function "hello": "simd" must be true or false, not a string',
    '  hint: write simd: true or simd: false');
  assertMessage(t, hello('    simd: true'),
    'embly-project.yml:5:11: function "hello": "simd" applies to c and rust functions, not wat',
    '  hint: a wat or wasm module may use SIMD instructions without it: remove the key');
});

test('env: strings only, with a hint to quote other scalars', (t) => {
  assertMessage(t, hello('    env: { PORT: 8080, DEBUG: true, RATIO: 1.10, EMPTY: , LIST: [a] }'),
    'embly-project.yml:5:18: function "hello": env "PORT" must be a string, not a number',
    '  hint: quote it: PORT: "8080"',
    'embly-project.yml:5:31: function "hello": env "DEBUG" must be a string, not a boolean',
    '  hint: quote it: DEBUG: "true"',
    'embly-project.yml:5:44: function "hello": env "RATIO" must be a string, not a number',
    '  hint: quote it: RATIO: "1.10"',
    'embly-project.yml:5:50: function "hello": env "EMPTY" has no value',
    '  hint: for an empty string write EMPTY: ""',
    'embly-project.yml:5:65: function "hello": env "LIST" must be a string, not a list',
  );
});

test('env: names and shape', (t) => {
  assertMessage(t, hello('    env:', '      MY-VAR: x', '      1ST: y', '      OK: ""'),
    'embly-project.yml:6:7: function "hello": invalid env name "MY-VAR"',
    '  hint: use letters, digits and "_", not starting with a digit',
    'embly-project.yml:7:7: function "hello": invalid env name "1ST"',
    '  hint: use letters, digits and "_", not starting with a digit',
  );
  assertMessage(t, hello('    env: [A=1]'),
    'embly-project.yml:5:10: function "hello": "env" must be a map of names to strings, not a list',
    '  hint: write it as "env: { NAME: value }" or one "NAME: value" per line',
  );
  const env = parseProject(hello('    env:', '      EMPTY: ""', '      PORT: "8080"'), FILE).functions[0]?.env;
  t.deepEqual(env, { EMPTY: '', PORT: '8080' });
});
