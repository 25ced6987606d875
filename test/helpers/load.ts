// An HTTP load an in-test client keeps up while something happens to the
// daemon (a reload): some loops reuse one keep-alive connection each, others
// open a fresh connection for every request. Each loop sends its next request
// when the last one is answered, and every outcome is kept, in order.
import { Agent, request } from 'node:http';

export interface Outcome {
  /** which loop sent it */
  loop: number;
  status: number | null;
  body: string;
  /** a socket error, or a response cut short */
  error: string | null;
  /** Date.now() when it was sent */
  sentAt: number;
}

export interface Load {
  readonly outcomes: Outcome[];
  /** Stops every loop once its request under way is answered; resolves with every outcome. */
  stop(): Promise<Outcome[]>;
}

function get(url: string, agent: Agent | false): Promise<Omit<Outcome, 'loop' | 'sentAt'>> {
  return new Promise((resolve) => {
    const req = request(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode!, body, error: null }));
      res.on('error', (e) => resolve({ status: res.statusCode!, body, error: e.message }));
    });
    req.on('error', (e) => resolve({ status: null, body: '', error: e.message }));
    req.end();
  });
}

export function startLoad(url: string, options: { keepAlive: number; fresh: number }): Load {
  const outcomes: Outcome[] = [];
  let stopped = false;
  const loop = async (index: number, agent: Agent | false) => {
    while (!stopped) {
      const sentAt = Date.now();
      outcomes.push({ loop: index, sentAt, ...(await get(url, agent)) });
    }
    if (agent) agent.destroy();
  };
  const loops = [
    ...Array.from({ length: options.keepAlive }, (_, i) => loop(i, new Agent({ keepAlive: true, maxSockets: 1 }))),
    ...Array.from({ length: options.fresh }, (_, i) => loop(options.keepAlive + i, false)),
  ];
  return {
    outcomes,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** How each loop's answers went, in order, as runs of the same body: ["v1", "v2"] for a clean swap. */
export function bodyRuns(outcomes: readonly Outcome[], loop: number): string[] {
  const runs: string[] = [];
  for (const o of outcomes) if (o.loop === loop && runs.at(-1) !== o.body) runs.push(o.body);
  return runs;
}
