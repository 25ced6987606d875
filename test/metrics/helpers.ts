// Reading a daemon's /metrics in tests: the page over HTTP, one sample of it,
// and promtool's verdict on it.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function scrape(port: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}

/** The value of one sample, its labels written as in the exposition; NaN when absent. */
export function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** What `promtool check metrics` says of the page: '' when it has nothing to say. */
export async function promtoolProblems(page: string): Promise<string> {
  // promtool reads the page from stdin; a problem is a line on stdout or stderr and exit 1.
  const check = run('promtool', ['check', 'metrics']);
  check.child.stdin!.end(page);
  const { stdout, stderr } = await check;
  return stdout + stderr;
}
