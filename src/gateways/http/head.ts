// Parsing and checking the head of an HTTP/1.1 message (RFC 9112): the start
// line, the header fields, and what they say about where the body ends.
// Strict on purpose: the gateway relays raw bytes between clients and
// functions, so anything two parsers could read differently (bare LF,
// obs-fold, whitespace before a colon, Content-Length with Transfer-Encoding)
// is refused rather than repaired.

import { HttpSyntaxError } from '../../errors.js';

export { HttpSyntaxError };

/** Where a message body ends. */
export type Framing =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' };

export interface Head {
  /** 1.0 or 1.1, as the minor version */
  minor: 0 | 1;
  /** the fields the gateway acts on (lists split, lower-cased); the rest pass through unread */
  fields: KnownFields;
}

export interface KnownFields {
  connection: string[];
  transferEncoding: string[];
  contentLength: string[];
  hosts: number;
  expect: string[];
  date: boolean;
}

export interface RequestHead extends Head {
  method: string;
  target: string;
}

export interface ResponseHead extends Head {
  status: number;
  reason: string;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[ \t]*[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e\x80-\xff]+) HTTP\/([0-9])\.([0-9])$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;
/** Every field line well formed, checked in one pass from the end of the start line. */
const FIELD_LINES = /(?:\r\n[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[\t\x20-\x7e\x80-\xff]*)*$/y;
/** The field lines the gateway acts on. */
const KNOWN_FIELD = /\r\n(connection|transfer-encoding|content-length|expect|host|date):[ \t]*([^\r]*)/gi;

/** The start line and the fields of a head (given without its final CRLF CRLF). */
function splitHead(text: string): { startLine: string; fields: KnownFields } {
  const lineEnd = text.indexOf('\r\n');
  const startLine = lineEnd < 0 ? text : text.slice(0, lineEnd);
  if (startLine.includes('\n') || startLine.includes('\r')) throw new HttpSyntaxError('bare CR or LF in the head');
  if (lineEnd < 0) return { startLine, fields: noFields() };
  FIELD_LINES.lastIndex = lineEnd;
  if (!FIELD_LINES.test(text)) throw whyFieldsAreBad(text.slice(lineEnd + 2));
  return { startLine, fields: knownFields(text, lineEnd) };
}

const noFields = (): KnownFields => ({ connection: [], transferEncoding: [], contentLength: [], hosts: 0, expect: [], date: false });

function knownFields(text: string, from: number): KnownFields {
  const fields = noFields();
  KNOWN_FIELD.lastIndex = from;
  for (let m = KNOWN_FIELD.exec(text); m; m = KNOWN_FIELD.exec(text)) {
    gather(fields, m[1]!.toLowerCase(), m[2]!.replace(/[ \t]+$/, ''));
  }
  return fields;
}

/** The precise complaint about field lines that failed the one-pass check. */
function whyFieldsAreBad(block: string): HttpSyntaxError {
  if (/\r(?!\n)/.test(block)) return new HttpSyntaxError('bare CR in the head');
  if (/(?<!\r)\n/.test(block)) return new HttpSyntaxError('bare LF in the head');
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (line[0] === ' ' || line[0] === '\t') return new HttpSyntaxError('obsolete line folding');
    if (colon <= 0 || !TOKEN.test(name)) return new HttpSyntaxError(`malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    if (!FIELD_VALUE.test(line.slice(colon + 1))) return new HttpSyntaxError(`header ${name} has a control character`);
  }
  return new HttpSyntaxError('malformed header section');
}

function listItems(value: string, into: string[]): void {
  for (const item of value.split(',')) {
    const t = item.trim().toLowerCase();
    if (t) into.push(t);
  }
}

function gather(fields: KnownFields, lowerName: string, value: string): void {
  switch (lowerName) {
    case 'connection': return listItems(value, fields.connection);
    case 'transfer-encoding': return listItems(value, fields.transferEncoding);
    case 'content-length': return listItems(value, fields.contentLength);
    case 'expect': return listItems(value, fields.expect);
    case 'host': fields.hosts++; return;
    case 'date': fields.date = true; return;
    default:
  }
}

/** The framing the body-length headers announce: chunked, a length, or nothing said. */
function declaredFraming(head: Head): Framing | undefined {
  const { transferEncoding: encodings, contentLength: lengths } = head.fields;
  if (encodings.length > 0) {
    if (lengths.length > 0) throw new HttpSyntaxError('both Transfer-Encoding and Content-Length');
    if (head.minor === 0) throw new HttpSyntaxError('Transfer-Encoding in an HTTP/1.0 message');
    if (encodings[encodings.length - 1] !== 'chunked' || encodings.indexOf('chunked') !== encodings.length - 1) {
      throw new HttpSyntaxError(`unsupported Transfer-Encoding: ${encodings.join(', ')}`, 501);
    }
    return CHUNKED;
  }
  if (lengths.length === 0) return undefined;
  if (lengths.some((l) => l !== lengths[0])) throw new HttpSyntaxError('conflicting Content-Length values');
  if (!/^[0-9]{1,15}$/.test(lengths[0]!)) throw new HttpSyntaxError(`bad Content-Length: ${JSON.stringify(lengths[0])}`);
  const length = Number(lengths[0]);
  return length === 0 ? NO_BODY : { kind: 'length', length };
}

const NO_BODY: Framing = { kind: 'none' };
const UNTIL_CLOSE: Framing = { kind: 'until-close' };
const CHUNKED: Framing = { kind: 'chunked' };

export function parseRequestHead(text: string): { head: RequestHead; framing: Framing } {
  const { startLine: requestLine, fields } = splitHead(text);
  const line = REQUEST_LINE.exec(requestLine);
  if (!line) throw new HttpSyntaxError(`malformed request line: ${JSON.stringify(requestLine.slice(0, 80))}`);
  const [, method, target, major, minor] = line as unknown as [string, string, string, string, string];
  if (major !== '1' || (minor !== '0' && minor !== '1')) throw new HttpSyntaxError(`HTTP/${major}.${minor} is not supported`, 505);
  if (method === 'CONNECT') throw new HttpSyntaxError('CONNECT is not supported', 501);
  const head: RequestHead = { method, target, minor: minor === '1' ? 1 : 0, fields };
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host.
  const { hosts } = head.fields;
  if (head.minor === 1 ? hosts !== 1 : hosts > 1) throw new HttpSyntaxError(hosts ? 'more than one Host header' : 'no Host header');
  return { head, framing: declaredFraming(head) ?? NO_BODY };
}

export function parseResponseHead(text: string, requestMethod: string): { head: ResponseHead; framing: Framing } {
  const { startLine: statusLine, fields } = splitHead(text);
  const line = STATUS_LINE.exec(statusLine);
  if (!line) throw new HttpSyntaxError(`malformed status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const status = Number(line[2]);
  if (status < 100) throw new HttpSyntaxError(`status ${status} is out of range`);
  const head: ResponseHead = { status, reason: line[3] ?? '', minor: line[1] === '1' ? 1 : 0, fields };
  const declared = declaredFraming(head);
  // RFC 9112 §6.3: these never have a body, whatever the headers say.
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) return { head, framing: NO_BODY };
  return { head, framing: declared ?? UNTIL_CLOSE };
}

/** Whether the connection may carry another request after this exchange. */
export function keepsAlive(head: Head): boolean {
  const options = head.fields.connection;
  if (options.includes('close')) return false;
  return head.minor === 1 || options.includes('keep-alive');
}
