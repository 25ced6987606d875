// Write Embly functions in AssemblyScript (docs/sdk.md is the guide).
//
//   import { serve, Request, Response } from "../../sdk/assemblyscript/index";
//   function hello(request: Request): Response {
//     return Response.text(200, "Hello from AssemblyScript!\n");
//   }
//   serve(hello);   // top-level code runs in the exported _start
//
// Outbound HTTP: import * as http from "embly/http"; http.send(request) (docs/sdk.md).
//
// Build: asc hello.ts --runtime stub --use abort= --exportStart _start -O3

export { Errno, EmblyError, errnoMessage } from "./errno";
export { Handle, ByteBuffer, WAIT_FOREVER, spawn, trySpawn, events, readAll } from "./handle";
export {
  Header,
  Request,
  Response,
  MAX_HEAD_BYTES,
  parseRequest,
  readRequest,
  parseResponse,
  readResponse,
  serve,
  reasonPhrase,
  send,
  lastError,
  HTTP_SPECIAL,
} from "./http";
// The raw imports: import * as sys from ".../sdk/assemblyscript/sys".

/** The version of the Embly function ABI this library targets. */
export const ABI_VERSION: i32 = 1;
