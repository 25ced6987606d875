// The control protocol's methods (docs/service.md): status, instances, logs
// (with follow), reload, stop. Each answers through a Reply; what one throws
// becomes its error answer.
import type { Daemon } from '../daemon/daemon.js';
import { ControlRequestError, UnknownFunctionError } from '../errors.js';
import { instanceList } from './instances.js';
import type { LogEntry, LogRing } from './log-ring.js';
import { CONTROL_METHODS, isControlMethod, type ControlErrorBody, type ControlRequest } from './protocol.js';
import { daemonStatus } from './status.js';

export interface ControlContext {
  daemon: Daemon;
  logs: LogRing;
  /** What `reload` runs and answers with: the daemon's reload (run.ts's also
   * tells the service manager, as for SIGHUP). */
  reload: () => Promise<unknown>;
  /** What `stop` runs once it has answered: the daemon stops (run.ts: it
   * drains, as on SIGTERM), then the control socket closes, so that a client
   * that waits for the connection to close knows the daemon has stopped. */
  stop: () => unknown;
  controlSocket: string;
  /** Date.now() when the daemon started serving */
  startedAt: number;
}

export interface Reply {
  /** the answer; `then` runs once it is written */
  result(result: unknown, then?: () => void): void;
  error(error: ControlErrorBody): void;
  /** one of a stream of answers before the result (logs) */
  event(event: unknown): void;
  /** bytes written but not yet taken by the client */
  readonly backlog: number;
  onClose(stop: () => void): void;
}

/** A follower this far behind loses lines (and is told how many) rather than growing the daemon's memory. */
const MAX_FOLLOW_BACKLOG_BYTES = 1 << 20;

export async function handleRequest(request: ControlRequest, reply: Reply, context: ControlContext): Promise<void> {
  const { method, params = {} } = request;
  if (!isControlMethod(method)) throw new ControlRequestError(`unknown method "${method}"; the methods are ${CONTROL_METHODS.join(', ')}`);
  switch (method) {
    case 'status':
      return reply.result(await daemonStatus(context));
    case 'instances':
      return reply.result({ instances: await instanceList(context.daemon.master) });
    case 'logs':
      return logs(params, reply, context);
    case 'reload':
      return reply.result((await context.reload()) ?? {});
    case 'stop':
      return reply.result({ stopping: true }, () => void context.stop());
  }
}

interface LogParams { function: string | undefined; follow: boolean; lines: number | undefined; }

function logParams(params: Record<string, unknown>, daemon: Daemon): LogParams {
  const { function: fn, follow = false, lines } = params;
  if (fn !== undefined && typeof fn !== 'string') throw new ControlRequestError('logs: "function" must be a string');
  if (typeof follow !== 'boolean') throw new ControlRequestError('logs: "follow" must be true or false');
  if (lines !== undefined && (typeof lines !== 'number' || !Number.isSafeInteger(lines) || lines < 0)) throw new ControlRequestError('logs: "lines" must be a whole number');
  const names = daemon.servedProject.functions.map((f) => f.name);
  if (fn !== undefined && !names.includes(fn)) throw new UnknownFunctionError(`no function "${fn}" in ${daemon.servedProject.file}; it has: ${names.join(', ')}`);
  return { function: fn, follow, lines };
}

/** The kept lines as events (the last `lines` of them), then the result; or, following, every new line as it comes. */
function logs(params: Record<string, unknown>, reply: Reply, { daemon, logs: ring }: ControlContext): void {
  const p = logParams(params, daemon);
  const kept = ring.lines(p.function);
  const sent = p.lines === undefined ? kept : kept.slice(Math.max(0, kept.length - p.lines));
  for (const entry of sent) reply.event(logEvent(entry));
  if (!p.follow) return reply.result({ lines: sent.length });
  let dropped = 0;
  reply.onClose(ring.follow((entry) => {
    if (p.function !== undefined && entry.function !== p.function) return;
    if (reply.backlog > MAX_FOLLOW_BACKLOG_BYTES) return void dropped++;
    if (dropped > 0) reply.event({ dropped });
    dropped = 0;
    reply.event(logEvent(entry));
  }));
}

/** A log line on the wire; a follower that fell behind gets `{dropped: n}` before the next line. */
export interface LogLine {
  seq: number;
  /** ISO 8601 */
  time: string;
  level: LogEntry['level'];
  component: string | null;
  function: string | null;
  message: string;
}

function logEvent(entry: LogEntry): LogLine {
  return {
    seq: entry.seq, time: new Date(entry.time).toISOString(), level: entry.level,
    component: entry.component ?? null, function: entry.function ?? null, message: entry.message,
  };
}
