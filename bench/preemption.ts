// Plain requests next to spinning guests of the same function (run by hand):
// what preemption buys (docs/benchmarks.md, issue 8). A daemon serves the
// hardening tests' hostile function (test/hardening/hostile.ts) on R
// runners; S requests that spin until their timeout are kept in flight while
// plain requests go one after another; prints the plain requests' latency.
//
//   node dist/bench/preemption.js [--runners R] [--spinners S] [--seconds N] [--timeout 2s] [--kind s]
//
// --kind: how the S guests misbehave, a letter of HOSTILE (default s: spin).

import { parseArgs } from 'node:util';
import { HOSTILE, startHostileDaemon } from '../test/hardening/hostile.js';
import { BenchError, runBench } from './cli.js';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      runners: { type: 'string', default: '2' }, spinners: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '10' }, timeout: { type: 'string', default: '2s' },
      kind: { type: 'string', default: HOSTILE.spin },
    },
  });
  const [runners, spinners, seconds] = [values.runners, values.spinners, values.seconds].map(Number);
  if (![runners, spinners, seconds].every((n) => Number.isInteger(n) && n! > 0)) throw new BenchError('--runners, --spinners and --seconds take positive integers');
  if (!(Object.values(HOSTILE) as string[]).includes(values.kind)) throw new BenchError(`--kind is one of ${Object.values(HOSTILE).join(' ')}`);
  const { daemon, port } = await startHostileDaemon({ runners: runners!, timeout: values.timeout });
  try {
    const get = async (path: string) => {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      await response.arrayBuffer();
      return { status: response.status, ms: performance.now() - started };
    };
    for (let i = 0; i < 20; i++) await get('/hello'); // warm
    const until = Date.now() + seconds! * 1000;
    const spinnerStatuses: number[] = [];
    const spinner = async () => { while (Date.now() < until) spinnerStatuses.push((await get(`/${values.kind}`)).status); };
    const plain: { status: number; ms: number }[] = [];
    const plainLoop = async () => { while (Date.now() < until) plain.push(await get('/hello')); };
    await Promise.all([plainLoop(), ...Array.from({ length: spinners! }, spinner)]);
    const sorted = plain.map((p) => p.ms).sort((a, b) => a - b);
    const statuses = (list: number[]) => [...new Set(list)].map((s) => `${s} ×${list.filter((x) => x === s).length}`).join(', ');
    console.log(`${spinners} hostile guests (/${values.kind}, timeout ${values.timeout}) on ${runners} runners, ${seconds} s:`);
    console.log(`  plain requests: ${plain.length}, statuses ${statuses(plain.map((p) => p.status))}`);
    console.log(`  latency ms: p50 ${percentile(sorted, 0.5).toFixed(2)}  p90 ${percentile(sorted, 0.9).toFixed(2)}  ` +
      `p99 ${percentile(sorted, 0.99).toFixed(2)}  max ${sorted[sorted.length - 1]!.toFixed(2)}`);
    console.log(`  hostile requests: ${statuses(spinnerStatuses)}`);
    return 0;
  } finally {
    await daemon.stop();
  }
}

runBench(main);
