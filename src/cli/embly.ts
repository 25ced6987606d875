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

process.exitCode = await runProgram(program, process.argv.slice(2));
