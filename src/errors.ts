// Every error Embly throws on purpose, in one catalogue (docs/errors.md is
// its table; test/errors.test.ts keeps the two in step). Each class is
// declared once, here, with its spec: a stable `code`, a `kind` ('user': the
// input or the environment is wrong, shown as one line; 'internal': a bug in
// Embly, shown with its stack), the exit status `embly` ends with, and the
// HTTP status a gateway answers with where one applies.

import type { SpawnFailure } from './master/spawn-error.js';
import { formatProblem, type Problem } from './project/errors.js';

export type ErrorKind = 'user' | 'internal';

export interface ErrorSpec<Code extends string = string> {
  readonly code: Code;
  readonly kind: ErrorKind;
  readonly exitCode: number;
  readonly httpStatus?: number;
}

/** What an instance may take from its circumstances rather than its spec:
 * a wrapper its cause's kind and exit status, an HTTP error its case's status. */
export interface EmblyErrorOptions {
  cause?: unknown;
  kind?: ErrorKind;
  exitCode?: number;
  httpStatus?: number;
}

/** Exit statuses `embly` uses, from sysexits(3) (docs/errors.md, "Exit statuses"). */
export const EXIT = {
  ok: 0,
  notRunning: 3, // `emblyctl`: no daemon answers (as `systemctl status` for a stopped unit, LSB "program is not running")
  usage: 64, // EX_USAGE: a bad command line
  dataError: 65, // EX_DATAERR: a function's source or module is wrong
  unavailable: 69, // EX_UNAVAILABLE: a program or service it needs is missing
  software: 70, // EX_SOFTWARE: a bug in Embly
  osFile: 72, // EX_OSFILE: Embly's own files are missing
  cantCreate: 73, // EX_CANTCREAT: cannot take a port or socket, or write the build's files
  noPermission: 77, // EX_NOPERM: the command needs privileges it was not run with, or the control socket refused this user
  config: 78, // EX_CONFIG: the project file is wrong
} as const;

export abstract class EmblyError extends Error {
  static readonly spec: ErrorSpec;
  readonly code: string;
  readonly kind: ErrorKind;
  readonly exitCode: number;
  readonly httpStatus: number | undefined;

  constructor(message: string, options: EmblyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const { spec } = new.target as unknown as typeof EmblyError;
    this.name = new.target.name;
    this.code = spec.code;
    this.kind = options.kind ?? spec.kind;
    this.exitCode = options.exitCode ?? spec.exitCode;
    this.httpStatus = options.httpStatus ?? spec.httpStatus;
  }
}

/** The base of one catalogue entry: `class X extends defineError({...}) {}`. */
export function defineError<const Code extends string>(spec: ErrorSpec<Code>) {
  specsByCode.set(spec.code, spec);
  return class extends EmblyError {
    static override readonly spec = spec;
    declare readonly code: Code;
  };
}

/** An Embly error of kind user (a wrapper has its cause's kind); anything else is a bug. */
export function isUserError(error: unknown): boolean {
  return error instanceof EmblyError && error.kind === 'user';
}

/** The status `embly` exits with for an error that reached it. */
export function exitCodeOf(error: unknown): number {
  return error instanceof EmblyError ? error.exitCode : EXIT.software;
}

/** Every spec by its code: an error the daemon answers over the control
 * socket arrives as its code, and `emblyctl` exits with that code's status. */
const specsByCode = new Map<string, ErrorSpec>();

/** The catalogue's spec for a code, if it has one. */
export function specOf(code: string): ErrorSpec | undefined {
  return specsByCode.get(code);
}

/** What a wrapper takes from the error it wraps. */
function inheritedFrom(cause: unknown): EmblyErrorOptions {
  return { cause, kind: isUserError(cause) ? 'user' : 'internal', exitCode: exitCodeOf(cause) };
}

// ---- the command line

/** The command line is wrong: an unknown option, a bad flag value, a missing argument. */
export class UsageError extends defineError({ code: 'EMBLY_USAGE', kind: 'user', exitCode: EXIT.usage }) {}

/** The command names a function the project does not have. */
export class UnknownFunctionError extends defineError({ code: 'EMBLY_UNKNOWN_FUNCTION', kind: 'user', exitCode: EXIT.usage }) {}

/** `embly new` cannot add the function: its name is taken, its folder exists, or the project file cannot be edited. */
export class NewFunctionError extends defineError({ code: 'EMBLY_NEW_REFUSED', kind: 'user', exitCode: EXIT.cantCreate }) {}

/** Embly's own files (package.json, native/) are not where the code expects them. */
export class InstallationError extends defineError({ code: 'EMBLY_INSTALLATION', kind: 'user', exitCode: EXIT.osFile }) {}

/** Embly broke one of its own invariants. */
export class InternalError extends defineError({ code: 'EMBLY_INTERNAL', kind: 'internal', exitCode: EXIT.software }) {}

// ---- the project file

/**
 * Thrown by parseProject/loadProject with every problem found, not just the
 * first, so one edit-run cycle fixes them all. The message is ready for a
 * terminal: `file:line:col: message`, then an indented `hint:` line.
 */
