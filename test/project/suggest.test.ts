import test from 'ava';
import { closestMatch } from '../../src/project/suggest.js';

const KEYS = ['name', 'path', 'language', 'memory', 'timeout', 'max_instances', 'isolation', 'env'];

test('finds transpositions, case and dash slips', (t) => {
  t.is(closestMatch('langauge', KEYS), 'language');
  t.is(closestMatch('Memory', KEYS), 'memory');
  t.is(closestMatch('max-instances', KEYS), 'max_instances');
  t.is(closestMatch('timout', KEYS), 'timeout');
  t.is(closestMatch('evn', KEYS), 'env');
});

test('stays quiet when nothing is close', (t) => {
  t.is(closestMatch('colour', KEYS), undefined);
  t.is(closestMatch('x', KEYS), undefined);
  t.is(closestMatch('envs_and_more', KEYS), undefined);
});
