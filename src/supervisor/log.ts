// Where the supervisor says what happened to runners. The daemon gives its
// own logger; the default writes lines to stderr.

export interface SupervisorLog {
  error(message: string): void;
}

export const stderrLog: SupervisorLog = {
  error: (message) => process.stderr.write(`embly supervisor: ${message}\n`),
};
