// Problems inside `gateways:` items and between gateways and functions.
import test from 'ava';
import { assertMessage, HELLO, yaml } from './helpers.js';

/** A file with function `hello` and the given gateway lines. */
function withGateways(...lines: string[]): string {
  return yaml('functions:', ...HELLO, 'gateways:', ...lines);
}

function gateway(name: string, port: string, target = 'hello', type = 'http'): string[] {
  return [`  - name: ${name}`, `    type: ${type}`, `    port: ${port}`, `    function: ${target}`];
}

const PORT_HINT = '  hint: use a whole number from 1 to 65535';

test('missing keys and unknown keys', (t) => {
  assertMessage(t, withGateways('  - name: web', '    typ: http', '    function: hello'),
    'embly-project.yml:6:5: gateway "web": missing required key "type"',
    '  hint: valid values for "type": http, tcp',
    'embly-project.yml:6:5: gateway "web": missing required key "port"',
    PORT_HINT,
    'embly-project.yml:7:5: gateway "web": unknown key "typ"',
    '  hint: did you mean "type"?',
  );
});

test('an item that is not a map', (t) => {
  assertMessage(t, withGateways('  - 8080'),
    'embly-project.yml:6:5: gateways[0] must be a map with name, type, port and function, not a number',
  );
});

test('unknown gateway type', (t) => {
  assertMessage(t, withGateways(...gateway('web', '443', 'hello', 'https')),
    'embly-project.yml:7:11: gateway "web": unknown type "https"',
    '  hint: did you mean "http"? valid values for "type": http, tcp',
  );
  assertMessage(t, withGateways(...gateway('web', '53', 'hello', 'udp')),
    'embly-project.yml:7:11: gateway "web": unknown type "udp"',
    '  hint: valid values for "type": http, tcp',
  );
});

test('bad ports', (t) => {
  assertMessage(t, withGateways(...gateway('a', '0'), ...gateway('b', '65536'), ...gateway('c', '80.5')),
    'embly-project.yml:8:11: gateway "a": port 0 is out of range', PORT_HINT,
    'embly-project.yml:12:11: gateway "b": port 65536 is out of range', PORT_HINT,
    'embly-project.yml:16:11: gateway "c": port 80.5 is not a whole number', PORT_HINT,
  );
  assertMessage(t, withGateways(...gateway('a', '"8080"'), ...gateway('b', 'http')),
    'embly-project.yml:8:11: gateway "a": "port" must be an integer, not a string',
    '  hint: write it without quotes: port: 8080',
    'embly-project.yml:12:11: gateway "b": "port" must be an integer, not a string', PORT_HINT,
  );
});

test('duplicate gateway names and ports', (t) => {
  assertMessage(t, withGateways(...gateway('web', '8080'), ...gateway('web', '8081'),
    ...gateway('raw', '8080', 'hello', 'tcp')),
  'embly-project.yml:10:11: duplicate gateway name "web"',
  '  hint: the first "web" is on line 6; gateway names must be unique',
  'embly-project.yml:16:11: gateway "raw": port 8080 is already used by gateway "web" on line 8',
  '  hint: give each gateway its own port',
  );
});

test('a gateway naming an unknown function lists the known ones', (t) => {
  const text = yaml('functions:', ...HELLO, '  - name: world', '    path: w.wat', '    language: wat',
    'gateways:', ...gateway('a', '80', 'helo'), ...gateway('b', '81', 'other'));
  assertMessage(t, text,
    'embly-project.yml:12:15: gateway "a": unknown function "helo"',
    '  hint: did you mean "hello"? known functions: hello, world',
    'embly-project.yml:16:15: gateway "b": unknown function "other"',
    '  hint: known functions: hello, world',
  );
});

test('a gateway may name a function that has other problems, without a second complaint', (t) => {
  assertMessage(t, withGateways(...gateway('web', '80')).replace('language: wat', 'language: cobol'),
    'embly-project.yml:4:15: function "hello": unknown language "cobol"',
    '  hint: valid values for "language": wat, wasm, c, rust, assemblyscript',
  );
});
