// The command line of a serving runner (native/runner/main.c).
import type { BuiltFunction } from '../build/project-build.js';

export function serveArguments(socketPath: string, built: BuiltFunction): string[] {
  const { spec, objectPath, sidecar } = built;
  const args = ['serve', socketPath, '--sandbox', ...(spec.isolation === 'process' ? ['--single-instance'] : []),
    '--fn', spec.name, objectPath, sidecar.wasmSha256,
    '--memory-pages', String(spec.limits.memoryPages), '--timeout-ms', String(spec.limits.timeoutMs)];
  for (const [key, value] of Object.entries(spec.env)) args.push('--env', `${key}=${value}`);
  return args;
}
