// Shared by the fault cases (docs/faults.md): what /metrics says, and a
// client whose request stays open until the test lets it finish.
import { RawClient, type RawResponse } from '../helpers/raw-http.js';

/** The sum of a counter's or gauge's samples on /metrics whose labels include every one of `labels`. */
export async function metricSum(port: number, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}(?:\\{(.*)\\})? (\\S+)$`).exec(line);
    if (!match) continue;
    const has = (key: string, value: string) => (match[1] ?? '').split(',').includes(`${key}="${value}"`);
    if (Object.entries(labels).every(([key, value]) => has(key, value))) sum += Number(match[2]);
  }
  return sum;
}

/** A POST whose body stays open until finish(): its instance is running
 * (reading) for as long as the test wants; `answer` is its one response. */
export interface HeldRequest {
  client: RawClient; answer: Promise<RawResponse>;
  /** the answer once it came, and Date.now() then */
  settled: RawResponse | undefined; settledAt: number | undefined;
  finish(): void;
}

export async function holdRequest(port: number): Promise<HeldRequest> {
  const client = await RawClient.connect(port);
  client.startPost();
  const held: HeldRequest = {
    client, settled: undefined, settledAt: undefined,
    answer: client.response().then((r) => { held.settled = r; held.settledAt = Date.now(); return r; }),
    finish: () => client.finishBody(),
  };
  held.answer.catch(() => {});
  return held;
}

