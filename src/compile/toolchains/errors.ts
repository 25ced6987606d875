// The two ways turning a source into wasm can fail, with stable codes.

/** The compiler for a language is not installed; the message names what to install. */
export class ToolchainMissingError extends Error {
  readonly code = 'EMBLY_TOOLCHAIN_MISSING';
  override name = 'ToolchainMissingError';

  constructor(message: string, readonly install: string) {
    super(message);
  }
}

/** The compiler ran and refused the source; the message holds its own output. */
export class CompileError extends Error {
  readonly code = 'EMBLY_COMPILE_FAILED';
  override name = 'CompileError';

  constructor(readonly functionName: string, readonly toolchain: string, readonly output: string) {
    super(`function "${functionName}" failed to compile (${toolchain}):\n${clip(output.trim())}`);
  }
}

/** The first errors matter most; a runaway log would bury them. */
const MAX_OUTPUT_CHARS = 20_000;

function clip(output: string): string {
  if (output.length <= MAX_OUTPUT_CHARS) return output;
  return `${output.slice(0, MAX_OUTPUT_CHARS)}\n… (${output.length - MAX_OUTPUT_CHARS} more characters)`;
}
