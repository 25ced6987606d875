// A small HTTP/1.1 helper: read the request a gateway wrote on handle 1, answer it.
// Malformed input never throws (AssemblyScript cannot catch): parse/read return null.

import { Handle, ByteBuffer, trySpawn } from "./handle";

/** A header section larger than this is refused rather than buffered forever. */
export const MAX_HEAD_BYTES: i32 = 64 * 1024;

export class Header {
  constructor(public name: string, public value: string) {}
}

/** An HTTP/1.1 request: what a gateway (or a parent function) wrote on handle 1. */
export class Request {
  method: string = "GET";
  /** The request target as sent, query string included. */
  path: string = "/";
  version: string = "HTTP/1.1";
  headers: Header[] = [];
  /** The body, already de-chunked. */
  body: Uint8Array = new Uint8Array(0);

  /** The first header called `name` (case-insensitive), or null. */
  header(name: string): string | null {
    return findHeader(this.headers, name);
  }

  /** The part of `path` after "?", or null. */
  query(): string | null {
    const at = this.path.indexOf("?");
    return at < 0 ? null : this.path.substring(at + 1);
  }

  bodyText(): string {
    return decode(this.body, 0, this.body.length);
  }

  /** The request as bytes, with a Content-Length when it has a body (to send to a child). */
  toBytes(): Uint8Array {
    const withLength = this.body.length > 0 || this.method == "POST" || this.method == "PUT";
    return serialize(this.method + " " + this.path + " " + this.version, this.headers, this.body, withLength);
  }
}

/** An HTTP/1.1 response; Content-Length is set when it is serialized. */
export class Response {
  headers: Header[] = [];
  body: Uint8Array = new Uint8Array(0);

  constructor(public status: i32 = 200) {}

  /** A text/plain (UTF-8) response. */
  static text(status: i32, text: string): Response {
    return new Response(status).setHeader("Content-Type", "text/plain; charset=utf-8").setText(text);
  }

  setHeader(name: string, value: string): Response {
    this.headers.push(new Header(name, value));
    return this;
  }

  setBody(body: Uint8Array): Response {
    this.body = body;
    return this;
  }

  setText(text: string): Response {
    return this.setBody(Uint8Array.wrap(String.UTF8.encode(text)));
  }

  header(name: string): string | null {
    return findHeader(this.headers, name);
  }

  bodyText(): string {
    return decode(this.body, 0, this.body.length);
  }

  /** Status line, headers, Content-Length, blank line, body (1xx/204/304: no body). */
  toBytes(): Uint8Array {
    const startLine = "HTTP/1.1 " + this.status.toString() + " " + reasonPhrase(this.status);
    const bodiless = this.status < 200 || this.status == 204 || this.status == 304;
    return serialize(startLine, this.headers, bodiless ? new Uint8Array(0) : this.body, !bodiless);
  }

  /** Writes the whole response in one write. */
  writeTo(handle: Handle = Handle.PARENT): void {
    handle.write(this.toBytes());
  }
}

/** Parses a complete request held in memory; null if malformed or incomplete. */
export function parseRequest(bytes: Uint8Array): Request | null {
  return toRequest(parseMessage(bytes, false, true));
}

/** Reads the request from `handle` until it is complete or the peer closes, waiting in
 *  `events` while nothing is buffered; null if malformed or truncated. */
export function readRequest(handle: Handle = Handle.PARENT): Request | null {
  return toRequest(readMessage(handle, false));
}

/** Parses a complete response held in memory (e.g. a child's answer); null if malformed. */
export function parseResponse(bytes: Uint8Array): Response | null {
  return toResponse(parseMessage(bytes, true, true));
}

/** Reads a response from `handle` (e.g. a child) until complete or EOF; null if malformed. */
export function readResponse(handle: Handle): Response | null {
  return toResponse(readMessage(handle, true));
}

/** Reads the request on handle 1, answers with `handler`'s response and closes handle 1.
 *  A malformed request gets 400 Bad Request without calling `handler`. */
