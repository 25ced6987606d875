// Why a spawn found no instance: a reason that gateways map to a status
// (gateways/http/error-response.ts), and the WASI errno a runner's SPAWN_RESULT
// carries for it (docs/protocol.md).

import { SpawnError } from '../errors.js';

export { SpawnError };

export const ERRNO = { ok: 0, EACCES: 2, ENOENT: 44, ENOMEM: 48, EAGAIN: 6 } as const;

export type SpawnFailure =
  /** the project has no function of that name */
  | 'unknown-function'
  /** the function is at max_instances */
  | 'at-capacity'
  /** no runner of the function became ready within the start timeout */
  | 'no-runner'
  /** its runner did not say STARTED within the start timeout (it is killed) */
  | 'start-timeout'
  /** it ended before it started (the runner refused it, or died) */
  | 'start-failed'
  /** the caller may not spawn it (a special function its project does not allow it) */
  | 'not-permitted';

const ERRNO_OF: Record<SpawnFailure, number> = {
  'unknown-function': ERRNO.ENOENT,
  'at-capacity': ERRNO.ENOMEM,
  'no-runner': ERRNO.EAGAIN,
  'start-timeout': ERRNO.EAGAIN,
  'start-failed': ERRNO.EAGAIN,
  'not-permitted': ERRNO.EACCES,
};

/** What a runner's guest hears for a failed spawn (SPAWN_RESULT). */
export const spawnErrno = (error: SpawnError): number => ERRNO_OF[error.reason];
