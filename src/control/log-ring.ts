// The daemon's last log lines, for `emblyctl logs [-f]`: a ring of the most
// recent lines fed by the daemon's logger (a sink beside stderr, src/log.ts),
// with listeners for those who follow.
import type { LogEvent, LogLevel, LogSink } from '../log.js';

export interface LogEntry {
  /** counts every line since the daemon started: a follower sees gaps */
  seq: number;
  time: number;
  level: LogLevel;
  component: string | undefined;
  message: string;
  /** the function the line is about, if it is about one */
  function: string | undefined;
}

export const DEFAULT_LOG_LINES = 1000;

// The daemon's lines about a function (src/daemon/daemon.ts): its
// supervisor's ("supervisor/hello: ..."), and its instances' own lines and
// ends, tagged "[hello 00c0ffee00c0ffee] ..." (the log limiter's summaries
// "[hello] ..." and "[hello:ok] ...").
const SUPERVISOR = /^supervisor\/(.+)$/;
const INSTANCE_TAG = /^\[([^\s\]:]+)[\s\]:]/;

function functionOf(event: LogEvent): string | undefined {
  if (event.component !== undefined) return SUPERVISOR.exec(event.component)?.[1];
  return INSTANCE_TAG.exec(event.message)?.[1];
}

export type LogListener = (entry: LogEntry) => void;

export class LogRing {
  private readonly entries: (LogEntry | undefined)[];
  private next = 0;
  private readonly listeners = new Set<LogListener>();

  constructor(readonly capacity = DEFAULT_LOG_LINES) {
    this.entries = new Array<LogEntry | undefined>(capacity);
  }

  /** The logger's sink: keeps the line, and tells those who follow. */
  readonly sink: LogSink = (_line, event) => {
    const entry: LogEntry = { seq: this.next, ...event, function: functionOf(event) };
    this.entries[this.next % this.capacity] = entry;
    this.next++;
    for (const listener of this.listeners) listener(entry);
  };

  /** The lines kept, oldest first; only those about `fn` if given. */
  lines(fn?: string): LogEntry[] {
    const kept: LogEntry[] = [];
    for (let seq = Math.max(0, this.next - this.capacity); seq < this.next; seq++) {
      const entry = this.entries[seq % this.capacity]!;
      if (fn === undefined || entry.function === fn) kept.push(entry);
    }
    return kept;
  }

  /** Calls `listener` with every line from now on; returns what stops it. */
  follow(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }
}
