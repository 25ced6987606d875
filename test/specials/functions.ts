// Guests for the embly/http tests, and a project of them behind HTTP
// gateways. A client sends such a gateway an absolute-form request
// ("GET http://127.0.0.1:PORT/x HTTP/1.1"); the gateway hands the function
// those bytes, and the function calls out with them.
import type { ExecutionContext } from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startDaemon, tempDir, type RunningDaemon } from '../daemon/helpers.js';
import type { DaemonOptions } from '../../src/daemon/daemon.js';

/** C: passes its request's raw bytes to embly/http and the raw answer back (a failed spawn: 500 naming the errno). */
export const RELAY_C = `#include "embly.h"
int main(void) {
  embly_buffer request = {0}, response = {0};
  embly_handle_t child = 0;
  embly_err_t err = embly_read_to_end(EMBLY_HANDLE_PARENT, &request);
  if (err == EMBLY_OK) err = embly_spawn("embly/http", &child);
  if (err != EMBLY_OK) {
    embly_http_respond_text(EMBLY_HANDLE_PARENT, 500, embly_strerror(err));
    return embly_close(EMBLY_HANDLE_PARENT);
  }
  err = embly_write_all(child, request.data, request.len);
  if (err == EMBLY_OK) err = embly_close(child);
  if (err == EMBLY_OK) err = embly_read_to_end(child, &response);
  if (err == EMBLY_OK) err = embly_write_all(EMBLY_HANDLE_PARENT, response.data, response.len);
  embly_close(EMBLY_HANDLE_PARENT);
  return err == EMBLY_OK ? 0 : 1;
}
`;

/** C: sends the body of its request to embly/http as the raw outbound request, and the raw answer back. */
export const PIPE_C = `#include "embly.h"
static embly_err_t pipe_body(const embly_http_request *req) {
  embly_buffer answer = {0};
  embly_handle_t child = 0;
  embly_err_t err = embly_spawn("embly/http", &child);
  if (err == EMBLY_OK) err = embly_write_all(child, req->body, req->body_len);
  if (err == EMBLY_OK) err = embly_close(child);
  if (err == EMBLY_OK) err = embly_read_to_end(child, &answer);
  if (err == EMBLY_OK) err = embly_write_all(EMBLY_HANDLE_PARENT, answer.data, answer.len);
  embly_buffer_free(&answer);
  return err;
}
int main(void) { return embly_http_serve(pipe_body) == EMBLY_OK ? 0 : 1; }
`;

/** C: relays its request like RELAY_C, reads the answer until "drip" shows, answers, and
 * exits without reading the rest. */
export const QUIT_C = `#include "embly.h"
int main(void) {
  embly_buffer request = {0}, answer = {0};
  embly_handle_t child = 0;
  int eof = 0;
  embly_err_t err = embly_read_to_end(EMBLY_HANDLE_PARENT, &request);
  if (err == EMBLY_OK) err = embly_spawn("embly/http", &child);
  if (err == EMBLY_OK) err = embly_write_all(child, request.data, request.len);
  if (err == EMBLY_OK) err = embly_close(child);
  while (err == EMBLY_OK && !eof && !(answer.data && strstr((const char *)answer.data, "drip"))) err = embly_read_some(child, &answer, &eof);
  int dripped = err == EMBLY_OK && !eof;
  embly_http_respond_text(EMBLY_HANDLE_PARENT, dripped ? 200 : 500, dripped ? "read: drip\\n" : "no drip\\n");
  embly_close(EMBLY_HANDLE_PARENT);
  return 0;
}
`;

/** C: the SDK's embly_http_send with its request's method, target (the URL), body and Content-Type. */
export const SEND_C = `#include "embly.h"
static embly_err_t forward(const embly_http_request *req) {
  embly_http_header headers[1];
  size_t n = 0;
  const char *type = embly_http_header_get(req, "Content-Type");
  if (type) headers[n++] = (embly_http_header){"Content-Type", type};
  embly_http_response res;
  embly_err_t err = embly_http_send(req->method, req->path, headers, n, req->body, req->body_len, &res);
  if (err != EMBLY_OK) return embly_http_respond_text(EMBLY_HANDLE_PARENT, 500, embly_strerror(err));
  const char *origin = embly_http_response_header(&res, "X-Origin");
  embly_http_header out[1] = {{"X-Origin", origin ? origin : "none"}};
  err = embly_http_write_response(EMBLY_HANDLE_PARENT, res.status, out, 1, res.body, res.body_len);
  embly_http_response_free(&res);
  return err;
}
int main(void) { return embly_http_serve(forward) == EMBLY_OK ? 0 : 1; }
`;

/** AssemblyScript: http.send with its request's method, target and body. */
export const SEND_AS = `import { serve, Request, Response } from "embly";
import * as http from "embly/http";

serve((request: Request): Response => {
  const outbound = new Request();
  outbound.method = request.method;
  outbound.path = request.path;
  outbound.body = request.body;
  const answer = http.send(outbound);
  if (answer == null) return Response.text(500, "embly/http failed: " + http.lastError().toString());
  const origin = answer.header("X-Origin");
  return new Response(answer.status).setHeader("X-Origin", origin == null ? "none" : origin).setBody(answer.body);
});
`;

export interface OutboundFunction {
  name: string;
  /** C, or AssemblyScript with language: 'assemblyscript' */
  source: string;
  language?: 'c' | 'assemblyscript';
  allowed?: string[];
  /** more keys of the function, as YAML values */
  keys?: Record<string, string | number>;
}

/** A project of these functions, each behind an HTTP gateway of its name, built and served
 * (`dir`: the project's directory, for a reload). */
export async function outboundDaemon(t: ExecutionContext, functions: OutboundFunction[], options: Partial<DaemonOptions> = {}): Promise<RunningDaemon & { dir: string }> {
  const dir = await tempDir(t, 'embly-outbound-');
  await writeOutboundProject(dir, functions);
  return { ...(await startDaemon(t, dir, options)), dir };
}

/** Writes the project of these functions into dir. */
export async function writeOutboundProject(dir: string, functions: OutboundFunction[]): Promise<void> {
  const items: string[] = [];
  const gateways: string[] = [];
  for (const [i, f] of functions.entries()) {
    const file = `${f.name}.${f.language === 'assemblyscript' ? 'ts' : 'c'}`;
    await writeFile(join(dir, file), f.source);
    const keys = { memory: '64MiB', ...f.keys };
    items.push(`  - name: ${f.name}\n    path: ./${file}\n    language: ${f.language ?? 'c'}\n` +
      (f.allowed ? `    allowed_outbound_hosts: ${JSON.stringify(f.allowed)}\n` : '') +
      Object.entries(keys).map(([k, v]) => `    ${k}: ${v}\n`).join(''));
    gateways.push(`  - name: ${f.name}\n    type: http\n    port: ${18080 + i}\n    function: ${f.name}\n`);
  }
  await writeFile(join(dir, 'embly-project.yml'), `functions:\n${items.join('')}gateways:\n${gateways.join('')}`);
}
