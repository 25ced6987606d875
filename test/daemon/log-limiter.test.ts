import test from 'ava';
import { LogLimiter } from '../../src/daemon/log-limiter.js';
import { memoryLogger } from '../../src/log.js';

test('a noisy key is cut to its budget and told how much was dropped', (t) => {
  let now = 0;
  const log = memoryLogger();
  const limiter = new LogLimiter(log, { linesPerSecond: 10, burst: 5 }, () => now);
  for (let i = 0; i < 20; i++) limiter.write('noisy', 'info', `line ${i}`);
  t.deepEqual(log.lines, ['info line 0', 'info line 1', 'info line 2', 'info line 3', 'info line 4']);
  now = 1000; // a second later the bucket has refilled
  limiter.write('noisy', 'info', 'again');
  t.deepEqual(log.lines.slice(5), ['warn [noisy] ... 15 log lines dropped (over 10/s)', 'info again']);
});

test('a key kept over its budget is told what it lost at most once a second', (t) => {
  let now = 0;
  const log = memoryLogger();
  const limiter = new LogLimiter(log, { linesPerSecond: 10, burst: 1 }, () => now);
  for (now = 0; now < 3000; now += 25) limiter.write('busy', 'info', 'x'); // 40 a second against 10
  const summaries = log.lines.filter((l) => l.startsWith('warn [busy] ...'));
  t.is(log.lines.length - summaries.length, 30, 'the budget: one line, then ten a second');
  // at 0.1 s, 1.1 s and 2.1 s; the 27 dropped since wait for the next
  t.deepEqual(summaries, ['warn [busy] ... 3 log lines dropped (over 10/s)', 'warn [busy] ... 30 log lines dropped (over 10/s)', 'warn [busy] ... 30 log lines dropped (over 10/s)']);
});

test('keys have separate budgets', (t) => {
  const log = memoryLogger();
  const limiter = new LogLimiter(log, { linesPerSecond: 1, burst: 1 }, () => 0);
  limiter.write('a', 'info', 'a1');
  limiter.write('a', 'info', 'a2');
  limiter.write('b', 'warn', 'b1');
  t.deepEqual(log.lines, ['info a1', 'warn b1']);
});

test('a line given as a function is only made when it is let through', (t) => {
  const log = memoryLogger();
  const limiter = new LogLimiter(log, { linesPerSecond: 1, burst: 1 }, () => 0);
  let made = 0;
  const line = () => { made++; return 'ended'; };
  limiter.write('a', 'info', line);
  limiter.write('a', 'info', line);
  t.is(made, 1);
  t.deepEqual(log.lines, ['info ended']);
});
