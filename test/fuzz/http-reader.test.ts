// Property-based tests of the HTTP gateway's readers (src/gateways/http/):
// a valid request or response, however its bytes are cut, reads as the same
// head, the same raw body and the same end; any bytes at all read the same
// whole as cut, and are refused only with an HttpSyntaxError.
import test from 'ava';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { HttpSyntaxError, parseRequestHead, parseResponseHead, type Framing } from '../../src/gateways/http/head.js';
import { MessageReader } from '../../src/gateways/http/reader.js';
import { budget, cut } from './budget.js';

type Outcome = { refused: number } | { head: unknown; framing: Framing; raw: string; body: string; ended: boolean; used: number };

/** Reads one message from `pieces` as the gateway does: pieces go in until it
 * ends; `closed`: then the sender closes (a body framed by the close ends). */
function read(parse: (text: string) => { head: unknown; framing: Framing }, pieces: Buffer[], closed: boolean, maxHeadBytes = 16 * 1024): Outcome {
  const out = { head: undefined as unknown, framing: { kind: 'none' } as Framing, raw: '', body: '', ended: false, used: 0 };
  const reader = new MessageReader(parse, { maxHeadBytes, headTooLargeStatus: 431 }, {
    head: (head, framing, raw) => Object.assign(out, { head, framing, raw: raw.toString('latin1') }),
    body: (raw) => { out.body += raw.toString('latin1'); },
    end: () => { out.ended = true; },
  });
  try {
    for (const piece of pieces) {
      if (out.ended) break;
      out.used += reader.push(piece);
    }
    if (closed) reader.finish();
  } catch (e) {
    if (e instanceof HttpSyntaxError) return { refused: e.status };
    throw e;
  }
  return out;
}

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const fieldValue = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
/** fields the readers do not act on (theirs are added by the generators) */
const otherFields = fc.array(fc.tuple(token, fieldValue), { maxLength: 6 })
  .map((fields) => fields.filter(([name]) => !/^(connection|transfer-encoding|content-length|expect|host|date)$/i.test(name)));
const bodyBytes = fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b).toString('latin1'));

