// Which origins and addresses a function's allowed_outbound_hosts open.
import test from 'ava';
import { parseHostPattern } from '../../src/project/outbound.js';
import type { HostPattern } from '../../src/project/index.js';
import { isInternalAddress } from '../../src/specials/http/addresses.js';
import { OriginPolicy, type Origin } from '../../src/specials/http/allowed.js';

function policy(...texts: string[]): OriginPolicy {
  return new OriginPolicy(texts.map((text) => (parseHostPattern(text) as { pattern: HostPattern }).pattern));
}

const origin = (scheme: 'http' | 'https', host: string, port = scheme === 'https' ? 443 : 80): Origin => ({ scheme, host, port });
const under = (p: OriginPolicy, o: Origin) => {
  const checked = p.check(o);
  return 'pattern' in checked ? checked.pattern.text : checked.refused;
};

test('scheme, host and port must all match; no port means the default one', (t) => {
  const p = policy('https://api.example.com', 'http://127.0.0.1:8080');
  t.is(under(p, origin('https', 'api.example.com')), 'https://api.example.com');
  t.is(under(p, origin('http', 'api.example.com')), 'it is not in allowed_outbound_hosts');
  t.is(under(p, origin('https', 'api.example.com', 8443)), 'it is not in allowed_outbound_hosts');
  t.is(under(p, origin('http', '127.0.0.1', 8080)), 'http://127.0.0.1:8080');
  t.is(under(p, origin('http', '127.0.0.1', 8081)), 'it is not in allowed_outbound_hosts');
});

test('wildcards: subdomains (not the domain itself), any host, any port, either scheme', (t) => {
  const p = policy('https://*.example.com', 'http://example.org:*', '*://both.test');
  t.is(under(p, origin('https', 'a.b.example.com')), 'https://*.example.com');
  t.is(under(p, origin('https', 'example.com')), 'it is not in allowed_outbound_hosts');
  t.is(under(p, origin('https', 'badexample.com')), 'it is not in allowed_outbound_hosts');
  t.is(under(p, origin('http', 'example.org', 1234)), 'http://example.org:*');
  t.is(under(p, origin('http', 'both.test')), '*://both.test');
  t.is(under(p, origin('https', 'both.test')), '*://both.test');
  t.is(under(policy('https://*'), origin('https', 'anything.test')), 'https://*');
});

test('an exact pattern wins over a wildcard, and only it opens internal addresses', (t) => {
  const p = policy('http://*:8080', 'http://localhost:8080');
  const local = origin('http', 'localhost', 8080);
  const allowance = p.check(local);
  t.like(allowance, { explicit: true, pattern: { text: 'http://localhost:8080' } });
  if (!('pattern' in allowance)) return;
  t.true(p.addressAllowed(local, allowance, '127.0.0.1'));
  const other = origin('http', 'other.test', 8080);
  const wild = p.check(other);
  if (!('pattern' in wild)) return t.fail();
  t.false(p.addressAllowed(other, wild, '127.0.0.1'));
  t.true(p.addressAllowed(other, wild, '93.184.215.14'), 'public addresses are what a wildcard is for');
});

test('an internal address listed itself opens it to names under a wildcard, for its scheme and port only', (t) => {
  const p = policy('http://*:8080', 'http://127.0.0.1:8080');
  const named = origin('http', 'service.test', 8080);
  const allowance = p.check(named);
  if (!('pattern' in allowance)) return t.fail();
  t.true(p.addressAllowed(named, allowance, '127.0.0.1'));
  t.false(p.addressAllowed(named, allowance, '127.0.0.2'));
  const q = policy('http://*:*', 'http://127.0.0.1:9000');
  const elsewhere = origin('http', 'service.test', 8080);
  const a = q.check(elsewhere);
  if (!('pattern' in a)) return t.fail();
  t.false(q.addressAllowed(elsewhere, a, '127.0.0.1'), 'listed for another port');
});

test('an internal IP written as the host needs a pattern naming it', (t) => {
  t.regex(under(policy('http://*:*'), origin('http', '10.1.2.3', 8080)), /^10\.1\.2\.3 is an internal address, which "http:\/\/\*:\*" does not open/);
  t.is(under(policy('http://*:*', 'http://10.1.2.3:8080'), origin('http', '10.1.2.3', 8080)), 'http://10.1.2.3:8080');
  t.is(under(policy('http://*:*'), origin('http', '93.184.215.14', 8080)), 'http://*:*');
});

test('internal addresses: loopback, private, link-local, shared, IPv6 local and mapped', (t) => {
  for (const a of ['127.0.0.1', '127.255.0.9', '10.0.0.1', '172.16.5.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
    t.true(isInternalAddress(a), a);
  }
  for (const a of ['93.184.215.14', '172.32.0.1', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8']) t.false(isInternalAddress(a), a);
});
