import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBLY_ABI_VERSION } from '../../src/compile/abi.js';
import { nativeAbiVersion } from '../../src/native/index.js';
import { nativeInclude } from '../../src/paths.js';

test('the TypeScript ABI version matches native/include/embly/abi.h', (t) => {
  const header = readFileSync(join(nativeInclude, 'embly', 'abi.h'), 'utf8');
  t.is(Number(/#define EMBLY_ABI_VERSION (\d+)/.exec(header)?.[1]), EMBLY_ABI_VERSION);
});

test('the native addon was built for the same ABI version', (t) => {
  t.is(nativeAbiVersion(), EMBLY_ABI_VERSION);
});
