// One registry, two formats: the Prometheus text format (0.0.4), and
// OpenMetrics 1.0.0, which carries exemplars, for a scraper whose Accept
// header prefers it (Prometheus asks for it first).
import { Counter, Registry, type RegistryContentType } from 'prom-client';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** The daemon's registry. prom-client lets a metric have exemplars only if
 * the registries it joins are OpenMetrics ones as it is made, so that is
 * what a registry is between renders; each render sets its format. */
export function newRegistry(): Registry {
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  return registry as Registry;
}

/** The format an Accept header asks for: OpenMetrics when some
 * application/openmetrics-text range has a quality above 0 and not below
 * the best text/plain one; else the Prometheus text format. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  let openMetrics = 0;
  let text = 0;
  for (const range of (accept ?? '').split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = quality(params);
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain' || type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}

function quality(params: string[]): number {
  const q = params.find((p) => p.startsWith('q='));
  const value = q === undefined ? 1 : Number(q.slice(2));
  return Number.isFinite(value) ? value : 0;
}

export interface Rendered { contentType: string; text: string; }

const renders = new WeakMap<Registry, Promise<unknown>>();

/** The registry's metrics in `format`, one render at a time per registry:
 * the format is the registry's state while it renders, and prom-client's
 * OpenMetrics render renames counters (it strips their `_total`, the
 * format's sample suffix, from the metric itself), which is undone after. */
export function renderMetrics(registry: Registry, format: ExpositionFormat): Promise<Rendered> {
  const previous = renders.get(registry) ?? Promise.resolve();
  const render = previous.then(() => (format === 'openmetrics' ? renderOpenMetrics(registry) : renderPrometheus(registry)));
  renders.set(registry, render.catch(() => {}));
  return render;
}

async function renderPrometheus(registry: Registry): Promise<Rendered> {
  return inFormat(registry, Registry.PROMETHEUS_CONTENT_TYPE, () => registry.metrics());
}

async function renderOpenMetrics(registry: Registry): Promise<Rendered> {
  const counters = registry.getMetricsAsArray().filter((m) => m instanceof Counter);
  const names = counters.map((m) => m.name);
  try {
    return await inFormat(registry, Registry.OPENMETRICS_CONTENT_TYPE, () => registry.metrics());
  } finally {
    counters.forEach((m, i) => { m.name = names[i]!; });
  }
}

async function inFormat(registry: Registry, contentType: RegistryContentType, render: () => Promise<string>): Promise<Rendered> {
  const typed = registry as Registry<RegistryContentType>;
  typed.setContentType(contentType);
  try {
    return { contentType, text: await render() };
  } finally {
    typed.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  }
}