export class ProjectFileError extends defineError({ code: 'EMBLY_PROJECT_INVALID', kind: 'user', exitCode: EXIT.config }) {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

// ---- embly build

/** The compiler for a language is not installed; the message names what to install. */
export class ToolchainMissingError extends defineError({ code: 'EMBLY_TOOLCHAIN_MISSING', kind: 'user', exitCode: EXIT.unavailable }) {
  constructor(message: string, readonly install: string) {
    super(message);
  }
}

/** The first errors matter most; a runaway log would bury them. */
const MAX_OUTPUT_CHARS = 20_000;

function clip(output: string): string {
  if (output.length <= MAX_OUTPUT_CHARS) return output;
  return `${output.slice(0, MAX_OUTPUT_CHARS)}\n… (${output.length - MAX_OUTPUT_CHARS} more characters)`;
}

/** The compiler ran and refused the source; the message holds its own output. */
export class CompileError extends defineError({ code: 'EMBLY_COMPILE_FAILED', kind: 'user', exitCode: EXIT.dataError }) {
  constructor(readonly functionName: string, readonly toolchain: string, readonly output: string) {
    super(`function "${functionName}" failed to compile (${toolchain}):\n${clip(output.trim())}`);
  }
}

/** wabt's validator refused the module (malformed or invalid). */
export class WasmInvalidError extends defineError({ code: 'EMBLY_WASM_INVALID', kind: 'user', exitCode: EXIT.dataError }) {}

/** Embly's own reading of the module's binary found something it cannot read. */
export class WasmFormatError extends defineError({ code: 'EMBLY_WASM_MALFORMED', kind: 'user', exitCode: EXIT.dataError }) {}

/** The module imports something the runner does not provide, or with another signature. */
export class ImportError extends defineError({ code: 'EMBLY_IMPORT_UNAVAILABLE', kind: 'user', exitCode: EXIT.dataError }) {}

/** The module's initial memory is larger than the function's `memory` limit (the project file). */
export class MemoryLimitError extends defineError({ code: 'EMBLY_MEMORY_OVER_LIMIT', kind: 'user', exitCode: EXIT.config }) {}

/** The build's state directory (.embly/ or --state-dir) cannot be created or written. */
export class StateDirError extends defineError({ code: 'EMBLY_STATE_DIR', kind: 'user', exitCode: EXIT.cantCreate }) {}

/** wasm2c or the C compiler failed on a valid module, or no C compiler is installed. */
export class AotCompileError extends defineError({ code: 'EMBLY_AOT_FAILED', kind: 'user', exitCode: EXIT.unavailable }) {}

/** One function failed to build; kind and exit status are its cause's. */
export class FunctionBuildError extends defineError({ code: 'EMBLY_FUNCTION_BUILD_FAILED', kind: 'user', exitCode: EXIT.dataError }) {
  constructor(readonly functionName: string, readonly reason: Error) {
    super(`function "${functionName}": ${reason.message}`, inheritedFrom(reason));
  }
}

/** Some functions failed to build: internal if any failure is, else the first failure's exit status. */
export class BuildFailedError extends defineError({ code: 'EMBLY_BUILD_FAILED', kind: 'user', exitCode: EXIT.dataError }) {
  constructor(readonly failures: FunctionBuildError[]) {
    const internal = failures.find((f) => !isUserError(f));
    super(failures.map((f) => f.message).join('\n\n'), inheritedFrom(internal ?? failures[0]));
  }
}

// ---- runners (src/supervisor)

/** An option given to RunnerProcess.start or RunnerPool is invalid (a caller's bug). */
export class RunnerOptionsError extends defineError({ code: 'EMBLY_RUNNER_OPTIONS', kind: 'internal', exitCode: EXIT.software }) {}

/** A runner process could not be started; `step` says where (e.g. "execve"). */
export class RunnerStartError extends defineError({ code: 'EMBLY_RUNNER_START', kind: 'user', exitCode: EXIT.unavailable }) {
  constructor(
    message: string,
    /** The step of starting it that failed. */
    readonly step: string,
    /** The system error's name, e.g. "ENOENT". */
    readonly errno: string,
  ) {
    super(message);
  }
}

// ---- embly run (src/daemon)

/** A gateway cannot listen on its port (in use, or not allowed). */
export class GatewayListenError extends defineError({ code: 'EMBLY_GATEWAY_LISTEN', kind: 'user', exitCode: EXIT.cantCreate }) {}

/** The metrics endpoint cannot listen on its address (in use, or not allowed). */
export class MetricsListenError extends defineError({ code: 'EMBLY_METRICS_LISTEN', kind: 'user', exitCode: EXIT.cantCreate }) {}

/** Runners were started but did not say HELLO in time (their logs say why). */
export class RunnersNotReadyError extends defineError({ code: 'EMBLY_RUNNERS_NOT_READY', kind: 'user', exitCode: EXIT.unavailable }) {}

// ---- the service manager and embly service (src/service)

/** A notification to the service manager ($NOTIFY_SOCKET, sd_notify(3)) could not be sent. */
export class NotifyError extends defineError({ code: 'EMBLY_NOTIFY_FAILED', kind: 'user', exitCode: EXIT.unavailable }) {}

/** A reload (SIGHUP, `emblyctl reload`) was not applied: the project file, a
 * build, the new runners or a gateway's port failed, or the daemon is
 * stopping. What served before goes on serving. Kind and exit status are its cause's. */
export class ReloadFailedError extends defineError({ code: 'EMBLY_RELOAD_FAILED', kind: 'user', exitCode: EXIT.unavailable }) {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? {} : inheritedFrom(cause));
  }
}

