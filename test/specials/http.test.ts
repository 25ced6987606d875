// embly/http end to end: one real daemon whose C and AssemblyScript
// functions call out through the special function to real HTTP and HTTPS
// servers started here (HTTPS with a CA made for the test, trusted through
// NODE_EXTRA_CA_CERTS), each function with the permissions and limits one
// test needs. Every answer and refusal is checked with its status, its bytes
// and its log line.
import test, { type ExecutionContext } from 'ava';
import { memoryLogger } from '../../src/log.js';
import type { RunningDaemon } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';
import { absoluteRequest, dechunk, rawRequest } from './client.js';
import { outboundDaemon, PIPE_C, QUIT_C, RELAY_C, SEND_AS, SEND_C } from './functions.js';
import { makeTestCa, routes, startOrigin, type TestOrigin } from './origins.js';
import { freePort } from '../helpers/ports.js';

/** Teardowns for what the hooks start (ava allows t.teardown in tests only). */
const cleanups: (() => unknown)[] = [];
const shared = { teardown: (fn: () => unknown) => cleanups.push(fn) } as unknown as ExecutionContext;
test.after.always(async () => { for (const fn of cleanups.reverse()) await fn(); });

const log = memoryLogger();
let daemon: RunningDaemon;
let web: TestOrigin; // routes, over HTTP
let secure: TestOrigin; // routes, over HTTPS
let reuse: TestOrigin; // only the keep-alive test calls it
let untouched: TestOrigin; // nobody may call it
let dripping: TestOrigin; // a body that never ends, one piece at a time
let h2: TestOrigin; // HTTPS offering HTTP/2
let rogue: TestOrigin; // HTTPS with a certificate from a CA nobody trusts
let closedPort: number;
const dripClosed = { count: 0 };

test.before(async () => {
  const ca = await makeTestCa(shared);
  web = await startOrigin(shared, routes);
  secure = await startOrigin(shared, routes, ca);
  h2 = await startOrigin(shared, routes, ca, true);
  rogue = await startOrigin(shared, routes, await makeTestCa(shared));
  reuse = await startOrigin(shared, routes);
  untouched = await startOrigin(shared, routes);
  dripping = await startOrigin(shared, (req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    const timer = setInterval(() => res.write('drip\n'), 20);
    res.on('close', () => { clearInterval(timer); dripClosed.count++; });
  });
  closedPort = await freePort();
  const local = `http://localhost:${web.port}`;
  daemon = await outboundDaemon(shared, [
    { name: 'relay', source: RELAY_C, allowed: [web.origin, secure.origin, h2.origin, rogue.origin, reuse.origin, `http://127.0.0.1:${closedPort}`, 'http://*.invalid:*'] },
    { name: 'metered', source: RELAY_C, allowed: [web.origin] },
    { name: 'pipe', source: PIPE_C, allowed: [web.origin] },
    { name: 'send-c', source: SEND_C, allowed: [web.origin, secure.origin] },
    { name: 'send-as', source: SEND_AS, language: 'assemblyscript', allowed: [web.origin] },
    { name: 'forbidden', source: RELAY_C },
    { name: 'wildcard', source: RELAY_C, allowed: [`http://*:${web.port}`] },
    { name: 'by-name', source: RELAY_C, allowed: [local] },
    { name: 'by-address', source: RELAY_C, allowed: [`http://*:${web.port}`, web.origin] },
    { name: 'impatient', source: RELAY_C, allowed: [web.origin], keys: { outbound_timeout: '300ms' } },
    { name: 'small', source: RELAY_C, allowed: [web.origin], keys: { outbound_max_bytes: '1KiB' } },
    { name: 'single', source: RELAY_C, allowed: [web.origin], keys: { outbound_max_concurrent: 1, outbound_timeout: '2s' } },
    { name: 'quitter', source: QUIT_C, allowed: [`http://127.0.0.1:${dripping.port}`] },
  ], { log, env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caFile }, metrics: { host: '127.0.0.1', port: 0 } });
});

const port = (fn: string) => daemon.gateways.get(fn)!.port;
const call = (fn: string, method: string, url: string, options?: Parameters<typeof absoluteRequest>[2]) => rawRequest(port(fn), absoluteRequest(method, url, options));
/** The daemon's log lines of outbound calls that mention `text`. */
const logged = (text: string) => log.lines.filter((l) => l.includes('outbound: ') && l.includes(text));
const embly = (r: { headers: Map<string, string[]> }) => r.headers.get('embly-error')?.[0];

// ---- calls that go out