/** A body with its framing field and its bytes on the wire. */
const body = fc.oneof(
  fc.constant({ field: '', wire: '', framing: 'none' }),
  bodyBytes.map((b) => ({ field: `Content-Length: ${b.length}\r\n`, wire: b, framing: b.length ? 'length' : 'none' })),
  fc.tuple(fc.array(bodyBytes.filter((b) => b.length > 0), { maxLength: 4 }), fc.boolean(), fc.array(fc.tuple(token, fieldValue), { maxLength: 2 }))
    .map(([chunks, upper, trailers]) => {
      const size = (n: number) => (upper ? n.toString(16).toUpperCase() : n.toString(16));
      const wire = chunks.map((c) => `${size(c.length)}\r\n${c}\r\n`).join('') + `0\r\n${trailers.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;
      return { field: 'Transfer-Encoding: chunked\r\n', wire, framing: 'chunked' };
    }),
);

const fieldLines = (fields: [string, string][]) => fields.map(([n, v]) => `${n}: ${v}\r\n`).join('');

const request = fc.record({
  method: token.filter((m) => m !== 'CONNECT'), target: fc.stringMatching(/^\/[\x21-\x7e]{0,40}$/),
  fields: otherFields, body, next: fc.stringMatching(/^(GET \/ HTTP\/1\.1\r\n)?$/),
});

const response = fc.record({
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304), reason: fc.stringMatching(/^[A-Za-z ]{0,20}$/),
  // A response that says nothing of its length ends at the close (RFC 9112 §6.3).
  fields: otherFields, body: fc.oneof(body.filter((b) => b.field !== ''), bodyBytes.map((b) => ({ field: '', wire: b, framing: 'until-close' }))),
});

test('a valid request reads as its head, its raw body and its end, however its bytes are cut', (t) => {
  fc.assert(fc.property(request, fc.array(fc.nat(), { maxLength: 16 }), (r, points) => {
    const head = `${r.method} ${r.target} HTTP/1.1\r\nHost: fuzz\r\n${fieldLines(r.fields)}${r.body.field}\r\n`;
    const message = head + r.body.wire;
    const read1 = read(parseRequestHead, cut(Buffer.from(message + r.next, 'latin1'), points), false);
    assert.ok(!('refused' in read1), `refused with ${JSON.stringify(read1)}`);
    assert.equal(read1.raw, head);
    assert.equal(read1.body, r.body.wire);
    assert.equal(read1.framing.kind, r.body.framing);
    assert.ok(read1.ended);
    assert.equal(read1.used, message.length, 'the next request\'s bytes are not this one\'s');
    assert.deepEqual((read1.head as { method: string; target: string }), { method: r.method, target: r.target, minor: 1, fields: (read1.head as { fields: unknown }).fields });
  }), budget());
  t.pass();
});

test('a valid response reads as its head, its raw body and its end, however its bytes are cut', (t) => {
  fc.assert(fc.property(response, fc.array(fc.nat(), { maxLength: 16 }), (r, points) => {
    const head = `HTTP/1.1 ${r.status} ${r.reason}\r\n${fieldLines(r.fields)}${r.body.field}\r\n`;
    const message = head + r.body.wire;
    const read1 = read((text) => parseResponseHead(text, 'GET'), cut(Buffer.from(message, 'latin1'), points), true);
    assert.ok(!('refused' in read1), `refused with ${JSON.stringify(read1)}`);
    assert.equal(read1.raw, head);
    assert.equal(read1.body, r.body.wire);
    assert.equal(read1.framing.kind, r.body.framing);
    assert.ok(read1.ended);
    assert.equal(read1.used, message.length);
    assert.equal((read1.head as { status: number }).status, r.status);
  }), budget());
  t.pass();
});

/** Valid messages with bytes flipped, inserted or dropped, and random bytes. */
function mangled(valid: fc.Arbitrary<string>): fc.Arbitrary<Buffer> {
  const edit = fc.tuple(fc.nat(), fc.constantFrom('flip', 'insert', 'drop'), fc.constantFrom(0x0d, 0x0a, 0x20, 0x3a, 0x00, 0x7f, 0xff, 0x30, 0x09, 0x3b));
  return fc.oneof(
    fc.uint8Array({ maxLength: 1024 }).map((b) => Buffer.from(b)),
    fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([text, edits]) => {
      const bytes = [...Buffer.from(text, 'latin1')];
      for (const [at, kind, byte] of edits) {
        const i = bytes.length ? at % bytes.length : 0;
        if (kind === 'flip') bytes[i] = byte;
        else if (kind === 'insert') bytes.splice(i, 0, byte);
        else bytes.splice(i, 1);
      }
      return Buffer.from(bytes);
    }),
  );
}

const requestText = request.map((r) => `${r.method} ${r.target} HTTP/1.1\r\nHost: fuzz\r\n${fieldLines(r.fields)}${r.body.field}\r\n${r.body.wire}${r.next}`);
const responseText = response.map((r) => `HTTP/1.1 ${r.status} ${r.reason}\r\n${fieldLines(r.fields)}${r.body.field}\r\n${r.body.wire}`);

for (const [what, parse, text] of [
  ['request', parseRequestHead, requestText],
  ['response', (t: string) => parseResponseHead(t, 'GET'), responseText],
] as const) {
  test(`any bytes as a ${what}: read the same whole as cut, refused only with an HttpSyntaxError`, (t) => {
    fc.assert(fc.property(mangled(text), fc.array(fc.nat(), { maxLength: 16 }), fc.boolean(), (bytes, points, closed) => {
      // A small head limit, so that heads too large are among the cases.
      const whole = read(parse, [bytes], closed, 256);
      const pieces = read(parse, cut(bytes, points), closed, 256);
      assert.deepEqual(pieces, whole);
    }), budget());
    t.pass();
  });
}

test('pipelined valid requests, cut anywhere, read one after the other as the connection reads them', (t) => {
  const message = request.map((r) => ({
    head: `${r.method} ${r.target} HTTP/1.1\r\nHost: fuzz\r\n${fieldLines(r.fields)}${r.body.field}\r\n`, body: r.body.wire,
  }));
  fc.assert(fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 24 }), (messages, points) => {
    const read: { head: string; body: string }[] = [];
    let current = { head: '', body: '' };
    const reader = new MessageReader(parseRequestHead, { maxHeadBytes: 16 * 1024, headTooLargeStatus: 431 }, {
      head: (_, __, raw) => { current.head = raw.toString('latin1'); },
      body: (raw) => { current.body += raw.toString('latin1'); },
      end: () => { read.push(current); current = { head: '', body: '' }; },
    });
    // As connection.ts does: what a message did not use is the next one's, after a reset.
    for (let piece of cut(Buffer.from(messages.map((m) => m.head + m.body).join(''), 'latin1'), points)) {
      while (piece.length > 0) {
        const used = reader.push(piece);
        piece = piece.subarray(used);
        if (!reader.complete) {
          assert.equal(piece.length, 0, 'an unfinished message takes all it is given');
          break;
        }
        reader.reset();
      }
    }
    assert.deepEqual(read, messages);
  }), budget(1000));
  t.pass();
});
