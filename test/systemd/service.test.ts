// Embly under a real systemd (npm run test:systemd): a Debian root booted by
// systemd-nspawn (container.ts), where `embly service install` installs a
// small project as a system service, and systemd itself says how it went:
// is-active, a request through its gateway, STATUS= in `systemctl status`,
// a reload after a change (and after a broken one), Restart=on-failure
// after kill -9, `systemctl stop` draining an in-flight request,
// `systemd-analyze verify` and `systemd-analyze security` (its score is
// logged), and uninstall. Each check is a test of its own, in this order,
// on the one container, so a failure names the check that failed.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { packageRoot } from '../../src/paths.js';
import { waitFor } from '../helpers/wait.js';
import { Container, debianRoot } from './container.js';

const test = anyTest as TestFn<{ container: Container; project: string }>;

/** Where the project is inside: a path with a space, as systemd must read it back from the unit. */
const PROJECT = '/srv/embly hello';
const EMBLY = [process.execPath, join(packageRoot, 'bin', 'embly.js')];
const HELLO_BODY = 'Hello from WebAssembly text (wat)!';
/** What a reload swaps in: the same length, so Content-Length holds. */
const RELOADED_BODY = 'Hello again, after a reload (wat)!';
/** The slow function answers after this long: long enough to be in flight when the service is stopped. */
const SLOW_NS = 3_000_000_000n;
/** The longest an install may wait for READY=1 before the test calls it failed (the unit allows 10 min). */
const INSTALL_TIMEOUT_S = 180;

const PROJECT_FILE = `functions:
  - name: hello
    path: ./hello.wat
    language: wat
  - name: slow
    path: ./slow.wat
    language: wat
  - name: sleeper
    path: ./sleeper.wat
    language: wat
    timeout: 30s
gateways:
  - name: web
    type: http
    port: 8080
    function: hello
  - name: slow
    type: http
    port: 8081
    function: slow
`;

/** Never answers: waiting on it is a plain wait (it returns once its parent closes it). */
const SLEEPER = `(module
  (import "embly" "events" (func $events (param i64 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_start") (drop (call $events (i64.const -1) (i32.const 16) (i32.const 4) (i32.const 0)))))`;

/** hello.wat that, having read the request, waits SLOW_NS on a sleeper before it answers. */
function slowWat(hello: string): string {
  return hello
    .replace('(import "embly" "close"', '(import "embly" "spawn" (func $spawn (param i32 i32 i32) (result i32)))\n  (import "embly" "close"')
    .replace('(memory (export "memory") 1)', '(memory (export "memory") 1)\n  (data (i32.const 64) "sleeper")')
    .replace('(call $read_until_eof)', `(call $read_until_eof)
    (drop (call $spawn (i32.const 64) (i32.const 7) (i32.const 8)))
    (drop (call $events (i64.const ${SLOW_NS}) (global.get $ready) (i32.const 16) (global.get $count_out)))`);
}

async function writeProject(dir: string, body = HELLO_BODY): Promise<void> {
  const hello = await readFile(join(packageRoot, 'examples', 'hello-wat', 'hello.wat'), 'utf8');
  if (!hello.includes(HELLO_BODY) || body.length !== HELLO_BODY.length) throw new Error('hello.wat is not the one this test knows');
  await writeFile(join(dir, 'embly-project.yml'), PROJECT_FILE);
  await writeFile(join(dir, 'hello.wat'), hello.replace(HELLO_BODY, body));
  await writeFile(join(dir, 'slow.wat'), slowWat(hello));
  await writeFile(join(dir, 'sleeper.wat'), SLEEPER);
}

test.before(async (t) => {
  const project = await mkdtemp(join(tmpdir(), 'embly-systemd-project-'));
  await chmod(project, 0o755); // the service's user reads it
  await writeProject(project);
  const root = await debianRoot();
  const container = await Container.boot(root, { [project]: PROJECT }, `${project}.boot.log`);
  t.context = { container, project };
});

test.after.always(async (t) => {
  const { container, project } = t.context;
  await container?.stop();
  if (project) await rm(project, { recursive: true, force: true });
  if (project) await rm(`${project}.boot.log`, { force: true });
});

const curl = (c: Container, port: number, path = '/') => c.run(['curl', '-sS', '--max-time', '30', `http://127.0.0.1:${port}${path}`]);
const show = async (c: Container, property: string) => (await c.ok(['systemctl', 'show', '-p', property, '--value', 'embly.service'])).trim();

test.serial('a system-wide install by a user other than root is refused in one line, exit 77', async (t) => {
  const { container } = t.context;
  const result = await container.run(['runuser', '-u', 'nobody', '--', ...EMBLY, 'service', 'install', PROJECT]);
  t.is(result.code, 77, result.stdout + result.stderr);
  t.is(result.stderr.trim(), 'embly: a system-wide service needs root: run it with sudo, or install it for yourself with --user');
});

