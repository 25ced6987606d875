// One logger for the daemon and the CLI: levels, a child per component, one
// sink. A line is one event: the level first, then the component, then the
// message ("warn master: ..."). Under systemd (JOURNAL_STREAM is set) the
// level becomes the journal's own priority prefix ("<4>master: ..."), so
// `journalctl -p warning` works without parsing.

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };
/** the levels, most severe first */
export const LOG_LEVELS = Object.keys(SEVERITY) as LogLevel[];
/** syslog priorities, as sd-daemon(3) reads them from a line's start */
const JOURNAL_PRIORITY: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 };

export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** A logger for a part of this one: its lines name `component` (joined with '/'). */
  child(component: string): Logger;
}

/** One line's parts, for sinks that keep lines rather than print them
 * (the control socket's log ring, src/control/log-ring.ts). */
export interface LogEvent {
  /** Date.now() when it was logged */
  time: number;
  level: LogLevel;
  /** the component path ("supervisor/hello"); undefined for the daemon's own lines */
  component: string | undefined;
  message: string;
}

/** Where lines go: `line` as written, `event` its parts. */
export type LogSink = (line: string, event: LogEvent) => void;

export interface LoggerOptions {
  /** Where lines go (default: stderr). */
  sink?: LogSink;
  /** The least severe level written (default info). */
  level?: LogLevel;
  /** The journal's priority prefixes instead of level words (default: when JOURNAL_STREAM is set). */
  journal?: boolean;
  component?: string;
}

export const stderrSink: LogSink = (line) => { process.stderr.write(`${line}\n`); };

/** Every line to each sink, in order: stderr and the log ring, say. */
export function teeSink(...sinks: LogSink[]): LogSink {
  return (line, event) => { for (const sink of sinks) sink(line, event); };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? stderrSink;
  const threshold = SEVERITY[options.level ?? 'info'];
  const journal = options.journal ?? process.env.JOURNAL_STREAM !== undefined;
  const make = (component: string | undefined): Logger => {
    const write = (level: LogLevel) => (message: string) => {
      if (SEVERITY[level] > threshold) return;
      const where = component ? `${component}: ` : '';
      const line = journal ? `<${JOURNAL_PRIORITY[level]}>${where}${message}` : `${level} ${where}${message}`;
      sink(line, { time: Date.now(), level, component, message });
    };
    return {
      error: write('error'), warn: write('warn'), info: write('info'), debug: write('debug'),
      child: (name) => make(component ? `${component}/${name}` : name),
    };
  };
  return make(options.component);
}

/** A logger that keeps its lines, for tests. */
export function memoryLogger(level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger({ sink: (line) => lines.push(line), level, journal: false }), { lines });
}
