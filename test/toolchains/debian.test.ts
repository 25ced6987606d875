import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { aptInstall, debianRelease } from '../../src/compile/toolchains/debian.js';
import { tempDir } from './helpers.js';

test('reads the Debian release from /etc/debian_version', async (t) => {
  const dir = await tempDir(t);
  const release = async (text: string) => {
    await writeFile(join(dir, 'v'), text);
    return debianRelease(join(dir, 'v'));
  };
  t.is(await release('12.11\n'), 12);
  t.is(await release('13.1\n'), 13);
  t.is(await release('trixie/sid\n'), 13);
  t.is(await release('11.9\n'), null);
  t.is(debianRelease(join(dir, 'missing')), null);
});

test('install hints name the packages of the release, or both when unknown', (t) => {
  const packages = { bookworm: ['a', 'b-14'], trixie: ['a', 'b-19'] };
  t.is(aptInstall(packages, 12), 'apt-get install a b-14 (Debian 12)');
  t.is(aptInstall(packages, 13), 'apt-get install a b-19 (Debian 13)');
  t.is(aptInstall(packages, null), 'apt-get install a b-14 on Debian 12, apt-get install a b-19 on Debian 13');
  t.is(aptInstall({ bookworm: ['x'], trixie: ['x'] }, 12), 'apt-get install x (the same on Debian 12 and 13)');
});
