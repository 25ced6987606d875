// Who is at the other end of a runner connection, from the kernel
// (SO_PEERCRED), not from what the peer says about itself.
import type { Socket } from 'node:net';
import { peerCredentials, type PeerCredentials } from '../native/index.js';

/** The socket's fd: Node keeps it on its internal handle (no public API). */
function socketFd(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

export function socketPeer(socket: Socket): PeerCredentials | null {
  const fd = socketFd(socket);
  return fd === undefined ? null : peerCredentials(fd);
}
