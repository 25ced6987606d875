// What the daemon tells a service manager about itself (sd_notify(3), the
// protocol of systemd's Type=notify): READY=1 once it serves, STATUS= a line
// for `systemctl status`, RELOADING=1 ... READY=1 around a reload, STOPPING=1
// when it begins to stop, and WATCHDOG=1 while its event loop turns. Each
// message is one datagram to $NOTIFY_SOCKET (native/addon/notify.cc). Without
// NOTIFY_SOCKET, as in a terminal, every call does nothing. docs/service.md.
import { getSystemErrorMap } from 'node:util';
import { NotifyError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';
import { monotonicMicros, sendNotification } from '../native/index.js';

/** Sends one notification (`KEY=value` lines) to the socket at `address`:
 * an absolute path, or `@name` for the abstract namespace. Throws NotifyError. */
export function notify(address: string, message: string): void {
  if (!address.startsWith('/') && !address.startsWith('@'))
    throw new NotifyError(`NOTIFY_SOCKET=${address} is neither an absolute path nor an @abstract name`);
  const errno = sendNotification(address, message);
  if (errno !== 0) {
    const [code, text] = getSystemErrorMap().get(-errno) ?? [`errno ${errno}`, 'unknown error'];
    throw new NotifyError(`cannot notify the service manager at ${address}: ${text} (${code})`);
  }
}

/** A value of STATUS= is one line: a line break would start another assignment. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, '; ');
}

export interface ServiceNotifierOptions {
  /** The notification socket ($NOTIFY_SOCKET); absent: nothing is sent. */
  socket?: string;
  /** The watchdog's timeout ($WATCHDOG_USEC); WATCHDOG=1 goes every half of it. */
  watchdogUsec?: number;
  /** Where failures to notify are reported (default: stderr). */
  log?: Logger;
}

export class ServiceNotifier {
  private readonly log: Logger;
  private watchdog: NodeJS.Timeout | undefined;
  /** A failing watchdog is reported at its first failure, not at each tick. */
  private watchdogFailing = false;

  /**
   * The notifier the service manager asked for in `env`: NOTIFY_SOCKET, and
   * WATCHDOG_USEC unless WATCHDOG_PID names another process. It takes these
   * variables out of `env` (as sd_notify's unset_environment does), so that
   * the toolchains a build runs do not inherit them: a child that sent
   * READY=1 would speak for the daemon. Runners start with an empty environment anyway.
   */
  static fromEnvironment(options: { env?: NodeJS.ProcessEnv; pid?: number; log?: Logger } = {}): ServiceNotifier {
    const { env = process.env, pid = process.pid } = options;
    const log = options.log ?? createLogger().child('notify');
    const { NOTIFY_SOCKET: socket, WATCHDOG_USEC: usec, WATCHDOG_PID: watchdogPid } = env;
    delete env.NOTIFY_SOCKET;
    delete env.WATCHDOG_USEC;
    delete env.WATCHDOG_PID;
    const ours = watchdogPid === undefined || watchdogPid === String(pid);
    let watchdogUsec: number | undefined;
    if (usec !== undefined && ours) {
      watchdogUsec = /^[0-9]+$/.test(usec) && Number(usec) > 0 ? Number(usec) : undefined;
      if (watchdogUsec === undefined) log.warn(`WATCHDOG_USEC=${usec} is not a number of microseconds; no watchdog`);
    }
    return new ServiceNotifier({ socket: socket || undefined, watchdogUsec, log });
  }

  constructor(private readonly options: ServiceNotifierOptions = {}) {
    this.log = options.log ?? createLogger().child('notify');
    if (this.enabled && options.watchdogUsec !== undefined) this.startWatchdog(options.watchdogUsec);
  }

  /** Whether a service manager listens (NOTIFY_SOCKET was set). */
  get enabled(): boolean {
    return this.options.socket !== undefined;
  }

  /** How often WATCHDOG=1 is sent, if it is. */
  get watchdogIntervalMs(): number | undefined {
    return this.watchdog === undefined ? undefined : this.options.watchdogUsec! / 2000;
  }

  /** Serving: after the start, and after each reload (which must end with
   * READY=1 even when it failed and the old version serves on). */
  ready(status: string): void {
    this.send(`READY=1\nSTATUS=${oneLine(status)}`);
  }

  status(text: string): void {
    this.send(`STATUS=${oneLine(text)}`);
  }

  /** A reload begins; ready() ends it. MONOTONIC_USEC lets the manager tell
   * this reload's READY=1 from an earlier one (systemd 253 and later). */
  reloading(): void {
    this.send(`RELOADING=1\nMONOTONIC_USEC=${monotonicMicros()}`);
  }

  /** The stop begins: the manager shows "deactivating" until the process exits. */
  stopping(): void {
    this.send('STOPPING=1');
  }

  /** Stops the watchdog's timer (the daemon is done). */
  close(): void {
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** WATCHDOG=1 from a timer of the event loop, so that a loop that stalls
   * (a busy turn, a blocking call) misses its pings and the manager restarts
   * the daemon. Unref'd: it keeps nothing alive. */
  private startWatchdog(usec: number): void {
    this.watchdog = setInterval(() => this.ping(), Math.max(1, usec / 2000));
    this.watchdog.unref();
  }

  private ping(): void {
    try {
      notify(this.options.socket!, 'WATCHDOG=1');
      this.watchdogFailing = false;
    } catch (e) {
      if (!this.watchdogFailing) this.log.warn(`watchdog: ${(e as Error).message}`);
      this.watchdogFailing = true;
    }
  }

  /** A notification that fails is logged: the daemon serves on, and the
   * manager, which did not hear it, acts on its own timeouts. */
  private send(message: string): void {
    if (!this.enabled) return;
    try {
      notify(this.options.socket!, message);
    } catch (e) {
      this.log.warn((e as Error).message);
    }
  }
}
