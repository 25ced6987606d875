import test from 'ava';
import { createLogger, memoryLogger } from '../src/log.js';

test('a line is the level, the component path and the message', (t) => {
  const log = memoryLogger();
  log.child('supervisor').child('hello').warn('runner 12 exited');
  log.info('serving');
  t.deepEqual(log.lines, ['warn supervisor/hello: runner 12 exited', 'info serving']);
});

test('lines below the level are not written', (t) => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l), level: 'warn', journal: false });
  log.debug('noise');
  log.info('more noise');
  log.warn('kept');
  log.child('master').error('kept too');
  t.deepEqual(lines, ['warn kept', 'error master: kept too']);
});

test('under the journal, the level is a syslog priority prefix', (t) => {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l), journal: true }).child('gateway');
  log.error('cannot listen');
  log.warn('slow');
  log.info('listening');
  t.deepEqual(lines, ['<3>gateway: cannot listen', '<4>gateway: slow', '<6>gateway: listening']);
});
