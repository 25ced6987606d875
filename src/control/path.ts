// Where the control socket is: the same answer for the daemon and for
// emblyctl, from the same inputs (docs/service.md, "The control socket").
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ControlSocketError } from '../errors.js';

export interface ControlPathInputs {
  /** --control PATH */
  flag?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
}

/** --control wins, then $EMBLY_CONTROL, then where a service manager or the
 * user's session keeps runtime files: $RUNTIME_DIRECTORY (systemd's
 * RuntimeDirectory=; the first of several), /run/embly for root,
 * $XDG_RUNTIME_DIR/embly, and /tmp/embly-<uid> when XDG_RUNTIME_DIR is unset
 * (a session without systemd-logind, a container). */
export function controlSocketPath(inputs: ControlPathInputs = {}): string {
  const env = inputs.env ?? process.env;
  const uid = inputs.uid ?? process.getuid!();
  if (inputs.flag) return inputs.flag;
  if (env.EMBLY_CONTROL) return env.EMBLY_CONTROL;
  const runtime = env.RUNTIME_DIRECTORY?.split(':')[0];
  if (runtime) return join(runtime, 'control.sock');
  if (uid === 0) return '/run/embly/control.sock';
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'embly', 'control.sock');
  return `/tmp/embly-${uid}/control.sock`;
}

/** Makes the socket's directory (0700, as a new directory is) and checks it
 * is safe to listen in: owned by us or root, and writable by nobody else
 * unless sticky (like /tmp), so no other user can replace the socket. */
export async function prepareSocketDirectory(path: string, uid = process.getuid!()): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
    throw new ControlSocketError(`cannot create the control socket's directory ${dir}: ${e.code ?? e.message}`);
  });
  const found = await stat(dir);
  const ownedWell = found.uid === uid || found.uid === 0;
  const othersWrite = (found.mode & 0o022) !== 0 && (found.mode & 0o1000) === 0;
  if (!found.isDirectory() || !ownedWell || othersWrite) {
    throw new ControlSocketError(`the control socket's directory ${dir} is owned by uid ${found.uid} with mode ${(found.mode & 0o7777).toString(8)}: ` +
      'it must be owned by this user or root and writable by nobody else; remove it, or choose another path with --control');
  }
}
