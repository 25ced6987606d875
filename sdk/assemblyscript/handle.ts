// Handles: the peers of this instance. Handle 1 is whoever spawned it; children from
// spawn() are numbered 2, 3, ... Reads wait in `events` while nothing is buffered.

import * as sys from "./sys";
import { Errno, EmblyError } from "./errno";
import { takePending, keepPending, isPendingReadable, pendingReadable } from "./pending";

/** `events` timeout that waits until something is readable. */
export const WAIT_FOREVER: i64 = -1;

const MAX_EVENTS: u32 = 16;
// Static scratch space for the imports' out-parameters (no allocation per call).
const outWord: usize = memory.data(4, 4);
const readyIds: usize = memory.data(<i32>MAX_EVENTS * 4, 4);

export class Handle {
  /** Handle 1: the gateway connection or parent function that spawned this instance. */
  static readonly PARENT: Handle = new Handle(1);

  constructor(readonly id: u32) {}

  /** Bytes read into `buf` (0 = the peer closed and all was read), or a negative errno
   *  (-Errno.EAGAIN: nothing buffered yet). Never waits. */
  tryRead(buf: Uint8Array): i32 {
    if (buf.length == 0) return 0;
    const n = takePending(this.id, buf);
    return n >= 0 ? n : runnerRead(this.id, buf);
  }

  /** Reads at least one byte, waiting in `events` while nothing is buffered; 0 is EOF. */
  read(buf: Uint8Array): i32 {
    let n = this.tryRead(buf);
    while (n == -Errno.EAGAIN) {
      waitFor([this.id]);
      n = this.tryRead(buf);
    }
    return check("read", n);
  }

  /** Everything up to the peer's close (EOF). */
  readAll(): Uint8Array {
    const out = new ByteBuffer();
    while (out.readFrom(this)) {}
    return out.toBytes();
  }

  /** An errno: Errno.OK, or why the bytes could not be sent. Writes are never short. */
  tryWrite(data: Uint8Array): i32 {
    return sys.write(this.id, data.dataStart, <u32>data.length, outWord);
  }

  /** Sends all of `data`; throws EmblyError (ending the instance) if it cannot. */
  write(data: Uint8Array): void {
    const errno = this.tryWrite(data);
    if (errno != Errno.OK) throw new EmblyError("write", errno);
  }

  /** Sends a string as UTF-8. */
  writeString(text: string): void {
    this.write(Uint8Array.wrap(String.UTF8.encode(text)));
  }

  /** Tells the peer no more bytes come from this side; reading stays possible. */
  close(): i32 {
    return sys.close(this.id);
  }
}

/** The `read` import itself, bypassing bytes set aside: a count or a negative errno. */
function runnerRead(handle: u32, buf: Uint8Array): i32 {
  const errno = sys.read(handle, buf.dataStart, <u32>buf.length, outWord);
  return errno == Errno.OK ? load<i32>(outWord) : -errno;
}

/** Negative counts are errnos: throw them as EmblyError. */
function check(operation: string, n: i32): i32 {
  if (n < 0) throw new EmblyError(operation, -n);
  return n;
}

/** The child's handle id (> 0), or a negative errno (-Errno.ENOENT: no such function). */
export function trySpawn(name: string): i32 {
  const bytes = String.UTF8.encode(name);
  const errno = sys.spawn(changetype<usize>(bytes), <u32>bytes.byteLength, outWord);
  return errno == Errno.OK ? load<i32>(outWord) : -errno;
}

/** Starts an instance of the project's function `name`; throws EmblyError if it cannot. */
export function spawn(name: string): Handle {
  return new Handle(<u32>check("spawn " + name, trySpawn(name)));
}

/**
 * Waits until handles are readable (bytes buffered, or closed with EOF unread) and returns
 * them (empty on timeout). `timeoutNs`: WAIT_FOREVER, or 0 to poll. With nothing that could
 * ever become readable it returns at once, empty.
 */
export function events(timeoutNs: i64 = WAIT_FOREVER): Handle[] {
  const ids = pendingReadable();
  // Handles set aside are readable now: only poll the runner for more.
  const count = runnerEvents(ids.length > 0 ? 0 : timeoutNs);
  for (let i: u32 = 0; i < count; i++) {
    const id = load<u32>(readyIds + i * 4);
    if (!ids.includes(id)) ids.push(id);
  }
  const ready = new Array<Handle>(0);
  for (let i = 0; i < ids.length; i++) ready.push(new Handle(ids[i]));
  return ready;
}