test('a GET goes out with Host from the target, and its answer comes back framed by its length', async (t) => {
  const response = await call('relay', 'GET', `${web.origin}/hello?from=relay`);
  t.is(response.status, 200, response.raw.toString());
  t.is(response.body.toString(), 'hello from the origin\n');
  t.deepEqual(response.headers.get('content-length'), ['22']);
  t.deepEqual(response.headers.get('x-origin'), ['yes']);
  t.false(response.headers.has('embly-error'), 'an origin cannot pass for Embly');
  const seen = web.requests.find((r) => r.url === '/hello?from=relay');
  t.is(seen?.headers.host, `127.0.0.1:${web.port}`);
  t.is(seen?.headers.connection, 'keep-alive', 'the guest\'s Connection: close stays between it and Embly');
});

test('a chunked origin response reaches the guest chunked, without hop-by-hop headers', async (t) => {
  const response = await call('relay', 'GET', `${web.origin}/chunks`);
  t.is(response.status, 200, response.raw.toString());
  t.deepEqual(response.headers.get('transfer-encoding'), ['chunked']);
  t.is(dechunk(response.body).toString(), 'one,two,three');
  for (const hop of ['x-hop', 'keep-alive']) t.false(response.headers.has(hop), hop);
});

test('HTTPS with a certificate from the trusted CA', async (t) => {
  const response = await call('relay', 'GET', `${secure.origin}/hello`);
  t.is(response.status, 200, response.raw.toString());
  t.is(response.body.toString(), 'hello from the origin\n');
  t.true(log.lines.some((l) => /^info outbound: outbound TLS trusts the certificates of .* and .*ca\.pem \(NODE_EXTRA_CA_CERTS\)$/.test(l)), log.lines.join('\n'));
});

test('HTTP/2 where the origin offers it', async (t) => {
  const response = await call('relay', 'GET', `${h2.origin}/hello`);
  t.is(response.status, 200, response.raw.toString());
  t.is(response.body.toString(), 'hello from the origin\n');
  t.is(h2.requests.at(-1)?.httpVersion, '2.0');
});

test('a certificate from a CA not trusted is a 502, and nothing is sent', async (t) => {
  const response = await call('relay', 'GET', `${rogue.origin}/hello`);
  t.is(response.status, 502, response.raw.toString());
  t.is(embly(response), 'unreachable');
  t.regex(response.body.toString(), new RegExp(`TLS with 127\\.0\\.0\\.1:${rogue.port} failed: .*\\((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT)\\)`));
  t.is(rogue.requests.length, 0);
});

test('a multi-MiB body streams out and back', async (t) => {
  const body = Buffer.alloc(6 << 20);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
  const response = await call('relay', 'POST', `${web.origin}/echo`, { body, headers: ['Content-Type: application/octet-stream'] });
  t.is(response.status, 200, response.head);
  t.deepEqual(response.headers.get('x-length'), [String(body.length)], 'the origin got the length the guest gave');
  t.deepEqual(response.headers.get('transfer-encoding'), ['chunked']);
  t.true(dechunk(response.body).equals(body));
  const big = await call('relay', 'GET', `${web.origin}/bytes?n=${5 << 20}`);
  t.deepEqual(big.headers.get('content-length'), [String(5 << 20)]);
  t.is(big.body.length, 5 << 20);
});

test('a chunked request body is passed on decoded (undici frames it anew)', async (t) => {
  const request = Buffer.from(`POST ${web.origin}/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n`);
  const response = await rawRequest(port('pipe'), absoluteRequest('POST', 'http://pipe/', { body: request }));
  t.is(response.status, 200, response.raw.toString());
  t.is(dechunk(response.body).toString(), 'hello world', 'the origin got the content, not the chunk lines');
});

test('connections to an origin are kept alive and reused', async (t) => {
  for (let i = 0; i < 3; i++) t.is((await call('relay', 'GET', `${reuse.origin}/hello`)).status, 200);
  t.is(reuse.requests.length, 3);
  t.is(reuse.connections, 1);
});

test('the C SDK sends a POST with a body and reads the answer', async (t) => {
  const posted = await call('send-c', 'POST', `${web.origin}/echo`, { body: 'ping', headers: ['Content-Type: text/plain'] });
  t.is(posted.status, 200, posted.raw.toString());
  t.is(posted.body.toString(), 'ping');
  const secured = await call('send-c', 'GET', `${secure.origin}/hello`);
  t.is(secured.body.toString(), 'hello from the origin\n');
  t.deepEqual(secured.headers.get('x-origin'), ['yes']);
});

