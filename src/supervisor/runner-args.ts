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

/**
 * `serve SOCKET --sandbox [--single-instance] --fn ...`: instances started by
 * the master at `socketPath`. single-instance runners (isolation: process)
 * exit after their one instance. A `template` runner (isolation: process)
 * forks them instead of serving itself (docs/supervisor.md §6).
 */
export function serveArguments(socketPath: string, functions: readonly RunnerFunction[], options: { singleInstance?: boolean; template?: boolean } = {}): string[] {
  const mode = options.template ? ['--template'] : options.singleInstance ? ['--single-instance'] : [];
  return ['serve', socketPath, '--sandbox', ...mode, ...functionArguments(functions)];
}

/** A built function as the runner sees it: object, hash and limits. */
export function runnerFunction(built: {
  spec: { name: string; limits: { memoryPages: number; timeoutMs: number; maxInstances: number }; env: Record<string, string> };
  objectPath: string;
  sidecar: { wasmSha256: string };
}): RunnerFunction {
  const { spec, objectPath, sidecar } = built;
  return {
    name: spec.name, objectPath, sha256: sidecar.wasmSha256, env: spec.env,
    memoryPages: spec.limits.memoryPages, timeoutMs: spec.limits.timeoutMs, maxInstances: spec.limits.maxInstances,
  };
}
