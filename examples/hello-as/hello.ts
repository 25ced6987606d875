// The AssemblyScript HTTP hello: answers every request with a greeting that names the language.
// Top-level code runs in the exported `_start` (asc --exportStart _start).

import { serve, Request, Response } from "../../sdk/assemblyscript/index";

function hello(request: Request): Response {
  return Response.text(200, "Hello from AssemblyScript!\n");
}

serve(hello);
