// systemd/embly.service as `embly service install --dry-run` fills it in:
// systemd's own checker takes it without a word, it lets through every
// call the runners' own seccomp filters allow, it binds back in what lies
// under a home directory, and the commands come in the order that works.
// (test/service/systemd.test.ts runs it under a real systemd.)
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { EXIT } from '../../src/errors.js';
import { packageRoot } from '../../src/paths.js';
import type { Project } from '../../src/project/index.js';
import { systemdUnit } from '../../src/service/systemd.js';
import type { ServiceTarget } from '../../src/service/target.js';
import { systemdPath } from '../../src/service/template.js';
import { runProcess } from '../helpers/objects.js';
import { assertOneLineError, embly, emblyScript } from '../cli/helpers.js';
import { commands, helloProject, writtenFile } from './helpers.js';

const run = promisify(execFile);

/** Every key=value of the unit, in order (comments and sections left out). */
function settings(unit: string): [string, string][] {
  return unit.split('\n').filter((l) => /^[A-Za-z]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}
const setting = (unit: string, key: string) => settings(unit).filter(([k]) => k === key).map(([, v]) => v);

/** `systemd-analyze verify` of the unit, written to a directory of its own; what it printed. */
async function verify(unit: string, user: boolean): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embly-unit-'));
  try {
    await writeFile(join(dir, 'embly.service'), unit);
    const runtime = join(dir, 'runtime');
    await mkdir(runtime, { mode: 0o700 });
    const args = [...(user ? ['--user'] : []), 'verify', join(dir, 'embly.service')];
    const { stdout, stderr } = await run('systemd-analyze', args, { env: { ...process.env, XDG_RUNTIME_DIR: runtime } });
    return `${stdout}${stderr}`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the system unit passes systemd-analyze verify without a warning, and runs embly from this checkout', async (t) => {
  const dir = await helloProject(t);
  const result = await embly('service', 'install', '--dry-run', dir);
  t.is(result.code, 0, result.stderr);
  const { file, mode, text } = writtenFile(result.stdout.toString());
  t.is(file, '/etc/systemd/system/embly.service');
  t.is(mode, '0644');
  t.is(await verify(text, false), '');
  t.deepEqual(setting(text, 'ExecStart'), [`${process.execPath} ${emblyScript} run --state-dir \${CACHE_DIRECTORY} --socket \${RUNTIME_DIRECTORY}/master.sock ${dir}`]);
  t.deepEqual(setting(text, 'ExecReload'), [`${process.execPath} ${join(packageRoot, 'bin', 'emblyctl.js')} reload`]);
  t.deepEqual(setting(text, 'Type'), ['notify']);
  t.deepEqual(setting(text, 'User'), ['embly']);
  t.deepEqual(setting(text, 'ProtectSystem'), ['strict']);
  t.deepEqual(setting(text, 'ProtectHome'), ['yes'], 'nothing it reads is under a home directory');
  t.deepEqual(setting(text, 'BindReadOnlyPaths'), []);
  t.deepEqual(setting(text, 'MemoryDenyWriteExecute'), [], 'V8 cannot run under it');
  t.notRegex(text, /@[A-Z_]+@/, 'every placeholder filled');
});

test('the user unit passes systemd-analyze --user verify and has none of the settings a user manager cannot apply', async (t) => {
  const dir = await helloProject(t);
  const result = await runProcess('env', [`XDG_CONFIG_HOME=${join(dir, 'config')}`, process.execPath, emblyScript, 'service', 'install', '--user', '--dry-run', dir]);
  t.is(result.code, 0, result.stderr);
  const { file, text } = writtenFile(result.stdout.toString());
  t.is(file, join(dir, 'config', 'systemd', 'user', 'embly.service'));
  t.is(await verify(text, true), '');
  for (const key of ['User', 'Group', 'ProtectSystem', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'StateDirectory'])
    t.deepEqual(setting(text, key), [], key);
  t.deepEqual(setting(text, 'WantedBy'), ['default.target']);
  t.deepEqual(setting(text, 'NoNewPrivileges'), ['yes']);
  t.deepEqual(commands(result.stdout.toString()), [
    'systemctl --user daemon-reload', 'systemctl --user enable embly.service', 'systemctl --user restart embly.service',
  ]);
});