export function serve(handler: (request: Request) => Response): void {
  const request = readRequest(Handle.PARENT);
  const response = request ? handler(request) : Response.text(400, "bad request\n");
  response.writeTo(Handle.PARENT);
  Handle.PARENT.close();
}

/** The special function that makes outbound HTTP calls (docs/special-functions.md). */
export const HTTP_SPECIAL = "embly/http";

/** What the last send() that gave null failed with: an errno of spawn or write (Errno.EACCES:
 *  the project gives this function no allowed_outbound_hosts), or -1: no readable answer. */
let sendError: i32 = 0;

export function lastError(): i32 {
  return sendError;
}

/**
 * One outbound call through the special function embly/http: `request.path` is the absolute
 * URL ("https://api.example.com/v1/x"), whose origin must be in the function's
 * allowed_outbound_hosts (else Embly answers 403); Host is added from it unless set. Returns
 * the response (Embly's own 403/502/503/504 carry an Embly-Error header), or null when there
 * is none: lastError() says why.
 */
export function send(request: Request): Response | null {
  sendError = 0;
  const child = trySpawn(HTTP_SPECIAL);
  if (child < 0) {
    sendError = -child;
    return null;
  }
  const handle = new Handle(<u32>child);
  const written = handle.tryWrite(withHost(request).toBytes());
  handle.close();
  if (written != 0) {
    sendError = written;
    return null;
  }
  const buf = new ByteBuffer();
  while (buf.readFrom(handle)) {} // embly/http closes after its answer: to EOF, which releases the handle
  const message = parseMessage(buf.view(), true, true, request.method == "HEAD");
  const response = toResponse(message);
  if (response == null) sendError = -1;
  return response;
}

/** The request with a Host header from its absolute URL, if it has none. */
function withHost(request: Request): Request {
  if (request.header("Host") != null) return request;
  const scheme = request.path.indexOf("://");
  if (scheme < 0) return request;
  let end = scheme + 3;
  while (end < request.path.length) {
    const c = request.path.charCodeAt(end);
    if (c == 0x2f || c == 0x3f || c == 0x23) break; // / ? #
    end++;
  }
  const copy = new Request();
  copy.method = request.method;
  copy.path = request.path;
  copy.version = request.version;
  copy.headers = request.headers.slice(0);
  copy.headers.push(new Header("Host", request.path.substring(scheme + 3, end)));
  copy.body = request.body;
  return copy;
}

/** The standard reason phrase for a status code ("" if unknown, which HTTP allows). */
export function reasonPhrase(status: i32): string {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
  }
}

// ---------------------------------------------------------------- framing

const INCOMPLETE: i32 = 0;
const COMPLETE: i32 = 1;
const MALFORMED: i32 = 2;

/** The outcome of parsing: the start line in three parts, headers and body once COMPLETE. */
class Message {
  state: i32 = INCOMPLETE;
  parts: string[] = ["", "", ""];
  headers: Header[] = [];
  body: Uint8Array = new Uint8Array(0);
}

function malformed(): Message {
  const m = new Message();
  m.state = MALFORMED;
  return m;
}

function readMessage(handle: Handle, bodyUntilEof: bool): Message {
  const buf = new ByteBuffer();
  let message = parseMessage(buf.view(), bodyUntilEof, false);
  while (message.state == INCOMPLETE) {
    const open = buf.readFrom(handle);
    message = parseMessage(buf.view(), bodyUntilEof, !open);
  }
  return message;
}

/** Parses one message from `buf`; INCOMPLETE while more bytes are needed. At EOF
 *  an incomplete message is MALFORMED (truncated); a body without framing ends there. */
