// Routing: DATA, CLOSE and CREDIT go from an address to its parent or a
// child only, whatever a runner claims: to a runner as they are, to an
// endpoint as calls on it. Ends are told to each peer (PEER_EXIT).
import { formatAddress } from '../instance-address.js';
import type { EventEmitter } from 'node:events';
import type { MasterEvents } from './events.js';
import { ExitReason, FrameKind, type Frame } from './frames.js';
import { countCredit, countData, hasRoom } from './flow.js';
import type { Instance, InstanceTable } from './instances.js';
import type { Logger } from '../log.js';

export type RoutedFrame = Extract<Frame, { kind: FrameKind.Data | FrameKind.Close | FrameKind.Credit }>;

const KIND = { [FrameKind.Data]: 'data', [FrameKind.Close]: 'close', [FrameKind.Credit]: 'credit' } as const;

/** What has been routed since the master started: plain counts, read at scrape time (src/metrics/routing.ts). */
export interface RoutedCounts { data: number; close: number; credit: number; dataBytes: number; }

export class Router {
  readonly counts: RoutedCounts = { data: 0, close: 0, credit: 0, dataBytes: 0 };

  constructor(
    private readonly table: InstanceTable,
    private readonly events: EventEmitter<MasterEvents>,
    private readonly log: Logger,
  ) {}

  route(frame: RoutedFrame, from = this.table.get(frame.from), to = this.table.get(frame.to)): void {
    if (!from) return;
    if (!mayTalk(from, frame.to)) {
      return this.log.warn(`dropped a ${FrameKind[frame.kind]} from ${formatAddress(frame.from)} to ${formatAddress(frame.to)}: not its parent or child`);
    }
    if (!to) return;
    const full = !hasRoom(to, from); // for a CREDIT: the window it opens
    this.counts[KIND[frame.kind]]++;
    if (frame.kind === FrameKind.Data) {
      countData(from, to, frame.bytes.length);
      this.counts.dataBytes += frame.bytes.length;
    } else if (frame.kind === FrameKind.Credit) countCredit(from, to, frame.bytes);
    if (this.events.listenerCount('routed') > 0) this.observe(frame, from, to);
    const endpoint = to.endpoint;
    if (!endpoint) return to.runner?.send(frame);
    if (frame.kind === FrameKind.Data) endpoint.delivered(frame.bytes);
    else if (frame.kind === FrameKind.Close) endpoint.peerClosed();
    else if (full && hasRoom(to, from)) endpoint.drained();
  }

  /** Bytes from an endpoint to its peer; false when the peer's window is full. */
  send(from: bigint, to: bigint, bytes: Uint8Array): boolean {
    const writer = this.table.get(from);
    const reader = this.table.get(to);
    this.route({ kind: FrameKind.Data, from, to, bytes }, writer, reader);
    return !writer || !reader || !mayTalk(writer, to) || hasRoom(writer, reader);
  }

  /** An endpoint has passed on `bytes` of what its peer (its child, or the
   * parent of a special function's instance) sent it. */
  credit(endpoint: bigint, peer: bigint, bytes: number): void {
    const writer = this.table.get(peer);
    const reader = this.table.get(endpoint);
    if (!writer?.runner || !reader || !mayTalk(reader, peer)) return;
    writer.runner.send({ kind: FrameKind.Credit, from: endpoint, to: peer, bytes });
    countCredit(reader, writer, bytes);
  }

  tellPeerExit(from: bigint, to: bigint, reason: ExitReason, code: number): void {
    const peer = this.table.get(to);
    if (peer?.endpoint) peer.endpoint.exited(reason, code);
    else peer?.runner?.send({ kind: FrameKind.PeerExit, from, to, reason, code });
  }

  /** Tells an instance's parent and children that it ended. */
  tellPeersOfExit(instance: Instance, reason: ExitReason, code: number): void {
    this.tellPeerExit(instance.address, instance.parent, reason, code);
    for (const child of instance.children ?? []) this.tellPeerExit(instance.address, child, reason, code);
  }

  private observe(frame: RoutedFrame, from: Instance, to: Instance): void {
    const bytes = frame.kind === FrameKind.Data ? frame.bytes.length : 0;
    this.events.emit('routed', { kind: KIND[frame.kind], from: from.function, to: to.function, bytes });
  }
}

function mayTalk(from: Instance, to: bigint): boolean {
  return from.parent === to || from.children?.has(to) === true;
}
