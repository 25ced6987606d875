// A Debian root booted by systemd-nspawn with systemd as its PID 1, for the
// tests that need a real service manager. Its root is an overlay on a tmpfs
// (--volatile=overlay), so every boot starts from the root as debootstrap
// made it (scripts/systemd-root.sh); it has only a loopback network of its
// own (--private-network), so its gateways take no port of this machine.
// Node, this checkout of Embly and a project are bound in read-only, node
// and Embly at their own paths, so the unit names the same paths inside as
// `embly service install` would outside. Commands run inside through nsenter
// on its PID 1 (with --register=no there is no machinectl).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, realpathSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';
import { runProcess } from '../helpers/objects.js';
import { waitFor } from '../helpers/wait.js';

export interface Result { code: number | null; stdout: string; stderr: string; }

/** The environment commands get inside: a login's, not this process's. */
const INSIDE_ENV = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOME=/root', 'LANG=C.UTF-8', 'SYSTEMD_PAGER=', 'SYSTEMD_COLORS=0'];

/** The Debian root for this machine's suite (made once, cached): scripts/systemd-root.sh. */
export async function debianRoot(): Promise<string> {
  const result = await runProcess('bash', [join(packageRoot, 'scripts', 'systemd-root.sh')]);
  if (result.code !== 0) throw new Error(`scripts/systemd-root.sh failed (${result.code}): ${result.stderr}`);
  return result.stdout.toString().trim();
}

/** What Embly needs from this machine, bound read-only at the same path. */
function hostPaths(): string[] {
  const paths = [realpathSync(process.execPath), realpathSync(packageRoot)];
  const modules = join(packageRoot, 'node_modules');
  if (existsSync(modules) && realpathSync(modules) !== join(realpathSync(packageRoot), 'node_modules')) paths.push(realpathSync(modules));
  return paths;
}

export class Container {
  private constructor(private readonly nspawn: ChildProcess, readonly leader: number, readonly logFile: string) {}

  /** Boots `root` with `binds` (host path -> path inside, read-only) and waits until its systemd has finished starting up. */
  static async boot(root: string, binds: Record<string, string>, logFile: string): Promise<Container> {
    const args = ['--register=no', '--keep-unit', '--quiet', '--volatile=overlay', '--private-network', '--console=read-only',
      '-D', root, ...hostPaths().map((p) => `--bind-ro=${p}`), ...Object.entries(binds).map(([from, to]) => `--bind-ro=${from}:${to}`), '-b'];
    const log = createWriteStream(logFile);
    const nspawn = spawn('systemd-nspawn', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    nspawn.stdout!.pipe(log);
    nspawn.stderr!.pipe(log);
    let exited = false;
    nspawn.on('exit', () => { exited = true; });
    try {
      let leader = 0;
      await waitFor(() => {
        if (exited) throw new Error(`systemd-nspawn exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
        leader = childNamed(nspawn.pid!, 'systemd') ?? 0;
        return leader !== 0;
      }, { timeoutMs: 30_000, what: 'the container\'s systemd' });
      const container = new Container(nspawn, leader, logFile);
      await container.startedUp();
      return container;
    } catch (e) {
      nspawn.kill('SIGKILL');
      throw e;
    }
  }

  /** Waits until its systemd has finished starting up: running, or degraded (a unit failed). */
  private async startedUp(): Promise<void> {
    let state = '';
    await waitFor(async () => {
      const result = await this.run(['systemctl', 'is-system-running', '--wait'], 60);
      state = `${result.stdout}${result.stderr}`.trim();
      return ['running', 'degraded'].includes(result.stdout.trim()); // before its bus is up it cannot be asked
    }, { timeoutMs: 60_000, intervalMs: 250, what: () => `the container to start up (systemctl is-system-running: ${state})` });
  }

  /** Runs argv inside (as root, with a login's environment), killed after `timeoutS`
   * (timeout(1) exits 124 then): a job systemd queues behind a start that never ends must not hang the test. */
  async run(argv: string[], timeoutS = 120): Promise<Result> {
    const inside = ['env', '-i', ...INSIDE_ENV, 'timeout', '--kill-after=5', String(timeoutS), ...argv];
    const result = await runProcess('nsenter', ['-t', String(this.leader), '-a', '--', ...inside]);
    return { code: result.code, stdout: result.stdout.toString(), stderr: result.stderr };
  }

  /** run(), failing with what it printed unless it exits 0. */
  async ok(argv: string[]): Promise<string> {
    const result = await this.run(argv);
    if (result.code !== 0) throw new Error(`\`${argv.join(' ')}\` exited ${result.code}: ${result.stdout}${result.stderr}`);
    return result.stdout;
  }

  /** Powers it off (SIGTERM to nspawn), or kills it if it takes too long. */
  async stop(): Promise<void> {
    if (this.nspawn.exitCode !== null || this.nspawn.signalCode !== null) return;
    const gone = new Promise((resolve) => this.nspawn.once('exit', resolve));
    this.nspawn.kill('SIGTERM');
    const timer = setTimeout(() => this.nspawn.kill('SIGKILL'), 30_000);
    await gone;
    clearTimeout(timer);
  }

  log(): Promise<string> {
    return readFile(this.logFile, 'utf8');
  }
}

/** The pid of a child of `parent` whose command is `name`, from /proc. */
function childNamed(parent: number, name: string): number | null {
  try {
    const children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    return children.find((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name) ?? null;
  } catch {
    return null;
  }
}
