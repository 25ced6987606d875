// The supervisor's errors: one class per failure, each with a stable code.

/** An option given to RunnerProcess.start or RunnerPool is invalid (a caller's bug). */
export class RunnerOptionsError extends TypeError {
  readonly code = 'EMBLY_RUNNER_OPTIONS';
}

/** A runner process could not be started; `step` says where (e.g. "execve"). */
export class RunnerStartError extends Error {
  readonly code = 'EMBLY_RUNNER_START';
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
