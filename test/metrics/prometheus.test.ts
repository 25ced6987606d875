// End to end: a real Prometheus scrapes a real daemon with the shipped
// scrape config and rules, and every expression that grafana/embly.json and
// prometheus/embly-rules.yml ship returns data, so neither can name a metric
// or a label value that the daemon does not serve.
//
// What "returns data" means here, for each expression:
// - each of its vector selectors (every metric{matchers} it names, the ones
//   behind an `or` fallback included) selects at least one series;
// - the whole expression has at least one sample that is a number (not NaN:
//   a quantile of nothing is NaN);
// - an alert's `<expression> <comparison> <number>` is evaluated as a `bool`
//   comparison, which has a 0 or a 1 for each series of the expression: an
//   alert that does not fire on this healthy daemon still proves it watches
//   real series. An alert of another form fails the test, which cannot
//   evaluate it without its threshold.
import test from 'ava';
import { once } from 'node:events';
import { parse as parseYaml } from 'yaml';
import { readFileSync } from 'node:fs';
import { GARBAGE, HELLO, TRAP } from '../gateways/functions.js';
import { requestInFlight, runnerPids, startDaemon, watProject, type RunningDaemon } from '../daemon/helpers.js';
import { waitFor } from '../helpers/wait.js';
import {
  dashboardExpressions, isAlert, labelValuesQuery, PROMETHEUS_CONFIG_FILE, readDashboard, readRuleGroups, RULES_FILE,
  substitute, vectorSelectors, withBoolComparison, type Shipped, type Variables,
} from './expressions.js';
import { startPrometheus, type PrometheusServer } from './prometheus-server.js';

const FUNCTIONS = ['hello', 'trap', 'garbage'];
/** Longer than the test: a rate over it sees every sample Prometheus took. */
const WINDOW = '5m';
const VARIABLES: Variables = {
  function: FUNCTIONS.join('|'), gateway: FUNCTIONS.join('|'),
  __rate_interval: WINDOW, __interval: WINDOW, __range: WINDOW,
};

/** prometheus/prometheus.yml as shipped, pointed at this daemon, scraped and evaluated every second. */
function scrapeConfig(metricsPort: number): object {
  const config = parseYaml(readFileSync(PROMETHEUS_CONFIG_FILE, 'utf8'));
  config.global = { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' };
  config.rule_files = [RULES_FILE];
  config.scrape_configs[0].static_configs = [{ targets: [`127.0.0.1:${metricsPort}`] }];
  return config;
}

/** Answers of each kind: 200s, and 502s of a trap and of invalid HTTP; with
 * `killRunner`, a runner killed under a request too (its 502; the pool starts
 * another, whose first spawn is a cold one). What each gateway answered, by code. */
async function serveRound({ daemon, url }: RunningDaemon, killRunner: boolean): Promise<Answers> {
  for (let i = 0; i < 5; i++) await expectStatus(url('hello'), 200);
  for (let i = 0; i < 3; i++) await expectStatus(url('trap'), 502);
  for (let i = 0; i < 3; i++) await expectStatus(url('garbage'), 502);
  if (!killRunner) return { 'hello 200': 5, 'trap 502': 3, 'garbage 502': 3 };
  const inFlight = requestInFlight(url('hello'));
  await waitFor(() => daemon.master.liveInstances('hello') === 1, { what: 'the request\'s instance to start' });
  const replaced = once(daemon.master, 'runner');
  process.kill(runnerPids('hello')[0]!, 'SIGKILL');
  if (await inFlight !== 502) throw new Error('the request on the killed runner was not answered 502');
  await replaced;
  for (let i = 0; i < 3; i++) await expectStatus(url('hello'), 200);
  return { 'hello 200': 8, 'hello 502': 1, 'trap 502': 3, 'garbage 502': 3 };
}

/** Answers by "gateway code". */
type Answers = Record<string, number>;

const addAnswers = (a: Answers, b: Answers): Answers =>
  Object.fromEntries([...new Set([...Object.keys(a), ...Object.keys(b)])].map((key) => [key, (a[key] ?? 0) + (b[key] ?? 0)]));

async function expectStatus(url: string, status: number): Promise<void> {
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== status) throw new Error(`${url} answered ${response.status}, not ${status}`);
}

/** What each gateway answered, by code, as Prometheus last scraped it. */
async function scrapedAnswers(prometheus: PrometheusServer): Promise<Answers> {
  const samples = await prometheus.query('embly_gateway_requests_total > 0');
  return Object.fromEntries(samples.map((s) => [`${s.metric.gateway} ${s.metric.code}`, s.value]));
}

const sameAnswers = (a: Answers, b: Answers) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, n]) => b[key] === n);

/** Waits until Prometheus has scraped `served`; resolves with that scrape's time. */
async function scraped(prometheus: PrometheusServer, served: Answers): Promise<number> {
  let last = {};
  await waitFor(async () => sameAnswers((last = await scrapedAnswers(prometheus)), served), {
    timeoutMs: 30_000, intervalMs: 200, what: () => `prometheus to scrape the answers served, ${JSON.stringify(served)}; it has ${JSON.stringify(last)}`,
  });
  const { activeTargets } = await prometheus.api<{ activeTargets: { lastScrape: string }[] }>('/api/v1/targets');
  return Date.parse(activeTargets[0]!.lastScrape);
}

