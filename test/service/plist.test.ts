// launchd/com.embly.embly.plist as `embly service install --platform darwin
// --dry-run` fills it in (macOS cannot run here): a valid property list, read
// by two parsers that must agree (the npm package plist, and libplist's
// plistutil converting it to the binary format and back), with the keys
// launchd needs and this machine's paths, XML-escaped.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { parse, type PlistValue } from 'plist';
import { emblyScript } from '../cli/helpers.js';
import { runProcess } from '../helpers/objects.js';
import { commands, helloProject, writtenFile } from './helpers.js';

const run = promisify(execFile);

/** The plist through libplist: XML -> binary -> XML. plistutil exits 0 whatever happens, so its output files say. */
async function throughLibplist(xml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embly-plist-'));
  try {
    await writeFile(join(dir, 'in.plist'), xml);
    const toBinary = await run('plistutil', ['-i', join(dir, 'in.plist'), '-o', join(dir, 'out.bplist'), '-f', 'bin']);
    const binary = await readFile(join(dir, 'out.bplist')).catch(() => null);
    if (!binary?.subarray(0, 8).equals(Buffer.from('bplist00'))) throw new Error(`plistutil did not take it: ${toBinary.stderr}`);
    await run('plistutil', ['-i', join(dir, 'out.bplist'), '-o', join(dir, 'back.plist'), '-f', 'xml']);
    return await readFile(join(dir, 'back.plist'), 'utf8');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function dryRun(scope: 'user' | 'system', project: string, home: string) {
  const args = ['service', 'install', '--platform', 'darwin', '--dry-run', ...(scope === 'user' ? ['--user'] : []), project];
  const result = await runProcess('env', [`HOME=${home}`, 'SUDO_USER=alice', 'SUDO_UID=501', process.execPath, emblyScript, ...args]);
  if (result.code !== 0) throw new Error(result.stderr);
  return { ...writtenFile(result.stdout.toString()), commands: commands(result.stdout.toString()) };
}

function asDict(value: PlistValue): Record<string, PlistValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date || value instanceof Uint8Array)
    throw new Error(`not a dict: ${JSON.stringify(value)}`);
  return value as Record<string, PlistValue>;
}

for (const scope of ['user', 'system'] as const) {
  test(`the ${scope} plist is a valid property list with launchd's keys and this machine's paths`, async (t) => {
    const project = await helloProject(t);
    const home = '/Users/alice';
    const { file, mode, text, commands: steps } = await dryRun(scope, project, home);
    const library = scope === 'user' ? join(home, 'Library') : '/Library';
    t.is(file, join(library, scope === 'user' ? 'LaunchAgents' : 'LaunchDaemons', 'com.embly.embly.plist'));
    t.is(mode, '0644');
    const job = asDict(parse(text));
    t.deepEqual(asDict(parse(await throughLibplist(text))), job, 'both parsers read the same');
    const stateDir = join(library, 'Caches', 'com.embly.embly');
    const log = join(library, 'Logs', 'embly', 'embly.log');
    t.deepEqual(job, {
      Label: 'com.embly.embly',
      ProgramArguments: [process.execPath, emblyScript, 'run', '--state-dir', stateDir, project],
      WorkingDirectory: project,
      ...(scope === 'system' ? { UserName: 'alice' } : {}),
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ExitTimeOut: 30,
      ProcessType: 'Background',
      SoftResourceLimits: { NumberOfFiles: 10240 },
      StandardOutPath: log,
      StandardErrorPath: log,
    });
    const domain = scope === 'user' ? `gui/${process.getuid!()}` : 'system'; // a LaunchAgent is its own user's, whoever ran sudo
    t.deepEqual(steps, [
      `mkdir -p ${stateDir} ${dirname(log)}`,
      ...(scope === 'system' ? [`chown alice ${stateDir} ${dirname(log)}`] : []),
      `launchctl bootout ${domain}/com.embly.embly || true`,
      `launchctl bootstrap ${domain} ${file}`,
    ]);
  });
}

test('a project path with XML\'s reserved characters comes back from the plist as it was', async (t) => {
  const plain = await helloProject(t);
  const odd = join(dirname(plain), 'R&D <web>');
  await rename(plain, odd);
  const { text } = await dryRun('user', odd, '/Users/alice');
  t.regex(text, /R&amp;D &lt;web&gt;/);
  const job = asDict(parse(text));
  t.is(job.WorkingDirectory, odd);
  t.is(asDict(parse(await throughLibplist(text))).WorkingDirectory, odd);
});

test('the checks can fail: a key without its value is refused by plist, an unclosed dict by libplist (which takes the former)', async (t) => {
  const project = await helloProject(t);
  const { text } = await dryRun('user', project, '/Users/alice');
  const broken = text.replace('<key>RunAtLoad</key>\n  <true/>', '<key>RunAtLoad</key>\n  <key>Oops</key>');
  t.not(broken, text);
  t.throws(() => parse(broken));
  await t.throwsAsync(throughLibplist(broken.replace('</dict>\n</plist>', '</plist>')));
});
