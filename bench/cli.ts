// What every benchmark driver shares: one error type that becomes one message
// and an exit status, and the way main() is run.

/** A failure to report as one message; exitCode 1 = a build or run failed, 2 = usage or setup. */
export class BenchError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 2) {
    super(message);
  }
}

/** Runs a driver's main and turns its result or failure into the exit status. */
export function runBench(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (error: unknown) => {
      if (error instanceof BenchError) {
        console.error(`bench: ${error.message}`);
        process.exitCode = error.exitCode;
      } else {
        console.error(error);
        process.exitCode = 1;
      }
    },
  );
}