function parseMessage(buf: Uint8Array, bodyUntilEof: bool, eof: bool, bodiless: bool = false): Message {
  const headLen = findHeadEnd(buf, 0);
  if (headLen == 0) return eof || buf.length > MAX_HEAD_BYTES ? malformed() : new Message();
  const message = parseHead(decode(buf, 0, headLen));
  if (message.state == MALFORMED) return message;
  if (bodiless) { // the answer to a HEAD: its Content-Length describes a body not sent
    message.state = COMPLETE;
    return message;
  }
  const framing = bodyFraming(message.headers, bodyUntilEof);
  const rest = buf.subarray(headLen);
  if (framing == MALFORMED_LENGTH) message.state = MALFORMED;
  else if (framing == CHUNKED) decodeChunked(rest, message);
  else takeBody(rest, framing, eof, message);
  if (eof && message.state == INCOMPLETE) message.state = MALFORMED;
  return message;
}

// Body framings: >= 0 is a Content-Length.
const CHUNKED: i32 = -1;
const UNTIL_EOF: i32 = -2;
const MALFORMED_LENGTH: i32 = -3;

function takeBody(rest: Uint8Array, framing: i32, eof: bool, message: Message): void {
  const complete = framing == UNTIL_EOF ? eof : rest.length >= framing;
  if (!complete) return;
  message.body = rest.slice(0, framing == UNTIL_EOF ? rest.length : framing);
  message.state = COMPLETE;
}

/** Length of the head including its blank line; 0 while the blank line has not arrived. */
function findHeadEnd(buf: Uint8Array, from: i32): i32 {
  let line = from;
  for (let i = from; i < buf.length; i++) {
    if (buf[i] != 0x0a) continue;
    const len = i - line;
    if (len == 0 || (len == 1 && buf[line] == 0x0d)) return i + 1;
    line = i + 1;
  }
  return 0;
}

function parseHead(text: string): Message {
  const message = new Message();
  const lines = text.split("\n");
  const startLine = trimCR(lines[0]);
  const first = startLine.indexOf(" ");
  const second = first < 0 ? -1 : startLine.indexOf(" ", first + 1);
  if (first <= 0) return malformed();
  message.parts[0] = startLine.substring(0, first);
  message.parts[1] = second < 0 ? startLine.substring(first + 1) : startLine.substring(first + 1, second);
  message.parts[2] = second < 0 ? "" : startLine.substring(second + 1);
  if (message.parts[1].length == 0) return malformed();
  for (let i = 1; i < lines.length; i++) {
    const line = trimCR(lines[i]);
    if (line.length == 0) continue;
    const colon = line.indexOf(":");
    if (colon <= 0 || hasWhitespace(line.substring(0, colon))) return malformed();
    message.headers.push(new Header(line.substring(0, colon), line.substring(colon + 1).trim()));
  }
  return message;
}

function bodyFraming(headers: Header[], bodyUntilEof: bool): i32 {
  const te = findHeader(headers, "transfer-encoding");
  if (te != null && indexOfIgnoreCase(te, "chunked") >= 0) return CHUNKED;
  let length = -1;
  for (let i = 0; i < headers.length; i++) {
    if (!equalsIgnoreCase(headers[i].name, "content-length")) continue;
    const n = parseDecimal(headers[i].value);
    if (n < 0 || (length >= 0 && n != length)) return MALFORMED_LENGTH;
    length = n;
  }
  if (length >= 0) return length;
  return bodyUntilEof ? UNTIL_EOF : 0;
}

