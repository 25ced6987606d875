// What the memory and soak benchmarks read from /proc, checked on this test's own
// process and a child it starts, and the soak's flatness judgement on given samples.
import test from 'ava';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { childPids, descendantPids, fdCount, flatness, mappingCount, median, percentile, pssBytes, rssBytes, sumOver } from '../../bench/proc.js';

const MiB = 1 << 20;

test('rssBytes and pssBytes read this process, and see memory it touches', (t) => {
  const before = rssBytes(process.pid);
  const pss = pssBytes(process.pid);
  t.true(before > MiB, `RSS ${before}`);
  t.true(pss > 0 && pss <= before + MiB, `PSS ${pss} against RSS ${before}`);
  const ballast = Buffer.alloc(64 * MiB, 1);
  t.true(rssBytes(process.pid) >= before + 32 * MiB, 'touching 64 MiB shows in RSS');
  t.is(ballast[ballast.length - 1], 1);
});

// Serial: ava runs serial tests before the others, so no other test opens fds meanwhile.
test.serial('fdCount counts a file this process opens and closes', (t) => {
  const before = fdCount(process.pid);
  const fd = openSync('/proc/self/status', 'r');
  t.is(fdCount(process.pid), before + 1);
  closeSync(fd);
  t.is(fdCount(process.pid), before);
});

test('mappingCount counts this process\'s mappings', (t) => {
  t.true(mappingCount(process.pid) > 10);
});

test.serial('readers answer NaN for a process that is gone, and sums skip it', async (t) => {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  const gone = child.pid!;
  t.true(Number.isNaN(rssBytes(gone)));
  t.true(Number.isNaN(pssBytes(gone)));
  t.true(Number.isNaN(fdCount(gone)));
  t.true(Number.isNaN(mappingCount(gone)));
  t.is(sumOver([gone, process.pid], fdCount), fdCount(process.pid));
});

test('childPids and descendantPids find a child and its grandchild', async (t) => {
  const child = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] });
  t.teardown(() => child.kill('SIGKILL'));
  const grandchild = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  t.true(childPids(process.pid).includes(child.pid!));
  t.false(childPids(process.pid).includes(grandchild));
  const below = descendantPids(process.pid);
  t.true(below.includes(child.pid!) && below.includes(grandchild));
  process.kill(grandchild, 'SIGKILL');
});

test('flatness compares the first and last windows with the tolerance', (t) => {
  const steady = [10, 11, 10, 11, 10, 11, 10, 11];
  t.deepEqual(flatness(steady, 2, { fraction: 0, absolute: 0 }), { first: 10.5, last: 10.5, flat: true });
  const growing = [10, 10, 11, 12, 13, 14];
  t.false(flatness(growing, 2, { fraction: 0.1, absolute: 1 }).flat, '+3.5 beyond +max(1, 1)');
  t.true(flatness(growing, 2, { fraction: 0.4, absolute: 1 }).flat, '+3.5 within +max(4, 1)');
  t.true(flatness(growing, 2, { fraction: 0, absolute: 4 }).flat, '+3.5 within +4');
  t.true(flatness([20, 20, 15, 10, 10], 2, { fraction: 0, absolute: 0 }).flat, 'shrinking is not growth');
  t.throws(() => flatness([1, 2, 3], 2, { fraction: 0, absolute: 0 }), { instanceOf: RangeError });
});

test('median and percentile', (t) => {
  t.is(median([3, 1, 2]), 2);
  t.is(median([4, 1, 3, 2]), 2.5);
  t.true(Number.isNaN(median([])));
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  t.is(percentile(hundred, 50), 50);
  t.is(percentile(hundred, 99), 99);
  t.is(percentile(hundred, 100), 100);
});