test.serial('embly service install creates the user, writes the unit and starts the service, waiting for READY=1', async (t) => {
  const { container } = t.context;
  const result = await container.run([...EMBLY, 'service', 'install', PROJECT], INSTALL_TIMEOUT_S);
  const status = await container.run(['systemctl', 'status', '--no-pager', '-n', '30', 'embly.service']);
  t.is(result.code, 0, `install: ${result.code === 124 ? `no READY=1 within ${INSTALL_TIMEOUT_S} s` : `exit ${result.code}`}\n${result.stdout}${result.stderr}\n${status.stdout}`);
  t.regex(result.stdout, /^useradd --system .* embly$/m);
  t.regex(result.stdout, /^systemctl restart embly\.service$/m);
  t.regex(await container.ok(['getent', 'passwd', 'embly']), /^embly:x:\d+:\d+:[^:]*:\/var\/lib\/embly:\/usr\/sbin\/nologin$/m);
  t.regex(await container.ok(['cat', '/etc/systemd/system/embly.service']), /^ExecStart=.* run --state-dir \$\{CACHE_DIRECTORY\} .* "\/srv\/embly hello"$/m);
});

test.serial('systemd-analyze verify of the installed unit prints nothing', async (t) => {
  const result = await t.context.container.run(['systemd-analyze', 'verify', '/etc/systemd/system/embly.service']);
  t.is(result.code, 0);
  t.is(result.stdout + result.stderr, '');
});

test.serial('the service is active, runs as its own user, and builds into its cache directory, not the read-only project', async (t) => {
  const { container } = t.context;
  t.is((await container.run(['systemctl', 'is-active', 'embly.service'])).stdout.trim(), 'active');
  const pid = await show(container, 'MainPID');
  const uid = /^Uid:\s+(\d+)\s/m.exec(await container.ok(['cat', `/proc/${pid}/status`]))?.[1];
  t.is(uid, (await container.ok(['id', '-u', 'embly'])).trim());
  const cache = await container.ok(['ls', '/var/cache/embly']);
  t.regex(cache, /^hello\.wasm$/m);
  t.regex(await container.ok(['sh', '-c', 'ls /var/cache/embly/objects/*.so']), /\.so$/m);
  t.is((await container.run(['test', '-e', `${PROJECT}/.embly`])).code, 1, 'nothing written into the project');
});

test.serial('a request through the gateway is answered by the function', async (t) => {
  const response = await curl(t.context.container, 8080);
  t.is(response.code, 0, response.stderr);
  t.is(response.stdout, `${HELLO_BODY}\n`);
});

test.serial('systemctl status shows the daemon\'s STATUS= line', async (t) => {
  const { container } = t.context;
  const text = await show(container, 'StatusText');
  t.not(text, '', 'STATUS= was sent');
  const status = await container.run(['systemctl', 'status', '--no-pager', 'embly.service']);
  t.true(status.stdout.includes(`Status: "${text}"`), status.stdout);
});

test.serial('systemctl reload after a change serves the new function; after a broken change it fails and the old one keeps serving', async (t) => {
  const { container, project } = t.context;
  await writeProject(project, RELOADED_BODY);
  const reload = await container.run(['systemctl', 'reload', 'embly.service']);
  const journal = async () => (await container.run(['journalctl', '--no-pager', '-n', '8', '-u', 'embly.service'])).stdout;
  t.is(reload.code, 0, `${reload.stdout}${reload.stderr}${reload.code === 0 ? '' : await journal()}`);
  t.is((await curl(container, 8080)).stdout, `${RELOADED_BODY}\n`);
  await writeFile(join(project, 'hello.wat'), '(module (func $broken');
  const broken = await container.run(['systemctl', 'reload', 'embly.service']);
  t.not(broken.code, 0, 'a failed build fails the reload');
  t.is((await container.run(['systemctl', 'is-active', 'embly.service'])).stdout.trim(), 'active');
  t.is((await curl(container, 8080)).stdout, `${RELOADED_BODY}\n`, 'the old version keeps serving');
  await writeProject(project);
});

test.serial('after kill -9 of the daemon, Restart=on-failure starts it again and it serves', async (t) => {
  const { container } = t.context;
  const before = await show(container, 'MainPID');
  const restarts = Number(await show(container, 'NRestarts'));
  await container.ok(['sh', '-c', `kill -9 ${before}`]); // the shell's kill: the root has no procps
  await waitFor(async () => {
    const pid = await show(container, 'MainPID');
    return pid !== before && pid !== '0' && (await show(container, 'ActiveState')) === 'active';
  }, { timeoutMs: 120_000, intervalMs: 250, what: 'the service to be active again with a new main pid' });
  t.is(Number(await show(container, 'NRestarts')), restarts + 1);
  const response = await curl(container, 8080);
  t.regex(response.stdout, /^Hello .*\(wat\)!\n$/, response.stderr);
});

