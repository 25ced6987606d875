// Problems with the file as a whole: YAML syntax and the top level.
import test from 'ava';
import { assertMessage, HELLO, yaml } from './helpers.js';

test('a YAML syntax error is reported where the parser saw it, and stops further checks', (t) => {
  assertMessage(t, yaml(
    'functions:',
    '  - name: hello',
    '    langauge: wat',
    '    path: a: b',
  ),
  'embly-project.yml:4:11: invalid YAML: Nested mappings are not allowed in compact mappings',
  );
});

test('every line with a syntax error is reported, once', (t) => {
  assertMessage(t, yaml(
    'functions:',
    '  - name: a',
    '    path: a: b',
    '    language: wat',
    '  - name: b',
    '    path: "b.wat',
  ),
  'embly-project.yml:3:11: invalid YAML: Nested mappings are not allowed in compact mappings',
  'embly-project.yml:7:1: invalid YAML: Missing closing "quote',
  );
});

test('a second YAML document is refused', (t) => {
  assertMessage(t, yaml('functions:', ...HELLO, '---', 'gateways: []'),
    'embly-project.yml:5:1: the project file must hold a single YAML document',
    '  hint: remove the "---" that starts a second document',
  );
});

test('an empty file', (t) => {
  assertMessage(t, '# nothing yet\n',
    'embly-project.yml:1:1: the project file is empty',
    '  hint: start it with "functions:" and at least one function; see docs/project-file.md',
  );
});

test('a top level that is not a map', (t) => {
  assertMessage(t, yaml('- name: hello'),
    'embly-project.yml:1:1: the top level must be a map with "functions" and optionally "gateways", not a list',
  );
});

test('missing functions', (t) => {
  assertMessage(t, yaml('# app', 'gateways: []'),
    'embly-project.yml:2:1: missing required key "functions"',
    '  hint: list at least one function with name, path and language, e.g. "- name: hello"',
  );
});

test('empty functions, written as [] or as nothing', (t) => {
  const hint = '  hint: list at least one function with name, path and language, e.g. "- name: hello"';
  assertMessage(t, yaml('functions: []'), 'embly-project.yml:1:12: "functions" is empty', hint);
  assertMessage(t, yaml('functions:'), 'embly-project.yml:1:1: "functions" is empty', hint);
});

test('functions keyed by name instead of listed', (t) => {
  assertMessage(t, yaml('functions:', '  hello:', '    path: ./hello.wat'),
    'embly-project.yml:2:3: "functions" must be a list, not a map',
    '  hint: write each item as a list entry starting with "- name: ..."',
  );
});

test('gateways that are not a list', (t) => {
  assertMessage(t, yaml('functions:', ...HELLO, 'gateways: web'),
    'embly-project.yml:5:11: "gateways" must be a list, not a string',
  );
});

test('unknown top-level key with and without a likely meaning', (t) => {
  assertMessage(t, yaml('functions:', ...HELLO, 'gatways: []', 'version: 2'),
    'embly-project.yml:5:1: unknown key "gatways"',
    '  hint: did you mean "gateways"?',
    'embly-project.yml:6:1: unknown key "version"',
    '  hint: valid keys: functions, gateways, metrics',
  );
});

test('a key written twice', (t) => {
  assertMessage(t, yaml('functions:', ...HELLO, '    language: c'),
    'embly-project.yml:5:5: function "hello": duplicate key "language"',
    '  hint: the first "language" is on line 4; keep one',
  );
});

test('an alias to an anchor that does not exist', (t) => {
  assertMessage(t, yaml('functions:', ...HELLO, '    env: *common'),
    'embly-project.yml:5:10: unknown alias "*common"',
    '  hint: define the anchor with "&common" before using it',
  );
});

test('merge keys are refused with an explanation', (t) => {
  assertMessage(t, yaml('base: &base { language: wat }', 'functions:', '  - <<: *base', '    name: a', '    path: a.wat'),
    'embly-project.yml:1:1: unknown key "base"',
    '  hint: valid keys: functions, gateways, metrics',
    'embly-project.yml:3:5: function "a": unknown key "<<"',
    '  hint: merge keys ("<<") are not supported: write the keys out in each item',
    'embly-project.yml:3:5: function "a": missing required key "language"',
    '  hint: valid values for "language": wat, wasm, c, rust, assemblyscript',
  );
});
