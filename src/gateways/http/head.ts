// Parsing and checking the head of an HTTP/1.1 message (RFC 9112): the start
// line, the header fields, and what they say about where the body ends.
// Strict on purpose: the gateway relays raw bytes between clients and
// functions, so anything two parsers could read differently (bare LF,
// obs-fold, whitespace before a colon, Content-Length with Transfer-Encoding)
// is refused rather than repaired.

export class HttpSyntaxError extends Error {
  /** status: what to answer a client for it (400, 431, 501, 505) */
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

/** Where a message body ends. */
export type Framing =
  | { kind: 'none' }
  | { kind: 'length'; length: number }
  | { kind: 'chunked' }
  | { kind: 'until-close' };

export interface Head {
  /** 1.0 or 1.1, as the minor version */
  minor: 0 | 1;
  /** [name, value] pairs in order, names as written, values trimmed */
  headers: [string, string][];
  /** what the gateway acts on, gathered in the same pass (lists split, lower-cased) */
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
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e\x80-\xff]+) HTTP\/([0-9])\.([0-9])$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3})(?: ([\t\x20-\x7e\x80-\xff]*))?$/;

/** Splits a head (without its final CRLF CRLF) into lines, refusing bare CR or LF. */
function lines(text: string): string[] {
  for (let lf = text.indexOf('\n'); lf >= 0; lf = text.indexOf('\n', lf + 1)) {
    if (text.charCodeAt(lf - 1) !== 0x0d) throw new HttpSyntaxError('bare LF in the head');
  }
  for (let cr = text.indexOf('\r'); cr >= 0; cr = text.indexOf('\r', cr + 1)) {
    if (text.charCodeAt(cr + 1) !== 0x0a) throw new HttpSyntaxError('bare CR in the head');
  }
  return text.split('\r\n');
}

const isBlank = (code: number) => code === 0x20 || code === 0x09;

/** A field value without the optional whitespace around it. */
function trimmed(line: string, from: number): string {
  let start = from;
  let end = line.length;
  while (start < end && isBlank(line.charCodeAt(start))) start++;
  while (end > start && isBlank(line.charCodeAt(end - 1))) end--;
  return line.slice(start, end);
}

function listItems(value: string, into: string[]): void {
  for (const item of value.split(',')) {
    const t = item.trim().toLowerCase();
    if (t) into.push(t);
  }
}

function parseFields(fieldLines: string[]): { headers: [string, string][]; fields: KnownFields } {
  const fields: KnownFields = { connection: [], transferEncoding: [], contentLength: [], hosts: 0, expect: [], date: false };
  const headers = fieldLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    if (colon <= 0 || !TOKEN.test(name)) {
      throw new HttpSyntaxError(line[0] === ' ' || line[0] === '\t' ? 'obsolete line folding' : `malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const value = trimmed(line, colon + 1);
    if (!FIELD_VALUE.test(value)) throw new HttpSyntaxError(`header ${name} has a control character`);
    gather(fields, name.toLowerCase(), value);
    return [name, value];
  });
  return { headers, fields };
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
  const [requestLine = '', ...fieldLines] = lines(text);
  const line = REQUEST_LINE.exec(requestLine);
  if (!line) throw new HttpSyntaxError(`malformed request line: ${JSON.stringify(requestLine.slice(0, 80))}`);
  const [, method, target, major, minor] = line as unknown as [string, string, string, string, string];
  if (major !== '1' || (minor !== '0' && minor !== '1')) throw new HttpSyntaxError(`HTTP/${major}.${minor} is not supported`, 505);
  if (method === 'CONNECT') throw new HttpSyntaxError('CONNECT is not supported', 501);
  const head: RequestHead = { method, target, minor: minor === '1' ? 1 : 0, ...parseFields(fieldLines) };
  // RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host.
  const { hosts } = head.fields;
  if (head.minor === 1 ? hosts !== 1 : hosts > 1) throw new HttpSyntaxError(hosts ? 'more than one Host header' : 'no Host header');
  return { head, framing: declaredFraming(head) ?? NO_BODY };
}

export function parseResponseHead(text: string, requestMethod: string): { head: ResponseHead; framing: Framing } {
  const [statusLine = '', ...fieldLines] = lines(text);
  const line = STATUS_LINE.exec(statusLine);
  if (!line) throw new HttpSyntaxError(`malformed status line: ${JSON.stringify(statusLine.slice(0, 80))}`);
  const status = Number(line[2]);
  if (status < 100) throw new HttpSyntaxError(`status ${status} is out of range`);
  const head: ResponseHead = { status, reason: line[3] ?? '', minor: line[1] === '1' ? 1 : 0, ...parseFields(fieldLines) };
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
