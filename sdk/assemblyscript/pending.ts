// Bytes taken early from handles nobody was reading yet.
//
// `events` reports every readable handle, and a handle stays readable while its bytes or its
// EOF are unread. Waiting for one child while the parent's EOF (or another child's answer)
// sits unread would wake at once, forever: a busy loop. So while waiting for some handles the
// SDK moves the others' bytes and EOF here; reads are served from here first and events()
// reports these handles as readable.

class Pending {
  bytes: u8[] = [];
  /** Bytes already handed out. */
  taken: i32 = 0;
  /** The peer closed and everything up to that was moved here. */
  eof: bool = false;
  /** A read has returned 0 for it. */
  eofSeen: bool = false;

  constructor(public handle: u32) {}

  isReadable(): bool {
    return this.taken < this.bytes.length || (this.eof && !this.eofSeen);
  }
}

const pending = new Array<Pending>(0);

function find(handle: u32): i32 {
  for (let i = 0; i < pending.length; i++) if (pending[i].handle == handle) return i;
  return -1;
}

/** Serves a read from bytes set aside: the count (0 = EOF), or -1 if `handle` has none. */
export function takePending(handle: u32, buf: Uint8Array): i32 {
  const index = find(handle);
  if (index < 0) return -1;
  const entry = pending[index];
  const n = min(entry.bytes.length - entry.taken, buf.length);
  for (let i = 0; i < n; i++) buf[i] = entry.bytes[entry.taken + i];
  entry.taken += n;
  if (n > 0) return n;
  if (entry.eof) {
    entry.eofSeen = true;
    return 0;
  }
  pending.splice(index, 1);
  return -1;
}

/** Keeps bytes read early from `handle`; `eof` records its close. */
export function keepPending(handle: u32, bytes: Uint8Array, eof: bool): void {
  let index = find(handle);
  if (index < 0) index = pending.push(new Pending(handle)) - 1;
  const entry = pending[index];
  for (let i = 0; i < bytes.length; i++) entry.bytes.push(bytes[i]);
  entry.eof = entry.eof || eof;
}

export function isPendingReadable(handle: u32): bool {
  const index = find(handle);
  return index >= 0 && pending[index].isReadable();
}

/** Handles with bytes set aside or an EOF not yet read. */
export function pendingReadable(): u32[] {
  const ready = new Array<u32>(0);
  for (let i = 0; i < pending.length; i++) if (pending[i].isReadable()) ready.push(pending[i].handle);
  return ready;
}