test('install creates the service user when it is missing, then writes the unit, reloads systemd, enables and restarts the service', async (t) => {
  const dir = await helloProject(t);
  const userExists = await run('id', ['-u', 'embly']).then(() => true, () => false);
  const result = await embly('service', 'install', '--dry-run', dir);
  const steps = commands(result.stdout.toString());
  const createUser = "useradd --system --user-group --home-dir /var/lib/embly --no-create-home --shell /usr/sbin/nologin --comment 'Embly serverless WebAssembly runtime' embly";
  t.deepEqual(steps, [...(userExists ? [] : [createUser]), 'systemctl daemon-reload', 'systemctl enable embly.service', 'systemctl restart embly.service']);
  const order = result.stdout.toString();
  t.true(order.indexOf('# write /etc/systemd/system/embly.service') < order.indexOf('systemctl daemon-reload'));
});

/** The runners' seccomp allowlist: every SCMP_SYS(name) of native/runner/sandbox.c. */
async function runnerSyscalls(): Promise<string[]> {
  const source = await readFile(join(packageRoot, 'native', 'runner', 'sandbox.c'), 'utf8');
  return [...new Set([...source.matchAll(/SCMP_SYS\((\w+)\)/g)].map((m) => m[1]!))];
}

/** The calls a SystemCallFilter= item stands for: a @group expanded (recursively) by systemd-analyze. */
async function expand(item: string, seen = new Set<string>()): Promise<string[]> {
  if (!item.startsWith('@')) return [item];
  if (seen.has(item)) return [];
  seen.add(item);
  const { stdout } = await run('systemd-analyze', ['syscall-filter', item]);
  const members = stdout.split('\n').slice(1).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  return (await Promise.all(members.map((m) => expand(m, seen)))).flat();
}

test('every system call the runners allow themselves is allowed by the unit\'s SystemCallFilter', async (t) => {
  const dir = await helloProject(t);
  const { text } = writtenFile((await embly('service', 'install', '--dry-run', dir)).stdout.toString());
  const filters = setting(text, 'SystemCallFilter');
  const items = async (lines: string[]) => new Set((await Promise.all(lines.flatMap((l) => l.split(/\s+/)).map((item) => expand(item)))).flat());
  const listed = await items(filters.filter((f) => !f.startsWith('~')));
  const denied = await items(filters.filter((f) => f.startsWith('~')).map((f) => f.slice(1)));
  const allowed = new Set([...listed].filter((call) => !denied.has(call)));
  t.true(allowed.size > 300 && denied.size > 30, `${allowed.size} calls allowed, ${denied.size} taken out`);
  const needed = await runnerSyscalls();
  t.true(needed.length > 30, `${needed.length} calls in the runners' allowlist`);
  t.deepEqual(needed.filter((call) => !allowed.has(call)), []);
  t.true(allowed.has('seccomp'), 'the runners install their own filters');
});

function target(overrides: Partial<ServiceTarget>): ServiceTarget {
  const project: Project = { root: '/srv/app', file: '/srv/app/embly-project.yml', functions: [], gateways: [], metrics: null };
  return {
    platform: 'linux', scope: 'system', home: '/root', userName: 'root', uid: 0,
    node: '/usr/bin/node', embly: '/opt/embly/bin/embly.js', emblyctl: '/opt/embly/bin/emblyctl.js', packageRoot: '/opt/embly',
    project, projectDir: '/srv/app', ...overrides,
  };
}