/** This machine has no service manager `embly service` knows (systemd running as PID 1, launchd). */
export class ServiceManagerError extends defineError({ code: 'EMBLY_SERVICE_MANAGER', kind: 'user', exitCode: EXIT.unavailable }) {}

/** A system-wide install or uninstall was run without root. */
export class ServicePermissionError extends defineError({ code: 'EMBLY_SERVICE_PERMISSION', kind: 'user', exitCode: EXIT.noPermission }) {}

/** A command of an install or uninstall (useradd, systemctl, launchctl) failed; the message holds its output. */
export class ServiceCommandError extends defineError({ code: 'EMBLY_SERVICE_COMMAND', kind: 'user', exitCode: EXIT.unavailable }) {}

// ---- the master and the gateways

/** The master's socket path is held by a live master, or is not a socket. */
export class MasterSocketInUseError extends defineError({ code: 'EMBLY_SOCKET_IN_USE', kind: 'user', exitCode: EXIT.cantCreate }) {}

/** A peer on the master socket sent bytes or a frame that break the protocol (docs/protocol.md). */
export class FrameError extends defineError({ code: 'EMBLY_BAD_FRAME', kind: 'internal', exitCode: EXIT.software }) {}

/** An instance could not be started: no such function, at max_instances,
 * no runner ready, it did not start, or (a special function) the caller may
 * not spawn it; `reason` says which
 * (src/master/spawn-error.ts), and gateways answer 503 at capacity, 502 otherwise. */
export class SpawnError extends defineError({ code: 'EMBLY_SPAWN_FAILED', kind: 'user', exitCode: EXIT.unavailable, httpStatus: 502 }) {
  constructor(readonly reason: SpawnFailure, message: string) {
    super(message, { httpStatus: reason === 'at-capacity' ? 503 : 502 });
  }
}

// ---- special functions (src/specials)

/** A function's outbound call (embly/http) was refused before any connection:
 * its origin is not in the function's allowed_outbound_hosts, or its host
 * name resolves to an internal address that no entry lists without a wildcard. */
export class OutboundRefusedError extends defineError({ code: 'EMBLY_OUTBOUND_REFUSED', kind: 'user', exitCode: EXIT.config, httpStatus: 403 }) {}

/** A client's request (or a function's response) is not HTTP/1.1 the gateway relays. */
export class HttpSyntaxError extends defineError({ code: 'EMBLY_HTTP_SYNTAX', kind: 'user', exitCode: EXIT.dataError, httpStatus: 400 }) {
  /** status: what to answer a client for it (400, 431, 501, 505) */
  constructor(message: string, status = 400) {
    super(message, { httpStatus: status });
  }

  get status(): number {
    return this.httpStatus!;
  }
}

// ---- the control socket (src/control) and emblyctl

/** The daemon cannot take its control socket: in use by another daemon, not
 * a socket, or in a directory others could write to. */
export class ControlSocketError extends defineError({ code: 'EMBLY_CONTROL_SOCKET', kind: 'user', exitCode: EXIT.cantCreate }) {}

/** A control request the daemon cannot serve: not JSON, an unknown method, bad params, too long. */
export class ControlRequestError extends defineError({ code: 'EMBLY_CONTROL_REQUEST', kind: 'user', exitCode: EXIT.dataError }) {}

/** The control socket refused this user (the daemon serves only its own uid and root). */
export class ControlAccessError extends defineError({ code: 'EMBLY_CONTROL_DENIED', kind: 'user', exitCode: EXIT.noPermission }) {}

/** No daemon answers at the control socket: `emblyctl` exits 3, like `systemctl status`. */
export class DaemonNotRunningError extends defineError({ code: 'EMBLY_NOT_RUNNING', kind: 'user', exitCode: EXIT.notRunning }) {}

/** The daemon went away mid-request, answered what is not the protocol, or not in time. */
export class ControlConnectionError extends defineError({ code: 'EMBLY_CONTROL_CONNECTION', kind: 'user', exitCode: EXIT.unavailable }) {}

/** An error the daemon answered (a reload's build failure, say): its
 * message, shown as one line (a stack would be emblyctl's, not the
 * daemon's, which logs its own), and the exit status it carried, else that
 * of its code in this catalogue (70 for a code it lacks: a bug in the daemon). */
export class DaemonAnsweredError extends defineError({ code: 'EMBLY_DAEMON_ERROR', kind: 'user', exitCode: EXIT.software }) {
  constructor(readonly remoteCode: string, message: string, exitCode?: number) {
    super(message, { exitCode: exitCode ?? specOf(remoteCode)?.exitCode ?? EXIT.software });
  }
}