/** Why the expression does not return data, or undefined when it does. */
async function missingData(prometheus: PrometheusServer, expr: string): Promise<string | undefined> {
  const empty: string[] = [];
  for (const selector of vectorSelectors(expr)) if ((await prometheus.query(selector)).length === 0) empty.push(selector);
  if (empty.length > 0) return `no series for ${empty.join(', ')}`;
  const samples = await prometheus.query(expr);
  if (samples.length === 0) return 'no data';
  if (samples.every((s) => Number.isNaN(s.value))) return `only NaN (${samples.length} series)`;
  return undefined;
}

/** Every shipped expression, the way the test evaluates it (see the top of this file). */
function expressionsToCheck(): (Shipped & { cannot?: string })[] {
  const dashboard = dashboardExpressions(readDashboard()).map((e) => ({ ...e, expr: substitute(e.expr, VARIABLES) }));
  const rules = readRuleGroups().flatMap((group) => group.rules.map((rule) => {
    if (!isAlert(rule)) return { source: `recording rule ${rule.record}`, expr: rule.expr };
    const bool = withBoolComparison(rule.expr);
    return { source: `alert ${rule.alert}`, expr: bool ?? rule.expr, cannot: bool ? undefined : 'not <expression> <comparison> <number>' };
  }));
  return [...dashboard, ...rules];
}

test('Prometheus scrapes a real daemon with the shipped config: every expression of the dashboard and of the rules returns data', async (t) => {
  const dir = await watProject(t, [{ name: 'hello', wat: HELLO, maxInstances: 50 }, { name: 'trap', wat: TRAP }, { name: 'garbage', wat: GARBAGE }]);
  const running = await startDaemon(t, dir, { metrics: { host: '127.0.0.1', port: 0 } });
  const prometheus = await startPrometheus(t, scrapeConfig(running.daemon.metricsPort!));

  // Scraped once before the requests, so that rates have a sample from before them.
  type Target = { labels: Record<string, string>; health: string; lastError: string };
  const targets = () => prometheus.api<{ activeTargets: Target[] }>('/api/v1/targets').then((d) => d.activeTargets);
  let seen: Target[] = [];
  await waitFor(async () => (seen = await targets()).some((target) => target.health === 'up'), {
    timeoutMs: 30_000, intervalMs: 200, what: () => `prometheus to scrape the daemon; its targets: ${JSON.stringify(seen)}`,
  });
  // Two rounds, each scraped: a series that the first round creates (a status
  // code's) has its first sample at its count then, so that only later
  // requests move its rates.
  const first = await serveRound(running, false);
  await scraped(prometheus, first);
  const served = addAnswers(first, await serveRound(running, true));
  const scrapedAt = await scraped(prometheus, served);
  t.deepEqual(await scrapedAnswers(prometheus), served, 'Prometheus has counted exactly the answers served');

  // The rules evaluated after that scrape.
  type Rule = { name: string; health: string; lastError?: string };
  type Group = { name: string; lastEvaluation: string; rules: Rule[] };
  const groups = () => prometheus.api<{ groups: Group[] }>('/api/v1/rules').then((d) => d.groups);
  await waitFor(async () => (await groups()).every((g) => Date.parse(g.lastEvaluation) > scrapedAt), {
    timeoutMs: 30_000, intervalMs: 200, what: 'the rule groups to evaluate after that scrape',
  });

  const [target] = await targets();
  t.like(target, { labels: { job: 'embly' }, health: 'up', lastError: '' }, 'the daemon is the target, up');
  const shipped = readRuleGroups();
  const evaluated = await groups();
  t.deepEqual(evaluated.map((g) => g.name).sort(), shipped.map((g) => g.name).sort(), 'every rule group loaded');
  t.deepEqual(evaluated.flatMap((g) => g.rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)), [],
    'every rule healthy');
  t.is(evaluated.flatMap((g) => g.rules).length, shipped.flatMap((g) => g.rules).length);

  // The dashboard's variables list exactly the project's functions and gateways.
  for (const variable of readDashboard().templating.list.filter((v) => v.type === 'query')) {
    const query = labelValuesQuery(variable);
    if (!query) { t.fail(`variable ${variable.name}: not a label_values(metric, label) query`); continue; }
    const values = new Set((await prometheus.query(query.metric)).map((s) => s.metric[query.label]));
    t.deepEqual([...values].sort(), [...FUNCTIONS].sort(), `variable ${variable.name}: label_values(${query.metric}, ${query.label})`);
  }

  const expressions = expressionsToCheck();
  t.true(expressions.length >= 40, `${expressions.length} expressions found in the dashboard and the rules`);
  const failures: string[] = [];
  for (const { source, expr, cannot } of expressions) {
    const missing = cannot ?? await missingData(prometheus, expr);
    if (missing) failures.push(`${source}: ${missing}\n    ${expr}`);
  }
  t.deepEqual(failures, [], `${failures.length} of ${expressions.length} expressions returned no data:\n${failures.join('\n')}`);
});
