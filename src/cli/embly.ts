// `embly`: the command line. Each command lives in its own file and adds
// itself to the program; program.ts parses, shows help and reports errors.

import { addBuildCommand } from './build.js';
import { addDevCommand } from './dev.js';
import { addDoctorCommand } from './doctor.js';
import { addExecCommand } from './exec.js';
import { addNewCommand } from './new.js';
import { createProgram, runProgram } from './program.js';
import { addRunCommand } from './run.js';
import { addSdkPathCommand } from './sdk-path.js';
import { addServiceCommand } from './service.js';
import { packageVersion } from '../version.js';
import { exitCodeOf } from '../errors.js';
import { ensureNativeBuild } from '../native/first-use.js';

const program = createProgram({ name: 'embly', description: 'a safe, fast, serverless WebAssembly runtime', version: packageVersion() });
addBuildCommand(program);
addDevCommand(program);
addDoctorCommand(program);
addExecCommand(program);
addNewCommand(program);
addRunCommand(program);
addSdkPathCommand(program);
addServiceCommand(program);
program.command('version').description('show the version').action(() => { console.log(packageVersion()); });

/** The commands that run the native runner or load the addon (the others work before the native build). */
const NEEDS_NATIVE = new Set(['build', 'exec', 'run', 'dev', 'service']);

const argv = process.argv.slice(2);
process.exitCode = await nativeFirst(argv).then(() => runProgram(program, argv), (e: Error) => {
  console.error(`embly: ${e.message}`);
  return exitCodeOf(e);
});

/** The native build, on first use, when npm's install script did not run (src/native/first-use.ts). */
async function nativeFirst(args: string[]): Promise<void> {
  if (args.some((a) => a === '--help' || a === '-h') || !NEEDS_NATIVE.has(args[0] ?? '')) return;
  ensureNativeBuild((line) => console.error(line));
}
