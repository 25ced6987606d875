// The gateway's own HTTP/1.1 readers: what they accept, where they say a
// message ends, and what they refuse (with which status).
import test from 'ava';
import { HttpSyntaxError, parseRequestHead, parseResponseHead, type Framing, type RequestHead, type ResponseHead } from '../../src/gateways/http/head.js';
import { MessageReader } from '../../src/gateways/http/reader.js';

interface Read<H> { head?: H; framing?: Framing; raw: string; body: string; ended: boolean; used: number }

function reader<H>(parse: (text: string) => { head: H; framing: Framing }, maxHeadBytes = 16 * 1024) {
  const out: Read<H> = { raw: '', body: '', ended: false, used: 0 };
  const r = new MessageReader<H>(parse, { maxHeadBytes, headTooLargeStatus: 431 }, {
    head: (head, framing, raw) => Object.assign(out, { head, framing, raw: raw.toString('latin1') }),
    body: (raw) => { out.body += raw.toString('latin1'); },
    end: () => { out.ended = true; },
  });
  return { r, out };
}

/** Feeds `text` in pieces of `step` bytes; returns what was read and how many bytes belonged to the message. */
function readRequest(text: string, step = text.length): Read<RequestHead> {
  const { r, out } = reader(parseRequestHead);
  const bytes = Buffer.from(text, 'latin1');
  for (let at = 0; at < bytes.length && !out.ended; at += step) out.used += r.push(bytes.subarray(at, Math.min(at + step, bytes.length)));
  return out;
}

function refusal(text: string): { status: number; message: string } {
  try {
    readRequest(text);
  } catch (e) {
    if (e instanceof HttpSyntaxError) return { status: e.status, message: e.message };
    throw e;
  }
  throw new Error(`accepted: ${JSON.stringify(text)}`);
}

test('a GET without a body ends at its head', (t) => {
  const read = readRequest('GET /a?b=1 HTTP/1.1\r\nHost: x\r\nX-Thing:  spaced value \t\r\n\r\nGET /next');
  t.is(read.head?.method, 'GET');
  t.is(read.head?.target, '/a?b=1');
  t.is(read.head?.fields.hosts, 1);
  t.true(read.ended);
  t.is(read.used, read.raw.length, 'the next request is not taken');
});

test('a Content-Length body, fed a byte at a time, ends at its length', (t) => {
  const text = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloPOST';
  const read = readRequest(text, 1);
  t.is(read.body, 'hello');
  t.true(read.ended);
  t.is(read.used, text.length - 4);
});

test('a chunked body is passed on raw, extensions and trailers included', (t) => {
  const body = '3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: yes\r\n\r\n';
  for (const step of [1, 7, 1000]) {
    const read = readRequest(`POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body}GET`, step);
    t.is(read.body, body, `step ${step}`);
    t.true(read.ended);
  }
});

test('empty lines before a request line are skipped', (t) => {
  t.is(readRequest('\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n').head?.target, '/');
});

test('the fields the gateway acts on are found whatever their case, values trimmed', (t) => {
  const read = readRequest('POST / HTTP/1.1\r\nhOsT: x\r\nCONNECTION:  Keep-Alive , Upgrade \t\r\nX-Content-Length: 9\r\nContent-Length: 2, 2\r\nExpect: 100-continue\r\n\r\nab');
  t.deepEqual(read.head?.fields, { connection: ['keep-alive', 'upgrade'], transferEncoding: [], contentLength: ['2', '2'], hosts: 1, expect: ['100-continue'], date: false });
  t.is(read.body, 'ab');
});

test('HTTP/1.0 needs no Host', (t) => {
  t.is(readRequest('GET / HTTP/1.0\r\n\r\n').head?.minor, 0);
});

