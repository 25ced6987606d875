// `embly doctor`'s checks (docs/doctor.md): each says what it found and,
// when something is wrong, the exact command that puts it right. Each one
// asks the real thing: the toolchain probes the build uses, the addon
// loaded, the kernel's own seccomp field, a listen on the metrics port.
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { run } from '../compile/toolchains/run.js';
import { findClang } from '../compile/toolchains/c.js';
import { findRust } from '../compile/toolchains/rust.js';
import { findSimde } from '../compile/aot.js';
import { npmFile, npmVersion, wabtTool } from '../compile/toolchains/npm-tools.js';
import { DEFAULT_METRICS_ADDRESS } from '../metrics/index.js';
import { runnerBinary } from '../paths.js';
import { nativeAbiVersion } from '../native/index.js';
import type { Language } from '../project/index.js';
import { ToolchainMissingError } from '../errors.js';

export type CheckStatus = 'ok' | 'missing' | 'warning';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** what was found (a version, a path), or what is wrong */
  detail: string;
  /** the exact command that fixes it, when not ok */
  fix?: string;
  /** the languages that need it: missing is fatal when the project uses one */
  languages?: readonly Language[] | 'all';
}

const ALL_LANGUAGES = 'all' as const;

/** A check that throws a ToolchainMissingError is missing, with its install command. */
async function probe(name: string, languages: CheckResult['languages'], found: () => Promise<string>): Promise<CheckResult> {
  try {
    return { name, status: 'ok', detail: await found(), languages };
  } catch (e) {
    const error = e as Error;
    const fix = e instanceof ToolchainMissingError ? e.install.replace(/ \(.*\)$/, '') : undefined;
    return { name, status: 'missing', detail: error.message.split('\n')[0]!.replace(/\.? (Install it with|run) .*$/i, ''), fix, languages };
  }
}

export async function runChecks(options: { socket: string; unit: string }): Promise<CheckResult[]> {
  return Promise.all([
    nodeCheck(),
    nativeCheck(),
    probe('C compiler (cc, for wasm2c output)', ALL_LANGUAGES, async () => {
      const result = await run(process.env['CC'] ?? 'cc', ['--version']).catch(() => null);
      if (!result || result.code !== 0) throw new ToolchainMissingError('no C compiler (cc) on PATH', 'apt-get install gcc');
      return result.stdout.split('\n')[0]!.trim();
    }),
    probe('wabt (wat, wasm2c)', ALL_LANGUAGES, async () => wabtTool('wasm2c', 'Building any function').toolchain),
    // Only modules that use SIMD need it, whatever their language: never fatal.
    probe('simde (SIMD modules)', undefined, findSimde),
    probe('c: clang + wasi-libc', ['c'], async () => (await findClang()).toolchain),
    probe('rust: rustc + cargo (wasm32)', ['rust'], async () => {
      const rust = await findRust(process.cwd());
      if (!rust.cargo) throw new ToolchainMissingError(`${rust.rustc} has no cargo beside it`, 'apt-get install cargo');
      return rust.toolchain;
    }),
    probe('assemblyscript: asc', ['assemblyscript'], async () => {
      const script = npmFile('assemblyscript', 'bin/asc.js', 'Building AssemblyScript');
      return `assemblyscript ${npmVersion('assemblyscript', script)}`;
    }),
    seccompCheck(),
    socketCheck(options.socket),
    metricsPortCheck(),
    unitCheck(options.unit),
  ]);
}

function nodeCheck(): CheckResult {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= 20
    ? { name: 'Node.js', status: 'ok', detail: process.version, languages: ALL_LANGUAGES }
    : { name: 'Node.js', status: 'missing', detail: `${process.version}: embly needs 20 or later`, fix: 'apt-get install nodejs (Debian 13), or https://nodejs.org', languages: ALL_LANGUAGES };
}

function nativeCheck(): CheckResult {
  const fix = 'npm rebuild -g embly';
  if (!existsSync(runnerBinary)) return { name: 'native build', status: 'missing', detail: `${runnerBinary} is not built`, fix, languages: ALL_LANGUAGES };
  try {
    return { name: 'native build', status: 'ok', detail: `runner and addon (ABI ${nativeAbiVersion()})`, languages: ALL_LANGUAGES };
  } catch (e) {
    return { name: 'native build', status: 'missing', detail: `the addon does not load: ${(e as Error).message.split('\n')[0]}`, fix, languages: ALL_LANGUAGES };
  }
}

/** The runners' sandbox: the kernel must offer seccomp filters. */
function seccompCheck(): CheckResult {
  const status = readFileSync('/proc/self/status', 'utf8');
  return /^Seccomp:\s+\d/m.test(status)
    ? { name: 'seccomp', status: 'ok', detail: 'the kernel filters system calls', languages: ALL_LANGUAGES }
    : { name: 'seccomp', status: 'missing', detail: 'this kernel has no seccomp: runners cannot be sandboxed', fix: 'run on a Linux kernel built with CONFIG_SECCOMP_FILTER', languages: ALL_LANGUAGES };
}

function socketCheck(socket: string): CheckResult {
  return existsSync(socket)
    ? { name: 'master socket', status: 'warning', detail: `${socket} exists: a daemon serves there (or a stale file)`, fix: `embly run --socket /tmp/embly-$USER.sock (or stop the daemon there)` }
    : { name: 'master socket', status: 'ok', detail: `${socket} is free` };
}

function metricsPortCheck(): Promise<CheckResult> {
  const { host, port } = DEFAULT_METRICS_ADDRESS;
  const name = 'metrics port';
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => resolve({ name, status: 'warning', detail: `${host}:${port} is taken (${e.code})`, fix: `embly run --metrics ${host}:9466 (or --metrics off)` }));
    server.listen(port, host, () => server.close(() => resolve({ name, status: 'ok', detail: `${host}:${port} is free` })));
  });
}

async function unitCheck(unit: string): Promise<CheckResult> {
  const name = 'service unit';
  if (!existsSync(unit)) return { name, status: 'ok', detail: 'not installed as a service (embly service install PROJECT_DIR to do so)' };
  const active = await run('systemctl', ['is-active', 'embly']).catch(() => null);
  const state = active?.stdout.trim() || 'unknown';
  return state === 'active'
    ? { name, status: 'ok', detail: `${unit}: active` }
    : { name, status: 'warning', detail: `${unit}: ${state}`, fix: 'systemctl start embly; journalctl -u embly' };
}
