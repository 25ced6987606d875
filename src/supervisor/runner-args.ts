// The runner's command line (docs/loader.md §6) for the functions it hosts.

export interface RunnerFunction {
  readonly name: string;
  readonly objectPath: string;
  /** The wasm hash from the object's sidecar; the runner refuses an object that differs. */
  readonly sha256: string;
  readonly memoryPages?: number;
  readonly timeoutMs?: number;
  readonly maxInstances?: number;
  readonly env?: Readonly<Record<string, string>>;
}

function functionArguments(functions: readonly RunnerFunction[]): string[] {
  const args: string[] = [];
  for (const f of functions) {
    args.push('--fn', f.name, f.objectPath, f.sha256);
    if (f.memoryPages !== undefined) args.push('--memory-pages', String(f.memoryPages));
    if (f.timeoutMs !== undefined) args.push('--timeout-ms', String(f.timeoutMs));
    if (f.maxInstances !== undefined) args.push('--max-instances', String(f.maxInstances));
    for (const [key, value] of Object.entries(f.env ?? {})) args.push('--env', `${key}=${value}`);
  }
  return args;
}

/**
 * `exec ROOT [--sandbox] --fn ...`: one instance of `root`, stdin as its
 * handle 1 input, stdout as its output. With `sandbox` (the default) the
 * runner opens every object, then enters its seccomp allowlist before any
 * instance runs.
 */
export function execArguments(root: string, functions: readonly RunnerFunction[], options: { sandbox?: boolean } = {}): string[] {
  return ['exec', root, ...(options.sandbox === false ? [] : ['--sandbox']), ...functionArguments(functions)];
}