const REFUSED: [string, string, number, RegExp][] = [
  ['garbage', 'GARBAGE\r\n\r\n', 400, /malformed request line/],
  ['a bare LF', 'GET / HTTP/1.1\nHost: x\r\n\r\n', 400, /bare CR or LF/],
  ['a bare LF among the fields', 'GET / HTTP/1.1\r\nHost: x\nY: z\r\n\r\n', 400, /bare LF/],
  ['a bare CR', 'GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n', 400, /bare CR/],
  ['obs-fold', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n', 400, /folding/],
  ['space before the colon', 'GET / HTTP/1.1\r\nHost : x\r\n\r\n', 400, /malformed header/],
  ['a control character in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n', 400, /control character/],
  ['no Host', 'GET / HTTP/1.1\r\n\r\n', 400, /no Host/],
  ['two Hosts', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, /more than one Host/],
  ['Content-Length and Transfer-Encoding', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 400, /both/],
  ['differing Content-Lengths', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n', 400, /conflicting/],
  ['a signed Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\n', 400, /bad Content-Length/],
  ['gzip as the last coding', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 501, /unsupported Transfer-Encoding/],
  ['Transfer-Encoding in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 400, /HTTP\/1\.0/],
  ['HTTP/2.0', 'GET / HTTP/2.0\r\nHost: x\r\n\r\n', 505, /not supported/],
  ['CONNECT', 'CONNECT a:443 HTTP/1.1\r\nHost: a\r\n\r\n', 501, /CONNECT/],
  ['a head over 16 KiB', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(17000)}\r\n\r\n`, 431, /head larger/],
  ['a head over 16 KiB, still coming', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(17000)}`, 431, /head larger/],
  ['a chunk size that is not hex', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, /chunk size/],
  ['a chunk size of 13 digits', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n', 400, /too large/],
  ['chunk data longer than its size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', 400, /not followed by CRLF/],
  ['a bare LF after a chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n', 400, /chunk size/],
  ['a negative chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\nab\r\n', 400, /chunk size/],
  // Heads that never show CRLF CRLF are refused as they come, not at their deadline.
  ['a head whose lines all end in a bare LF', 'GET / HTTP/1.1\nHost: a\n\n', 400, /bare LF/],
  ['a request line ending in a bare LF, the rest still coming', 'GET / HTTP/1.1\nHo', 400, /bare LF/],
  ['a bare LF before the request line', '\nGET / HTTP/1.1\r\nHost: a\r\n\r\n', 400, /bare CR or LF/],
  ['a head whose lines all end in a bare CR', 'GET / HTTP/1.1\rHost: a\r\r', 400, /bare CR/],
  ['a NUL byte in a value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n', 400, /control character/],
  ['a NUL byte in a field name', 'GET / HTTP/1.1\r\nHost: x\r\nX\x00Y: b\r\n\r\n', 400, /malformed header/],
  ['a NUL byte in the target', 'GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n', 400, /malformed request line/],
  ['a NUL byte in a chunk size', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\x00\r\nab\r\n', 400, /chunk size/],
  ['2,000 header fields', `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 2000 }, (_, i) => `X-Header-${i}: ${i}\r\n`).join('')}\r\n`, 431, /head larger/],
];

for (const [what, text, status, message] of REFUSED) {
  test(`refuses ${what} with ${status}`, (t) => {
    const refused = refusal(text);
    t.is(refused.status, status);
    t.regex(refused.message, message);
  });
}

test('bare line ends are refused at the byte that shows them, whatever the pieces', (t) => {
  for (const [text, at] of [['GET / HTTP/1.1\nHost: a\n\n', 14], ['GET / HTTP/1.1\r\nHost: a\n\n', 23], ['GET / HTTP/1.1\rHost: a\r\r', 15]] as const) {
    const { r } = reader(parseRequestHead);
    const bytes = Buffer.from(text, 'latin1');
    let fed = 0;
    t.throws(() => { for (; fed < bytes.length; fed++) r.push(bytes.subarray(fed, fed + 1)); }, { instanceOf: HttpSyntaxError, message: /bare (LF|CR)/ });
    t.is(fed, at, JSON.stringify(text));
  }
});

function readResponse(text: string, method = 'GET', closeAtEnd = false): Read<ResponseHead> {
  const { r, out } = reader((head) => parseResponseHead(head, method), 64 * 1024);
  out.used = r.push(Buffer.from(text, 'latin1'));
  if (closeAtEnd) r.finish();
  return out;
}

test('responses: HEAD, 204 and 304 have no body whatever they announce', (t) => {
  t.true(readResponse('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n', 'HEAD').ended);
  t.true(readResponse('HTTP/1.1 204 No Content\r\n\r\n').ended);
  t.true(readResponse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').ended);
});

test('responses: without a length the body runs until the function closes', (t) => {
  const open = readResponse('HTTP/1.1 200 OK\r\n\r\npart');
  t.false(open.ended);
  t.is(open.body, 'part');
  t.true(readResponse('HTTP/1.1 200 OK\r\n\r\npart', 'GET', true).ended);
});

test('responses: a malformed status line is refused', (t) => {
  t.throws(() => readResponse('HTTP/1.1 2000 OK\r\n\r\n'), { instanceOf: HttpSyntaxError, message: /malformed status line/ });
  t.throws(() => readResponse('hello\r\n\r\n'), { instanceOf: HttpSyntaxError });
});

test('responses: a head with bare LF line ends is refused as it comes', (t) => {
  t.throws(() => readResponse('HTTP/1.1 200 OK\nContent-Length: 0\n\n'), { instanceOf: HttpSyntaxError, message: /bare LF/ });
});

/** A small deterministic PRNG, so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

const VALID = [
  'GET /a HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello',
  'POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n',
];

test('mutated requests fed in random pieces: an HttpSyntaxError or a consistent reading, nothing else', (t) => {
  const random = prng(20261126);
  const pick = (n: number) => Math.floor(random() * n);
  const bytes = [0x0d, 0x0a, 0x20, 0x3a, 0x3b, 0x30, 0x41, 0x00, 0xff, 0x09];
  let accepted = 0;
  for (let round = 0; round < 3000; round++) {
    const text = Buffer.from(VALID[pick(VALID.length)]!, 'latin1');
    const mutated = [...text];
    for (let m = 0, count = 1 + pick(3); m < count; m++) {
      const at = pick(mutated.length);
      const what = pick(3);
      if (what === 0) mutated[at] = bytes[pick(bytes.length)]!;
      else if (what === 1) mutated.splice(at, 0, bytes[pick(bytes.length)]!);
      else mutated.splice(at, 1);
    }
    const input = Buffer.from(mutated);
    const { r, out } = reader(parseRequestHead);
    try {
      for (let at = 0; at < input.length && !out.ended;) {
        const step = 1 + pick(8);
        const piece = input.subarray(at, at + step);
        const used = r.push(piece);
        out.used += used;
        at += piece.length;
        if (used < piece.length) break;
      }
    } catch (e) {
      if (!(e instanceof HttpSyntaxError)) t.fail(`round ${round}: ${(e as Error).stack} for ${JSON.stringify(input.toString('latin1'))}`);
      continue;
    }
    if (!out.ended) continue;
    accepted++;
    // What it read is exactly a prefix of the input, head then body, leading empty lines aside.
    const read = out.raw + out.body;
    const text2 = input.toString('latin1');
    t.true(text2.slice(0, out.used).endsWith(read), `round ${round}: ${JSON.stringify(text2)}`);
  }
  t.true(accepted > 100, `only ${accepted} mutated requests were accepted`);
});

test('a head over the limit with a bare LF is refused the same however it is cut into reads (found by test/fuzz)', (t) => {
  const status = (text: string, step: number) => {
    try {
      readRequest(text, step);
    } catch (e) {
      if (e instanceof HttpSyntaxError) return e.status;
      throw e;
    }
    return 0;
  };
  // Before: 431 when read whole, 400 when its first read held the bare LF.
  const early = `GET / HTTP/1.1\nHost: x\r\nX: ${'a'.repeat(17000)}`;
  for (const step of [early.length, 4096, 100, 7]) t.is(status(early, step), 400, `bare LF within the limit, reads of ${step}`);
  const late = `GET / HTTP/1.1\r\nHost: x\r\nX: ${'a'.repeat(17000)}\nY: z`;
  for (const step of [late.length, 4096, 100]) t.is(status(late, step), 431, `bare LF only past the limit, reads of ${step}`);
});
