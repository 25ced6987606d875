// Builds bench/baselines/pipes.c (the process baselines of bench/roundtrip.ts
// and bench/idle.ts) with the system cc, into a work directory.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../src/paths.js';
import { BenchError } from './cli.js';

const run = promisify(execFile);

/** The path of the built `pipes` program. */
export async function buildPipes(work: string): Promise<string> {
  const program = join(work, 'pipes');
  const source = join(packageRoot, 'bench', 'baselines', 'pipes.c');
  await run('cc', ['-O2', '-Wall', '-o', program, source]).catch((e: { stderr?: string; message: string }) => {
    throw new BenchError(`cc could not build ${source} (apt-get install gcc): ${e.stderr || e.message}`, 1);
  });
  return program;
}
