// The PromQL expressions that grafana/embly.json and prometheus/embly-rules.yml
// ship, read out of the files the way Grafana and Prometheus read them, and
// taken apart with Prometheus's own PromQL grammar (@prometheus-io/lezer-promql,
// the parser of Prometheus's web UI): its vector selectors (the metrics an
// expression names) and its threshold comparison.
import { parser } from '@prometheus-io/lezer-promql';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../src/paths.js';

export const DASHBOARD_FILE = join(packageRoot, 'grafana', 'embly.json');
export const RULES_FILE = join(packageRoot, 'prometheus', 'embly-rules.yml');
export const PROMETHEUS_CONFIG_FILE = join(packageRoot, 'prometheus', 'prometheus.yml');

/** One expression and where it comes from, for a failure's message. */
export interface Shipped { source: string; expr: string; }

export interface DashboardTarget { refId: string; expr: string; datasource?: { type?: string; uid?: string }; }
export interface DashboardPanel {
  id: number; type: string; title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
}
export interface DashboardVariable { name: string; type: string; definition?: string; query?: string | { query?: string }; }
export interface Dashboard { uid: string; schemaVersion: number; panels: DashboardPanel[]; templating: { list: DashboardVariable[] }; }

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every panel query of the dashboard, named by its panel's title and its refId. */
export function dashboardExpressions(dashboard: Dashboard): Shipped[] {
  return dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({
    source: `dashboard panel ${panel.id} "${panel.title}" ${target.refId}`, expr: target.expr,
  })));
}

/** A query variable's `label_values(metric, label)`. */
export function labelValuesQuery(variable: DashboardVariable): { metric: string; label: string } | undefined {
  const query = typeof variable.query === 'string' ? variable.query : variable.query?.query ?? variable.definition;
  const match = /^label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)$/.exec(query ?? '');
  return match ? { metric: match[1]!, label: match[2]! } : undefined;
}

export interface RecordingRule { record: string; expr: string; }
export interface AlertingRule { alert: string; expr: string; for?: string; }
export interface RuleGroup { name: string; rules: (RecordingRule | AlertingRule)[]; }

export function readRuleGroups(): RuleGroup[] {
  return (parseYaml(readFileSync(RULES_FILE, 'utf8')) as { groups: RuleGroup[] }).groups;
}

export const isAlert = (rule: RecordingRule | AlertingRule): rule is AlertingRule => 'alert' in rule;

/** Values for the dashboard's variables, by name; Grafana's own ($__rate_interval, ...) included. */
export type Variables = Record<string, string>;

/** The expression as Grafana sends it: $name, ${name}, ${name:format} and [[name]] replaced. */
export function substitute(expr: string, variables: Variables): string {
  return expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, braced, plain, bracketed) => {
    const value = variables[braced ?? plain ?? bracketed];
    if (value === undefined) throw new Error(`${whole} is not a variable the dashboard defines: in ${expr}`);
    return value;
  });
}

/** The variables an expression names, without their $. */
export function variablesIn(expr: string): string[] {
  return [...expr.matchAll(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** Where the grammar found no valid PromQL, as text; undefined when it parses. */
export function syntaxError(expr: string): string | undefined {
  let error: number | undefined;
  parser.parse(expr).iterate({ enter: (node) => { if (node.type.isError && error === undefined) error = node.from; } });
  return error === undefined ? undefined : `invalid PromQL at offset ${error}: ${expr.slice(0, error)} <here> ${expr.slice(error)}`;
}

/** The vector selectors of an expression (`metric{matchers}`, without a
 * range): each one's text is a query that lists the series it selects. */
export function vectorSelectors(expr: string): string[] {
  const selectors: string[] = [];
  parser.parse(expr).iterate({ enter: (node) => { if (node.name === 'VectorSelector') selectors.push(expr.slice(node.from, node.to)); } });
  return [...new Set(selectors)];
}

const COMPARISONS = new Set(['Gtr', 'Gte', 'Lss', 'Lte', 'Eql', 'Neq']);
const NUMBER = new Set(['NumberDurationLiteral', 'NumberLiteral']);

/** An alert's `<expression> <comparison> <number>` made a `bool` comparison:
 * 0 or 1 for every series of the expression instead of only the series past
 * the threshold, so it has data whether or not the alert would fire.
 * Undefined when the expression is not of that form. */
export function withBoolComparison(expr: string): string | undefined {
  const top = parser.parse(expr).topNode.firstChild;
  if (top?.name !== 'BinaryExpr' || top.getChild('BoolModifier')) return undefined;
  let op;
  for (let child = top.firstChild; child; child = child.nextSibling) if (COMPARISONS.has(child.name)) op = child;
  if (!op || !NUMBER.has(top.lastChild?.name ?? '')) return undefined;
  return `${expr.slice(0, op.to)} bool${expr.slice(op.to)}`;
}
