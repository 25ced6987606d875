// `emblyctl`: talks to a running daemon over its control socket
// (docs/service.md). Each command lives in its own file.
import { packageVersion } from '../../version.js';
import { createProgram, runProgram } from '../program.js';
import { addLogsCommand } from './logs.js';
import { addPsCommand } from './ps.js';
import { addReloadCommand } from './reload.js';
import { addStatusCommand } from './status.js';
import { addStopCommand } from './stop.js';

const program = createProgram({ name: 'emblyctl', description: 'control a running embly daemon: status, instances, logs, reload, stop', version: packageVersion() });
addStatusCommand(program);
addPsCommand(program);
addLogsCommand(program);
addReloadCommand(program);
addStopCommand(program);

process.exitCode = await runProgram(program, process.argv.slice(2));
