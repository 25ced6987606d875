// `embly`: the command line. Each command lives in its own file and adds
// itself to the program; program.ts parses, shows help and reports errors.

import type { Command } from 'commander';
import { createProgram, runProgram } from './program.js';
import { packageVersion } from '../version.js';
import { exitCodeOf } from '../errors.js';
import { ensureNativeBuild } from '../native/first-use.js';

type AddCommand = (program: Command) => void;

/** Each command's module, loaded only when it is needed: a command line that
 * names one loads that one alone (`embly exec` never loads the daemon's
 * modules, the metrics or the HTTP client); help, and a name commander must
 * find or suggest from, load them all. In the order help lists them. */
const COMMANDS: Record<string, () => Promise<AddCommand>> = {
  build: async () => (await import('./build.js')).addBuildCommand,
  dev: async () => (await import('./dev.js')).addDevCommand,
  doctor: async () => (await import('./doctor.js')).addDoctorCommand,
  exec: async () => (await import('./exec.js')).addExecCommand,
  new: async () => (await import('./new.js')).addNewCommand,
  run: async () => (await import('./run.js')).addRunCommand,
  'sdk-path': async () => (await import('./sdk-path.js')).addSdkPathCommand,
  service: async () => (await import('./service.js')).addServiceCommand,
};

/** The commands `args` needs: the one it names, or all of them (global options take no value, so the first other word is the command). */
function commandsFor(args: string[]): string[] {
  const named = args.find((a) => !a.startsWith('-'));
  const wantsHelp = args.some((a) => a === '--help' || a === '-h');
  return named !== undefined && named in COMMANDS && !wantsHelp ? [named] : Object.keys(COMMANDS);
}

async function createEmbly(args: string[]): Promise<Command> {
  const program = createProgram({ name: 'embly', description: 'a safe, fast, serverless WebAssembly runtime', version: packageVersion() });
  const adders = await Promise.all(commandsFor(args).map((name) => COMMANDS[name]!()));
  for (const add of adders) add(program);
  program.command('version').description('show the version').action(() => { console.log(packageVersion()); });
  return program;
}

/** The commands that run the native runner or load the addon (the others work before the native build). */
const NEEDS_NATIVE = new Set(['build', 'exec', 'run', 'dev', 'service']);

const argv = process.argv.slice(2);
process.exitCode = await nativeFirst(argv).then(async () => runProgram(await createEmbly(argv), argv), (e: Error) => {
  console.error(`embly: ${e.message}`);
  return exitCodeOf(e);
});

/** The native build, on first use, when npm's install script did not run (src/native/first-use.ts). */
async function nativeFirst(args: string[]): Promise<void> {
  if (args.some((a) => a === '--help' || a === '-h') || !NEEDS_NATIVE.has(args[0] ?? '')) return;
  ensureNativeBuild((line) => console.error(line));
}
