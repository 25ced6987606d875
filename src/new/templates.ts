// The hello each language starts from (`embly new`): an HTTP function that
// answers every request with "Hello from NAME!", written as that language's
// SDK is meant to be used (docs/sdk.md). Each file is formatted as its
// language's own formatter would leave it.
import type { Language } from '../project/index.js';

/** The languages `embly new` writes (wasm has no source to start from). */
export const NEW_LANGUAGES = ['rust', 'c', 'assemblyscript', 'wat'] as const satisfies readonly Language[];
export type NewLanguage = (typeof NEW_LANGUAGES)[number];

/** Relative path (inside the function's folder) → contents. */
export type SourceFiles = Record<string, string>;

export const greeting = (name: string) => `Hello from ${name}!\n`;

/** A string literal for C, Rust and AssemblyScript alike: the greeting has no quote or backslash (NAME_PATTERN). */
const literal = (text: string) => `"${text.replace(/\n/g, '\\n')}"`;

export function helloSources(language: NewLanguage, name: string): SourceFiles {
  return TEMPLATES[language](name);
}

const TEMPLATES: Record<NewLanguage, (name: string) => SourceFiles> = {
  rust: (name) => ({
    'Cargo.toml': `[package]
name = "${name}"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
# The SDK ships inside embly: \`embly build\` points cargo at it (\`embly sdk-path rust\`).
embly = "0.1"

# Small, fast wasm: wasm2c and the C compiler see less code.
[profile.release]
opt-level = "s"
lto = true
codegen-units = 1
panic = "abort"
`,
    'src/main.rs': `//! ${name}: answers every HTTP request with a greeting.

use embly::http::{serve, Response};

fn main() {
    serve(|_request| Response::text(200, ${literal(greeting(name))})).expect("answer the gateway");
}
`,
    '.gitignore': '/target\n',
  }),
  c: (name) => ({
    [`${name}.c`]: `/* ${name}: answers every HTTP request with a greeting. */
#include "embly.h"

static embly_err_t hello(const embly_http_request *req) {
  (void)req;
  return embly_http_respond_text(EMBLY_HANDLE_PARENT, 200, ${literal(greeting(name))});
}

int main(void) { return embly_http_serve(hello) == EMBLY_OK ? 0 : 1; }
`,
  }),
  assemblyscript: (name) => ({
    'index.ts': `// ${name}: answers every HTTP request with a greeting.
// Top-level code runs as the module's _start, once per request.
import { serve, Request, Response } from "embly";

function hello(request: Request): Response {
  return Response.text(200, ${literal(greeting(name))});
}

serve(hello);
`,
  }),
  wat: (name) => ({ [`${name}.wat`]: watHello(name) }),
};

/** Hand-written WebAssembly text against the raw `embly` imports (docs/abi.md). */
function watHello(name: string): string {
  const body = greeting(name);
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
  const wat = (s: string) => s.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
  return `;; ${name}: answers every HTTP request with a greeting, written against the raw
;; \`embly\` imports (docs/abi.md): read the request on handle 1 to its end, write the
;; response, close.
(module
  (import "embly" "read" (func $read (param $handle i32) (param $buf i32) (param $len i32) (param $nread_out i32) (result i32)))
  (import "embly" "write" (func $write (param $handle i32) (param $buf i32) (param $len i32) (param $nwritten_out i32) (result i32)))
  (import "embly" "events" (func $events (param $timeout_ns i64) (param $handles i32) (param $cap i32) (param $n_out i32) (result i32)))
  (import "embly" "close" (func $close (param $handle i32) (result i32)))

  ;; 0: a count out-parameter; 16: ready handles; 1024: the response; 4096: the read buffer
  (memory (export "memory") 1)

  (data (i32.const 1024)
    "${wat(head)}"
    "${wat(body)}")

  (global $PARENT i32 (i32.const 1))
  (global $EAGAIN i32 (i32.const 6))

  ;; Reads handle 1 until the gateway's end of the request (a count of 0), waiting
  ;; in \`events\` while nothing is there; any other error ends the reading.
  (func $read_until_eof
    (local $errno i32)
    (block $done
      (loop $next
        (local.set $errno (call $read (global.get $PARENT) (i32.const 4096) (i32.const 4096) (i32.const 0)))
        (if (i32.eqz (local.get $errno))
          (then
            (br_if $done (i32.eqz (i32.load (i32.const 0))))
            (br $next)))
        (br_if $done (i32.ne (local.get $errno) (global.get $EAGAIN)))
        (br_if $done (call $events (i64.const -1) (i32.const 16) (i32.const 16) (i32.const 0)))
        (br_if $done (i32.eqz (i32.load (i32.const 0))))
        (br $next))))

  (func (export "_start")
    (call $read_until_eof)
    (drop (call $write (global.get $PARENT) (i32.const 1024) (i32.const ${Buffer.byteLength(head + body)}) (i32.const 0)))
    (drop (call $close (global.get $PARENT)))))
`;
}
