// Options of RunnerProcess.start, validated here: the addon only does cheap type
// checks, so every argument is checked before it crosses the boundary.
import { isAbsolute } from 'node:path';
import type { NativeSpawnOptions, NativeStdio } from '../native/index.js';
import { runnerBinary } from '../paths.js';
import { RunnerOptionsError } from '../errors.js';
import { createLogger, type Logger } from '../log.js';

/** 'null': /dev/null; 'pipe': a pipe whose other end is a stream on the RunnerProcess; a number: a copy of that fd of ours. */
export type StdioOption = NativeStdio;

export interface RunnerProcessOptions {
  /** The runner's arguments after argv[0], e.g. from execArguments(). */
  readonly args: readonly string[];
  /** Defaults to build/native/bin/embly-runner. */
  readonly runnerPath?: string;
  readonly stdin?: StdioOption;
  readonly stdout?: StdioOption;
  readonly stderr?: StdioOption;
  /** RLIMIT_NOFILE (soft and hard). Default 32: fds 0-2, the master socket, and room for dlopen. */
  readonly maxOpenFiles?: number;
  /** Names the runner in logs, e.g. its function. */
  readonly label?: string;
  /** Where its unexpected ends are logged (default: stderr, as `supervisor`). */
  readonly log?: Logger;
}

export const DEFAULT_MAX_OPEN_FILES = 32;

export interface ValidatedOptions {
  readonly native: NativeSpawnOptions;
  readonly label: string;
  readonly log: Logger;
}

function stdio(name: string, value: StdioOption | undefined): NativeStdio {
  if (value === undefined) return 'null';
  if (value === 'null' || value === 'pipe') return value;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31) return value;
  throw new RunnerOptionsError(`${name} must be 'null', 'pipe' or an fd number, not ${String(value)}`);
}

export function validateRunnerOptions(options: RunnerProcessOptions): ValidatedOptions {
  if (typeof options !== 'object' || options === null) throw new RunnerOptionsError('a runner needs an options object');
  const file = options.runnerPath ?? runnerBinary;
  if (typeof file !== 'string' || !isAbsolute(file)) throw new RunnerOptionsError(`runnerPath must be an absolute path, not ${String(file)}`);
  if (!Array.isArray(options.args) || !options.args.every((a) => typeof a === 'string' && !a.includes('\0')))
    throw new RunnerOptionsError('args must be an array of strings without NUL bytes');
  const maxOpenFiles = options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES;
  if (!Number.isInteger(maxOpenFiles) || maxOpenFiles < 3 || maxOpenFiles > 1 << 20)
    throw new RunnerOptionsError(`maxOpenFiles must be an integer from 3 to ${1 << 20}, not ${maxOpenFiles}`);
  return {
    native: {
      file,
      argv: [file, ...options.args],
      stdio: [stdio('stdin', options.stdin), stdio('stdout', options.stdout), stdio('stderr', options.stderr)],
      maxOpenFiles,
    },
    label: options.label ?? 'runner',
    log: options.log ?? createLogger({ component: 'supervisor' }),
  };
}
