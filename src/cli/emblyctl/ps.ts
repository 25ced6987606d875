// `emblyctl ps`: the live instances, oldest first.
import type { Command } from 'commander';
import type { InstanceStatus } from '../../control/instances.js';
import { withExitStatus } from '../program.js';
import { ANSWER_TIMEOUT_MS, paint, print, printJson, withCommonOptions, withDaemon, type CommonFlags } from './common.js';
import { bytes, duration, table, type Cell } from './format.js';

export function addPsCommand(program: Command): void {
  withCommonOptions(program.command('ps')
    .description('list the live instances: address, function, parent, runner, age, linear memory'))
    .action(withExitStatus(ps));
}

async function ps(flags: CommonFlags): Promise<number> {
  const answer = await withDaemon(flags, (c) => c.request('instances', { timeoutMs: ANSWER_TIMEOUT_MS })) as { instances: InstanceStatus[] };
  if (flags.json) printJson(answer);
  else print(describe(answer.instances));
  return 0;
}

function parent(p: InstanceStatus['parent']): Cell {
  if (p.kind === 'gateway') return `gateway ${p.address}`;
  if (p.kind === 'ended') return { text: `ended ${p.address}`, style: 'dim' };
  return `${p.function} ${p.address}`;
}

export function describe(instances: InstanceStatus[]): string {
  if (instances.length === 0) return 'no instances running';
  return table([
    { title: 'ADDRESS' }, { title: 'FUNCTION' }, { title: 'PARENT' }, { title: 'RUNNER', align: 'right' },
    { title: 'AGE', align: 'right' }, { title: 'MEMORY', align: 'right' },
  ], instances.map((i) => [
    i.address, i.function, parent(i.parent), i.runner === null ? '-' : String(i.runner),
    i.started ? duration(i.ageSeconds) : { text: `${duration(i.ageSeconds)} (starting)`, style: 'dim' },
    i.memoryBytes === null ? '-' : bytes(i.memoryBytes),
  ]), paint);
}