test('what lies under /home, /root or /run/user is bound back in read-only over ProtectHome=tmpfs, each path once', async (t) => {
  const project: Project = {
    root: '/home/alice/my app', file: '/home/alice/my app/embly-project.yml', gateways: [], metrics: null,
    functions: [{ name: 'f', path: '/home/alice/my app/f.wat', language: 'wat', limits: { memoryPages: 1, timeoutMs: 1000, maxInstances: 1 }, isolation: 'instance', env: {}, simd: false,
      outbound: { allowedHosts: [], timeoutMs: 10_000, maxBytes: 64 * 1024 ** 2, maxConcurrent: 100 } }],
  };
  const unit = await systemdUnit(target({ project, projectDir: '/home/alice/my app', node: '/root/.nvm/versions/node/v20.1.0/bin/node' }));
  t.deepEqual(setting(unit, 'ProtectHome'), ['tmpfs']);
  t.deepEqual(setting(unit, 'BindReadOnlyPaths'), ['"/home/alice/my app" /root/.nvm/versions/node/v20.1.0/bin/node']);
  t.regex(setting(unit, 'ExecStart')[0]!, /^\/root\/\.nvm\/versions\/node\/v20\.1\.0\/bin\/node \/opt\/embly\/bin\/embly\.js run .* "\/home\/alice\/my app"$/);
});

test('paths are written as systemd reads them back: % and (on Exec lines) $ doubled, spaces quoted, and what it cannot take refused', (t) => {
  t.is(systemdPath('/srv/50%/$HOME', 'exec'), '/srv/50%%/$$HOME');
  t.is(systemdPath('/srv/50%/$HOME', 'setting'), '/srv/50%%/$HOME');
  t.is(systemdPath('/srv/my app', 'exec'), '"/srv/my app"');
  for (const bad of ['/srv/a:b', '/srv/a"b', '/srv/a\\b']) t.throws(() => systemdPath(bad, 'setting'), { code: 'EMBLY_USAGE' });
});

test('a system service cannot see a project under /tmp (PrivateTmp): refused in one line, exit 64', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'embly-tmp-project-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'embly-project.yml'), 'functions:\n  - name: hello\n    path: ./hello.wat\n    language: wat\n');
  await writeFile(join(dir, 'hello.wat'), '(module (memory (export "memory") 1) (func (export "_start")))');
  assertOneLineError(t, await embly('service', 'install', '--dry-run', dir), EXIT.usage, /^embly: .* is under \/tmp or \/var\/tmp, which the service replaces with its own \(PrivateTmp=yes\)/);
});

test('uninstall --user stops, disables and removes an installed unit; with none installed it says so and does nothing', async (t) => {
  const dir = await helloProject(t);
  const config = join(dir, 'config');
  const uninstall = () => runProcess('env', [`XDG_CONFIG_HOME=${config}`, process.execPath, emblyScript, 'service', 'uninstall', '--user', '--dry-run']);
  const none = await uninstall();
  t.is(none.code, 0, none.stderr);
  t.is(none.stdout.toString(), `# not installed: there is no ${join(config, 'systemd', 'user', 'embly.service')}\n`);
  await mkdir(join(config, 'systemd', 'user'), { recursive: true });
  await writeFile(join(config, 'systemd', 'user', 'embly.service'), '[Service]\nExecStart=/bin/true\n');
  const installed = await uninstall();
  t.deepEqual(commands(installed.stdout.toString()), [
    'systemctl --user disable --now embly.service', `rm -f ${join(config, 'systemd', 'user', 'embly.service')}`, 'systemctl --user daemon-reload',
  ]);
});

test('a macOS install on Linux without --dry-run is refused in one line before anything is done, exit 69', async (t) => {
  const dir = await helloProject(t);
  assertOneLineError(t, await embly('service', 'install', '--platform', 'darwin', '--user', dir), EXIT.unavailable,
    /^embly: a darwin service cannot be installed on linux; --platform is for --dry-run$/);
});
