import test from 'ava';
import { LogLimiter } from '../../src/daemon/log-limiter.js';

test('a noisy key is cut to its budget and told how much was dropped', (t) => {
  let now = 0;
  const lines: string[] = [];
  const limiter = new LogLimiter((l) => lines.push(l), { linesPerSecond: 10, burst: 5 }, () => now);
  for (let i = 0; i < 20; i++) limiter.log('noisy', `line ${i}`);
  t.deepEqual(lines, ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
  now = 1000; // a second later the bucket has refilled
  limiter.log('noisy', 'again');
  t.deepEqual(lines.slice(5), ['[noisy] ... 15 log lines dropped (over 10/s)', 'again']);
});

test('a key kept over its budget is told what it lost at most once a second', (t) => {
  let now = 0;
  const lines: string[] = [];
  const limiter = new LogLimiter((l) => lines.push(l), { linesPerSecond: 10, burst: 1 }, () => now);
  for (now = 0; now < 3000; now += 25) limiter.log('busy', 'x'); // 40 a second against 10
  const summaries = lines.filter((l) => l.startsWith('[busy] ...'));
  t.is(lines.length - summaries.length, 30, 'the budget: one line, then ten a second');
  // at 0.1 s, 1.1 s and 2.1 s; the 27 dropped since wait for the next
  t.deepEqual(summaries, ['[busy] ... 3 log lines dropped (over 10/s)', '[busy] ... 30 log lines dropped (over 10/s)', '[busy] ... 30 log lines dropped (over 10/s)']);
});

test('keys have separate budgets', (t) => {
  const lines: string[] = [];
  const limiter = new LogLimiter((l) => lines.push(l), { linesPerSecond: 1, burst: 1 }, () => 0);
  limiter.log('a', 'a1');
  limiter.log('a', 'a2');
  limiter.log('b', 'b1');
  t.deepEqual(lines, ['a1', 'b1']);
});