test('the AssemblyScript SDK sends and reads the answer', async (t) => {
  const got = await call('send-as', 'GET', `${web.origin}/hello`);
  t.is(got.status, 200, got.raw.toString());
  t.is(got.body.toString(), 'hello from the origin\n');
  t.deepEqual(got.headers.get('x-origin'), ['yes']);
  const posted = await call('send-as', 'PUT', `${web.origin}/echo`, { body: 'from AS' });
  t.is(posted.body.toString(), 'from AS');
});

test('redirects are answered as they are unless the guest asks, and then followed', async (t) => {
  const as = await call('relay', 'GET', `${web.origin}/redirect?to=/hello`);
  t.is(as.status, 302);
  t.deepEqual(as.headers.get('location'), ['/hello']);
  const followed = await call('relay', 'GET', `${web.origin}/redirect?to=/hello`, { headers: ['Embly-Follow-Redirects: 2'] });
  t.is(followed.status, 200, followed.raw.toString());
  t.is(followed.body.toString(), 'hello from the origin\n');
});

test('each redirect hop is checked: one to an origin not allowed is a 403, with no connection', async (t) => {
  const before = untouched.connections;
  const response = await call('relay', 'GET', `${web.origin}/redirect?to=${untouched.origin}/hello`, { headers: ['Embly-Follow-Redirects: 1'] });
  t.is(response.status, 403, response.raw.toString());
  t.is(embly(response), 'not-allowed');
  t.is(untouched.connections, before);
  t.true(logged(`GET ${untouched.origin}/hello -> 403`).length > 0, log.lines.join('\n'));
});

test('calls are counted by function, allowed origin and code, with their latency', async (t) => {
  for (let i = 0; i < 2; i++) t.is((await call('metered', 'GET', `${web.origin}/hello`)).status, 200);
  t.is((await call('metered', 'GET', `${untouched.origin}/hello`)).status, 403);
  const text = await (await fetch(`http://127.0.0.1:${daemon.daemon.metricsPort}/metrics`)).text();
  t.true(text.includes(`embly_outbound_requests_total{function="metered",origin="${web.origin}",code="200"} 2`), text);
  t.true(text.includes('embly_outbound_requests_total{function="metered",origin="none",code="403"} 1'));
  t.true(text.includes('embly_outbound_request_duration_seconds_count{function="metered"} 3'));
});

// ---- refusals and failures

test('without allowed_outbound_hosts, the spawn fails with EACCES and the log says which key to add', async (t) => {
  const response = await call('forbidden', 'GET', `${web.origin}/hello`);
  t.is(response.status, 500);
  t.regex(response.body.toString(), /^EACCES/);
  t.true(log.lines.some((l) => /^warn outbound: \[forbidden [0-9a-f]{16}\] spawned embly\/http, which it may not: add allowed_outbound_hosts to function "forbidden"/.test(l)), log.lines.join('\n'));
});

test('an origin not listed gets a 403 that says what to add, and no connection', async (t) => {
  const before = untouched.connections;
  const response = await call('relay', 'GET', `${untouched.origin}/hello`);
  t.is(response.status, 403);
  t.is(embly(response), 'not-allowed');
  t.is(response.body.toString(), `403 Forbidden: ${untouched.origin}: it is not in allowed_outbound_hosts; to allow it, add "${untouched.origin}" to allowed_outbound_hosts of function "relay"\n`);
  t.is(untouched.connections, before);
  t.true(logged(`[relay `).some((l) => l.startsWith('info ') && l.includes(`GET ${untouched.origin}/hello -> 403: `)));
});

test('a name that resolves to 127.0.0.1 is refused under a wildcard, allowed by its name or its address', async (t) => {
  const url = `http://localhost:${web.port}/hello`;
  const refused = await call('wildcard', 'GET', url);
  t.is(refused.status, 403, refused.raw.toString());
  t.is(embly(refused), 'not-allowed');
  t.regex(refused.body.toString(), /localhost resolves to 127\.0\.0\.1, which only a name or address listed without a wildcard may reach/);
  t.true(logged('[wildcard ').some((l) => l.includes(`GET ${url.replace('/hello', '')}/hello -> 403`)), log.lines.join('\n'));
  const literal = await call('wildcard', 'GET', `${web.origin}/hello`);
  t.is(literal.status, 403);
  t.regex(literal.body.toString(), /127\.0\.0\.1 is an internal address/);
  t.is((await call('by-name', 'GET', url)).status, 200);
  t.is((await call('by-address', 'GET', url)).status, 200);
});

