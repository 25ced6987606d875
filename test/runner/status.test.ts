// The runner's exit statuses are written twice, in C and in TypeScript: the
// two lists must agree, name for name.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { packageRoot } from '../../src/paths.js';
import { RunnerStatus } from '../../src/supervisor/index.js';

const camel = (name: string) => name.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

test('native/runner/status.h and RunnerStatus list the same statuses', async (t) => {
  const header = await readFile(join(packageRoot, 'native', 'runner', 'status.h'), 'utf8');
  const statuses = Object.fromEntries([...header.matchAll(/^\s+RUNNER_([A-Z_]+) = (\d+),/gm)].map(([, name, value]) => [camel(name!), Number(value)]));
  t.deepEqual(statuses, { ...RunnerStatus });
});
