// `embly sdk-path LANG` prints the SDK that `embly build` uses: the crate,
// the directory of embly.h, the AssemblyScript package.
import test from 'ava';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assertOneLineError, embly } from './helpers.js';

for (const [language, file] of [['rust', 'Cargo.toml'], ['c', 'embly.h'], ['assemblyscript', 'index.ts']] as const) {
  test(`embly sdk-path ${language} prints a directory holding ${file}`, async (t) => {
    const result = await embly('sdk-path', language);
    t.is(result.code, 0, result.stderr);
    const dir = result.stdout.toString().trimEnd();
    t.true(existsSync(join(dir, file)), dir);
  });
}

test('embly sdk-path refuses a language without an SDK', async (t) => {
  assertOneLineError(t, await embly('sdk-path', 'cobol'), 64, /cobol/);
});
