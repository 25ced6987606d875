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

test('keys have separate budgets', (t) => {
  const lines: string[] = [];
  const limiter = new LogLimiter((l) => lines.push(l), { linesPerSecond: 1, burst: 1 }, () => 0);
  limiter.log('a', 'a1');
  limiter.log('a', 'a2');
  limiter.log('b', 'b1');
  t.deepEqual(lines, ['a1', 'b1']);
});
