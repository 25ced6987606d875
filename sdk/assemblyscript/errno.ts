// WASI errno values returned by the `embly` imports (docs/abi.md).

export enum Errno {
  OK = 0,
  /** `spawn` not allowed: embly/http for a function without allowed_outbound_hosts. */
  EACCES = 2,
  /** Nothing to read yet: the peer is open but has sent nothing new. */
  EAGAIN = 6,
  /** Unknown handle, or writing to a handle this instance closed. */
  EBADF = 8,
  /** A buffer outside the instance's memory. */
  EFAULT = 21,
  /** A malformed argument, e.g. an empty function name. */
  EINVAL = 28,
  /** `spawn` of a name the project does not have. */
  ENOENT = 44,
  /** `spawn` refused: the function is at its `max_instances`. */
  ENOMEM = 48,
  /** Not available here. */
  ENOSYS = 52,
  /** Writing to a peer that has exited. */
  EPIPE = 64,
}

/** The errno's name and meaning, e.g. "EAGAIN (nothing to read yet)". */
export function errnoMessage(errno: i32): string {
  switch (errno) {
    case Errno.OK: return "OK";
    case Errno.EACCES: return "EACCES (not allowed by the project file)";
    case Errno.EAGAIN: return "EAGAIN (nothing to read yet)";
    case Errno.EBADF: return "EBADF (unknown or closed handle)";
    case Errno.EFAULT: return "EFAULT (buffer outside the instance's memory)";
    case Errno.EINVAL: return "EINVAL (invalid argument)";
    case Errno.ENOENT: return "ENOENT (no such function in the project)";
    case Errno.ENOMEM: return "ENOMEM (function is at its max_instances)";
    case Errno.ENOSYS: return "ENOSYS (not available here)";
    case Errno.EPIPE: return "EPIPE (peer has exited)";
    default: return "errno " + errno.toString();
  }
}

/**
 * A failed `embly` call. AssemblyScript cannot catch exceptions, so throwing one ends the
 * instance (a trap); the `try*` functions return errnos instead, for errors you handle.
 */
export class EmblyError extends Error {
  readonly errno: i32;

  constructor(operation: string, errno: i32) {
    super(operation + " failed: " + errnoMessage(errno));
    this.name = "EmblyError";
    this.errno = errno;
  }
}
