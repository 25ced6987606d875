// A function's outbound keys (allowed_outbound_hosts and the limits of
// embly/http) and the names reserved for special functions.
import test from 'ava';
import { parseProject } from '../../src/project/index.js';
import { parseHostPattern } from '../../src/project/outbound.js';
import { assertMessage, FILE, HELLO, yaml } from './helpers.js';

const hello = (...lines: string[]) => yaml('functions:', ...HELLO, ...lines);

test('a name starting with embly/ is refused as reserved', (t) => {
  assertMessage(t, yaml('functions:', '  - name: embly/http', '    path: ./a.wat', '    language: wat'),
    'embly-project.yml:2:11: functions[0]: the name "embly/http" is reserved: names starting with "embly/" are Embly\'s special functions',
    '  hint: a function spawns "embly/http" without defining it (docs/special-functions.md); give this one another name');
});

test('a gateway cannot serve a special function', (t) => {
  assertMessage(t, yaml('functions:', ...HELLO, 'gateways:', '  - name: web', '    type: http', '    port: 8080', '    function: embly/http'),
    'embly-project.yml:9:15: gateway "web": unknown function "embly/http"',
    '  hint: "embly/http" is a special function: functions spawn it, gateways serve the project\'s own functions');
});

test('origin patterns: schemes, wildcards, addresses and ports', (t) => {
  const parsed = (text: string) => {
    const result = parseHostPattern(text);
    return 'pattern' in result ? result.pattern : result.error;
  };
  t.deepEqual(parsed('https://API.Example.com'), { text: 'https://API.Example.com', scheme: 'https', host: 'api.example.com', port: undefined });
  t.deepEqual(parsed('*://*.example.com:*'), { text: '*://*.example.com:*', scheme: '*', host: '*.example.com', port: '*' });
  t.deepEqual(parsed('http://127.0.0.1:8080/'), { text: 'http://127.0.0.1:8080/', scheme: 'http', host: '127.0.0.1', port: 8080 });
  t.deepEqual(parsed('http://[fd00::1]:80'), { text: 'http://[fd00::1]:80', scheme: 'http', host: 'fd00::1', port: 80 });
  t.deepEqual(parsed('https://*'), { text: 'https://*', scheme: 'https', host: '*', port: undefined });
  t.is(parsed('https://example.com/v1'), '"https://example.com/v1" is not an origin pattern');
  t.is(parsed('ftp://example.com'), '"ftp://example.com" is not an origin pattern');
  t.is(parsed('https://user@example.com'), '"https://user@example.com" is not an origin pattern');
  t.is(parsed('https://exa mple.com'), '"https://exa mple.com": "exa mple.com" is not a host name or address');
  t.is(parsed('https://-bad-.com'), '"https://-bad-.com": "-bad-.com" is not a host name or address');
  t.is(parsed('https://ex*ample.com'), '"https://ex*ample.com": "ex*ample.com" is not a host name or address');
  t.is(parsed('https://[::g]'), '"https://[::g]" is not an origin pattern');
  t.is(parsed('https://[1::2::3]'), '"https://[1::2::3]": "[1::2::3]" is not a host name or address');
  t.is(parsed('https://example.com:70000'), '"https://example.com:70000": port 70000 is out of range');
});

test('the outbound keys are read with their units', (t) => {
  const [fn] = parseProject(hello(
    '    allowed_outbound_hosts:', '      - https://api.example.com', '      - http://localhost:8081',
    '    outbound_timeout: 1500', '    outbound_max_bytes: 512KiB', '    outbound_max_concurrent: 3',
  ), FILE).functions;
  t.deepEqual(fn!.outbound.allowedHosts.map((p) => p.text), ['https://api.example.com', 'http://localhost:8081']);
  t.is(fn!.outbound.timeoutMs, 1500);
  t.is(fn!.outbound.maxBytes, 512 * 1024);
  t.is(fn!.outbound.maxConcurrent, 3);
  t.deepEqual(parseProject(hello('    allowed_outbound_hosts:', '    outbound_max_bytes: 4096'), FILE).functions[0]!.outbound.allowedHosts, []);
});

test('a bad allowed_outbound_hosts entry is pointed at, with a hint', (t) => {
  assertMessage(t, hello('    allowed_outbound_hosts: ["https://ok.example.com", "api.example.com", 8080]'),
    'embly-project.yml:5:56: function "hello": allowed_outbound_hosts[1]: "api.example.com" is not an origin pattern',
    '  hint: add the scheme: "https://api.example.com" (or "http://api.example.com")',
    'embly-project.yml:5:75: function "hello": allowed_outbound_hosts[2] must be a string, not a number',
    '  hint: write scheme://host[:port], e.g. "https://api.example.com", "https://*.example.com" (its subdomains), "http://127.0.0.1:8080" or "https://example.com:*" (any port)');
});

test('allowed_outbound_hosts must be a list, the limits in range', (t) => {
  assertMessage(t, hello('    allowed_outbound_hosts: https://api.example.com', '    outbound_timeout: 10', '    outbound_max_bytes: 1MB', '    outbound_max_concurrent: 0'),
    'embly-project.yml:5:29: function "hello": "allowed_outbound_hosts" must be a list of origins, not a string',
    '  hint: write a list: allowed_outbound_hosts: ["https://api.example.com"]',
    'embly-project.yml:7:25: function "hello": outbound_max_bytes "1MB" is not a valid size',
    '  hint: sizes use binary units (powers of 1024): did you mean "1MiB"?',
    'embly-project.yml:8:30: function "hello": outbound_max_concurrent 0 is out of range',
    '  hint: use a whole number from 1 to 100000');
  assertMessage(t, hello('    outbound_timeout: "10"'),
    'embly-project.yml:5:23: function "hello": outbound_timeout "10" is not a valid duration',
    '  hint: milliseconds are written without quotes (outbound_timeout: 10), or add a unit: "10ms"');
});