test('a name that does not resolve, and a refused connection, are 502s', async (t) => {
  const unresolved = await call('relay', 'GET', 'http://no-such-host.invalid:81/');
  t.is(unresolved.status, 502, unresolved.raw.toString());
  t.is(embly(unresolved), 'unreachable');
  t.regex(unresolved.body.toString(), /no-such-host\.invalid could not be resolved \(ENOTFOUND\)/);
  const refused = await call('relay', 'GET', `http://127.0.0.1:${closedPort}/`);
  t.is(refused.status, 502);
  t.regex(refused.body.toString(), new RegExp(`127\\.0\\.0\\.1:${closedPort} refused the connection`));
  t.true(logged('no-such-host.invalid').some((l) => l.startsWith('warn ')));
  t.true(logged(`127.0.0.1:${closedPort}/ -> 502`).length > 0);
});

test('an origin that does not answer within outbound_timeout is a 504', async (t) => {
  const response = await call('impatient', 'GET', `${web.origin}/never`);
  t.is(response.status, 504, response.raw.toString());
  t.is(embly(response), 'timeout');
  t.regex(response.body.toString(), /did not answer within outbound_timeout \(300 ms\)/);
  t.true(logged('[impatient ').some((l) => l.includes('/never -> 504')));
});

test('a response over outbound_max_bytes: a 502 when its length says so, cut where it passes when not', async (t) => {
  const announced = await call('small', 'GET', `${web.origin}/bytes?n=4096`);
  t.is(announced.status, 502);
  t.is(embly(announced), 'too-large');
  t.regex(announced.body.toString(), /the response has 4096 bytes, more than outbound_max_bytes \(1024\)/);
  t.true(logged('[small ').some((l) => l.startsWith('warn ') && l.includes('/bytes?n=4096 -> 502: the response has 4096 bytes')));
  const cut = await call('small', 'POST', `${web.origin}/echo`, { body: Buffer.alloc(8192, 'e') });
  t.is(cut.status, 200, 'the head had gone out');
  t.false(cut.body.includes('0\r\n\r\n'), 'the chunked body never ends');
  t.true(logged('[small ').some((l) => l.includes('/echo -> 200, cut short: the response went past outbound_max_bytes (1024)')), log.lines.join('\n'));
});

test('past outbound_max_concurrent, a call gets a 503', async (t) => {
  const held = call('single', 'GET', `${web.origin}/never`);
  await waitFor(() => web.requests.some((r) => r.url === '/never' && r.headers.host === `127.0.0.1:${web.port}`), { what: 'the first call to reach the origin' });
  const refused = await call('single', 'GET', `${web.origin}/hello`);
  t.is(refused.status, 503);
  t.is(embly(refused), 'too-many-calls');
  t.regex(refused.body.toString(), /function "single" has 1 calls in flight \(outbound_max_concurrent\)/);
  t.true(logged('[single ').some((l) => l.startsWith('info ') && l.includes('/hello -> 503: function "single" has 1 calls in flight')));
  t.is((await held).status, 504);
  t.is((await call('single', 'GET', `${web.origin}/hello`)).status, 200, 'the slot is free again');
});

test('a malformed request from the guest gets a 400', async (t) => {
  const relative = await rawRequest(port('pipe'), absoluteRequest('POST', 'http://pipe/', { body: 'GET /relative HTTP/1.1\r\nHost: x\r\n\r\n' }));
  t.is(relative.status, 400);
  t.is(embly(relative), 'bad-request');
  t.regex(relative.body.toString(), /the target must be an absolute http\(s\) URL/);
  const garbage = await rawRequest(port('pipe'), absoluteRequest('POST', 'http://pipe/', { body: 'this is not http\r\n\r\n' }));
  t.is(garbage.status, 400);
  t.regex(garbage.body.toString(), /malformed request line/);
  const truncated = await rawRequest(port('pipe'), absoluteRequest('POST', 'http://pipe/', { body: `POST ${web.origin}/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nshort` }));
  t.is(truncated.status, 400);
  t.regex(truncated.body.toString(), /the request ended before it was complete/);
  t.true(logged('[pipe ').some((l) => l.startsWith('info ') && l.includes('-> 400: the request is not valid HTTP/1.1: malformed request line')));
});

test('a caller that exits mid-response aborts the outbound request', async (t) => {
  const before = dripClosed.count;
  const response = await call('quitter', 'GET', `${dripping.origin}/`);
  t.is(response.status, 200, response.raw.toString());
  t.is(response.body.toString(), 'read: drip\n');
  await waitFor(() => dripClosed.count > before, { what: 'the origin to see its response aborted' });
  t.pass('the origin\'s response was closed before its end');
});
