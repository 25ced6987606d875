// Where the supervisor says what happened to runners. The daemon gives its
// own logger; the default writes lines to stderr.

export interface SupervisorLog {
  info(message: string): void;
  error(message: string): void;
}

export const stderrLog: SupervisorLog = {
  info: (message) => process.stderr.write(`embly supervisor: ${message}\n`),
  error: (message) => process.stderr.write(`embly supervisor: ${message}\n`),
};
