// Flow control on a hop between an instance and its parent (docs/protocol.md,
// CREDIT), as the master routes it: what each side has sent the other and
// not had credited. The master enforces the bound an honest writer keeps; an
// endpoint (endpoint.ts: a gateway connection's, or a special function's
// instance) keeps the window itself.
import { FrameError } from '../errors.js';
import { formatAddress } from '../instance-address.js';
import { MAX_UNCREDITED_BYTES, WINDOW_BYTES } from './frames.js';
import type { Instance } from './instances.js';

/** Bytes `writer` sent its peer `reader` that `reader` has not credited. */
function uncredited(writer: Instance, reader: Instance): number {
  return reader.parent === writer.address ? reader.unacked : writer.sentUp;
}

/** `writer` may send its peer `reader` more: the window has room. */
export function hasRoom(writer: Instance, reader: Instance): boolean {
  return uncredited(writer, reader) < WINDOW_BYTES;
}

/** DATA of `bytes` from writer to reader. A runner whose instance sends past
 * the bound is dropped (as for any protocol breach) before the bytes go on:
 * its peer would have to hold them. */
export function countData(writer: Instance, reader: Instance, bytes: number): void {
  const held = reader.parent === writer.address ? (reader.unacked += bytes) : (writer.sentUp += bytes);
  if (writer.runner && held > MAX_UNCREDITED_BYTES)
    throw new FrameError(`${formatAddress(writer.address)} sent ${formatAddress(reader.address)} more than its flow-control window`);
}

/** `reader` credited `bytes` of what `writer` sent it. */
export function countCredit(reader: Instance, writer: Instance, bytes: number): void {
  if (writer.parent === reader.address) writer.sentUp = Math.max(0, writer.sentUp - bytes);
  else reader.unacked = Math.max(0, reader.unacked - bytes);
}