/** The `events` import itself: how many handle ids it stored at `readyIds`. */
function runnerEvents(timeoutNs: i64): u32 {
  const errno = sys.events(timeoutNs, readyIds, MAX_EVENTS, outWord);
  if (errno != Errno.OK) throw new EmblyError("events", errno);
  return min(load<u32>(outWord), MAX_EVENTS);
}

/** Blocks until one of `interest` is readable, setting other handles' bytes aside so they
 *  do not wake the wait again; throws rather than spin if nothing ever can be readable. */
function waitFor(interest: u32[]): void {
  for (;;) {
    for (let i = 0; i < interest.length; i++) if (isPendingReadable(interest[i])) return;
    const count = runnerEvents(WAIT_FOREVER);
    if (count == 0) throw new EmblyError("events", Errno.EAGAIN);
    for (let i: u32 = 0; i < count; i++) if (interest.includes(load<u32>(readyIds + i * 4))) return;
    for (let i: u32 = 0; i < count; i++) setAside(load<u32>(readyIds + i * 4));
  }
}

/** Moves everything `handle` has buffered (and its EOF) aside. */
function setAside(handle: u32): void {
  const chunk = new Uint8Array(1024);
  let n = runnerRead(handle, chunk);
  while (n > 0) {
    keepPending(handle, chunk.subarray(0, n), false);
    n = runnerRead(handle, chunk);
  }
  if (n == 0) keepPending(handle, chunk.subarray(0, 0), true);
  else if (n != -Errno.EAGAIN) throw new EmblyError("read", -n);
}

/** Reads every handle to EOF at once, in whatever order bytes arrive, so a slow peer
 *  never holds up the others. Returns each one's bytes, in the order of `handles`. */
export function readAll(handles: Handle[]): Uint8Array[] {
  const buffers = new Array<ByteBuffer>(0);
  const open = new Array<bool>(0);
  for (let i = 0; i < handles.length; i++) {
    buffers.push(new ByteBuffer());
    open.push(true);
  }
  while (drainAll(handles, buffers, open)) waitFor(openIds(handles, open));
  const out = new Array<Uint8Array>(0);
  for (let i = 0; i < buffers.length; i++) out.push(buffers[i].toBytes());
  return out;
}

function openIds(handles: Handle[], open: bool[]): u32[] {
  const ids = new Array<u32>(0);
  for (let i = 0; i < handles.length; i++) if (open[i]) ids.push(handles[i].id);
  return ids;
}

/** One pass over the still-open handles; true while any stays open. */
function drainAll(handles: Handle[], buffers: ByteBuffer[], open: bool[]): bool {
  let anyOpen = false;
  for (let i = 0; i < handles.length; i++) {
    if (open[i]) open[i] = buffers[i].drain(handles[i]);
    anyOpen = anyOpen || open[i];
  }
  return anyOpen;
}

/** A growable byte buffer that reads straight from handles. */
export class ByteBuffer {
  private data: Uint8Array = new Uint8Array(4096);
  length: i32 = 0;

  /** The bytes so far (a view, not a copy). */
  view(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  /** A copy of the bytes so far. */
  toBytes(): Uint8Array {
    return this.data.slice(0, this.length);
  }

  append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    memory.copy(this.data.dataStart + <usize>this.length, bytes.dataStart, <usize>bytes.length);
    this.length += bytes.length;
  }

  /** Waits for and appends one chunk; false once the peer closed (EOF). */
  readFrom(handle: Handle): bool {
    this.reserve(4096);
    const n = handle.read(this.data.subarray(this.length));
    this.length += n;
    return n > 0;
  }

  /** Appends whatever is buffered without waiting; false once the peer closed (EOF). */
  drain(handle: Handle): bool {
    let n = this.tryReadMore(handle);
    while (n > 0) {
      this.length += n;
      n = this.tryReadMore(handle);
    }
    if (n == -Errno.EAGAIN) return true;
    check("read", n);
    return false;
  }

  private tryReadMore(handle: Handle): i32 {
    this.reserve(4096);
    return handle.tryRead(this.data.subarray(this.length));
  }

  private reserve(extra: i32): void {
    if (this.length + extra <= this.data.length) return;
    let capacity = this.data.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    memory.copy(grown.dataStart, this.data.dataStart, <usize>this.length);
    this.data = grown;
  }
}