/** Digits only (refusing signs and junk, which smuggle requests); -1 when invalid. */
function parseDecimal(text: string): i32 {
  if (text.length == 0 || text.length > 9) return -1;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/** De-chunks `rest` into message.body: COMPLETE once the last chunk and the trailers
 *  arrived, MALFORMED for invalid chunks, left INCOMPLETE otherwise. */
function decodeChunked(rest: Uint8Array, message: Message): void {
  const body = new ByteBuffer();
  let at = 0;
  for (;;) {
    const lineEnd = indexOfByte(rest, 0x0a, at);
    if (lineEnd < 0) return;
    const size = parseHex(decode(rest, at, lineEnd - at));
    at = lineEnd + 1;
    if (size < 0 || (size > 0 && rest.length - at >= size + 2 && !endsWithCRLF(rest, at + size))) {
      message.state = MALFORMED;
      return;
    }
    if (size == 0 && findHeadEnd(rest, at) == 0) return;
    if (size == 0) break;
    if (rest.length - at < size + 2) return;
    body.append(rest.subarray(at, at + size));
    at += size + 2;
  }
  message.body = body.toBytes();
  message.state = COMPLETE;
}

function endsWithCRLF(bytes: Uint8Array, at: i32): bool {
  return bytes[at] == 0x0d && bytes[at + 1] == 0x0a;
}

/** A chunk-size line's hex number (extensions after ';' ignored); -1 when invalid. */
function parseHex(line: string): i32 {
  const semicolon = line.indexOf(";");
  const digits = trimCR(semicolon < 0 ? line : line.substring(0, semicolon)).trim();
  if (digits.length == 0 || digits.length > 7) return -1;
  let n = 0;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i) | 0x20;
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1;
    if (d < 0) return -1;
    n = n * 16 + d;
  }
  return n;
}

function toRequest(message: Message): Request | null {
  if (message.state != COMPLETE) return null;
  const request = new Request();
  request.method = message.parts[0];
  request.path = message.parts[1];
  request.version = message.parts[2];
  request.headers = message.headers;
  request.body = message.body;
  return request;
}

function toResponse(message: Message): Response | null {
  if (message.state != COMPLETE) return null;
  const status = parseDecimal(message.parts[1]);
  if (status < 100 || status > 999) return null;
  const response = new Response(status);
  response.headers = message.headers;
  response.body = message.body;
  return response;
}

// ---------------------------------------------------------------- serializing

/** Start line, headers (minus framing headers, set here), Content-Length, blank line, body. */
function serialize(startLine: string, headers: Header[], body: Uint8Array, withLength: bool): Uint8Array {
  let head = startLine + "\r\n";
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i].name;
    if (equalsIgnoreCase(name, "content-length") || equalsIgnoreCase(name, "transfer-encoding")) continue;
    head += name + ": " + headers[i].value + "\r\n";
  }
  if (withLength) head += "Content-Length: " + body.length.toString() + "\r\n";
  head += "\r\n";
  const out = new ByteBuffer();
  out.append(Uint8Array.wrap(String.UTF8.encode(head)));
  out.append(body);
  return out.toBytes();
}

// ---------------------------------------------------------------- text helpers

function decode(bytes: Uint8Array, start: i32, length: i32): string {
  return String.UTF8.decodeUnsafe(bytes.dataStart + <usize>start, <usize>length);
}

function indexOfByte(bytes: Uint8Array, byte: u8, from: i32): i32 {
  for (let i = from; i < bytes.length; i++) if (bytes[i] == byte) return i;
  return -1;
}

function trimCR(line: string): string {
  return line.endsWith("\r") ? line.substring(0, line.length - 1) : line;
}

function hasWhitespace(text: string): bool {
  return text.indexOf(" ") >= 0 || text.indexOf("\t") >= 0;
}

function findHeader(headers: Header[], name: string): string | null {
  for (let i = 0; i < headers.length; i++) {
    if (equalsIgnoreCase(headers[i].name, name)) return headers[i].value;
  }
  return null;
}

// ASCII-only case folding: String#toLowerCase pulls in Unicode tables a hello does not need.
function lowerAscii(c: i32): i32 {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

function equalsIgnoreCase(a: string, b: string): bool {
  return a.length == b.length && indexOfIgnoreCase(a, b) == 0;
}

function indexOfIgnoreCase(haystack: string, needle: string): i32 {
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    let i = 0;
    while (i < needle.length && lowerAscii(haystack.charCodeAt(start + i)) == lowerAscii(needle.charCodeAt(i))) i++;
    if (i == needle.length) return start;
  }
  return -1;
}