test.serial('systemd-analyze security embly scores the sandbox (the score is logged)', async (t) => {
  const result = await t.context.container.run(['systemd-analyze', 'security', '--no-pager', 'embly.service']);
  const score = /Overall exposure level for embly\.service: ([\d.]+) (\S+)/.exec(result.stdout);
  t.truthy(score, result.stdout + result.stderr);
  t.log(`systemd-analyze security embly.service: ${score![1]} ${score![2]}`);
  const exposed = result.stdout.split('\n').filter((l) => l.startsWith('✗')).map((l) => l.replace(/\s+/g, ' ').trim());
  t.log(`what it counts against it:\n${exposed.join('\n')}`);
  t.true(Number(score![1]) <= 3.0, `exposure ${score![1]} (it was 2.x when the unit was written)`);
});

test.serial('systemctl stop drains: an in-flight request is answered, and the daemon exits 0', async (t) => {
  const { container } = t.context;
  const inFlight = curl(container, 8081);
  await waitFor(async () => /^embly_instances\{function="slow"\} 1$/m.test((await curl(container, 9465, '/metrics')).stdout),
    { timeoutMs: 30_000, intervalMs: 100, what: 'the slow request to be in flight' });
  const stop = await container.run(['systemctl', 'stop', 'embly.service']);
  t.is(stop.code, 0, stop.stderr);
  const answered = await inFlight;
  t.is(answered.code, 0, `curl: ${answered.stderr}`);
  t.is(answered.stdout, `${HELLO_BODY}\n`);
  t.is(await show(container, 'Result'), 'success');
  t.is(await show(container, 'ExecMainStatus'), '0');
});

test.serial('embly service uninstall stops and disables the service and removes its unit', async (t) => {
  const { container } = t.context;
  await container.ok(['systemctl', 'start', 'embly.service']).catch(() => ''); // whatever the check before left
  const result = await container.run([...EMBLY, 'service', 'uninstall']);
  t.is(result.code, 0, result.stdout + result.stderr);
  t.is((await container.run(['test', '-e', '/etc/systemd/system/embly.service'])).code, 1);
  t.not((await container.run(['systemctl', 'is-active', 'embly.service'])).stdout.trim(), 'active');
  t.not((await curl(container, 8080)).code, 0, 'nothing listens on the gateway\'s port');
  const again = await container.run([...EMBLY, 'service', 'uninstall']);
  t.is(again.code, 0);
  t.regex(again.stdout, /^not installed: there is no \/etc\/systemd\/system\/embly\.service$/m);
});

test.serial('embly service install --user serves from a user\'s own systemd manager, and uninstall --user removes it', async (t) => {
  const { container } = t.context;
  await container.ok(['useradd', '--create-home', 'alice']);
  const uid = (await container.ok(['id', '-u', 'alice'])).trim();
  await container.ok(['loginctl', 'enable-linger', 'alice']); // starts user@UID.service: alice's manager
  await waitFor(async () => (await container.run(['systemctl', 'is-active', `user@${uid}.service`])).stdout.trim() === 'active',
    { timeoutMs: 60_000, intervalMs: 250, what: 'alice\'s systemd manager' });
  const asAlice = (argv: string[], timeoutS?: number) => container.run(['runuser', '-u', 'alice', '--', 'env', 'HOME=/home/alice', `XDG_RUNTIME_DIR=/run/user/${uid}`, ...argv], timeoutS);
  const install = await asAlice([...EMBLY, 'service', 'install', '--user', PROJECT], INSTALL_TIMEOUT_S);
  t.is(install.code, 0, install.stdout + install.stderr);
  t.is((await asAlice(['systemctl', '--user', 'is-active', 'embly.service'])).stdout.trim(), 'active');
  t.regex((await curl(container, 8080)).stdout, /^Hello .*\(wat\)!\n$/);
  t.regex(await container.ok(['ls', '/home/alice/.cache/embly']), /^hello\.wasm$/m, 'the build in the user\'s cache directory');
  const uninstall = await asAlice([...EMBLY, 'service', 'uninstall', '--user']);
  t.is(uninstall.code, 0, uninstall.stdout + uninstall.stderr);
  t.is((await container.run(['test', '-e', '/home/alice/.config/systemd/user/embly.service'])).code, 1);
  t.not((await curl(container, 8080)).code, 0, 'nothing listens on the gateway\'s port');
});
