// Builds: how long each function's build took, when something was compiled.
// A build that compiled nothing (its sources and the AOT object unchanged)
// is not observed: it takes milliseconds, and counting it would pull the
// quantiles of real builds toward zero on every start and reload.
import { Histogram, type Registry } from 'prom-client';
import type { BuiltFunction } from '../compile/project-build.js';
import type { FunctionSpec } from '../project/index.js';

/** 50 ms (a small wat module) to 10 minutes (a large Rust crate from scratch). */
const BUILD_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export interface BuildMetrics {
  /** Observes a build of these functions (embly run's, a reload's). */
  record(built: readonly BuiltFunction[]): void;
}

export function buildMetrics(registry: Registry, functions: readonly FunctionSpec[]): BuildMetrics {
  const duration = new Histogram({
    name: 'embly_build_duration_seconds', registers: [registry], buckets: BUILD_BUCKETS, labelNames: ['function', 'language'],
    help: 'How long a function\'s build took (source to wasm to AOT object), when it compiled something',
  });
  for (const f of functions) duration.zero({ function: f.name, language: f.language });
  return {
    record(built) {
      for (const b of built) if (b.compiled) duration.observe({ function: b.spec.name, language: b.spec.language }, b.buildMs / 1000);
    },
  };
}
