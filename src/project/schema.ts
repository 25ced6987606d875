// The vocabulary of the project file: allowed keys, enum values, defaults
// and bounds. docs/project-file.md describes the same numbers; keep them in step.
import type { GatewayType, Isolation, Language, ListenAddress } from './types.js';

export const PROJECT_FILE_NAME = 'embly-project.yml';

export const TOP_LEVEL_KEYS = ['functions', 'gateways', 'metrics'] as const;
export const FUNCTION_KEYS = [
  'name', 'path', 'language', 'memory', 'timeout', 'max_instances', 'isolation', 'env', 'simd',
  'allowed_outbound_hosts', 'outbound_timeout', 'outbound_max_bytes', 'outbound_max_concurrent',
] as const;
export const GATEWAY_KEYS = ['name', 'type', 'port', 'function'] as const;
export const METRICS_KEYS = ['listen'] as const;

export const LANGUAGES: readonly Language[] = ['wat', 'wasm', 'c', 'rust', 'assemblyscript'];
export const ISOLATIONS: readonly Isolation[] = ['instance', 'process'];
export const GATEWAY_TYPES: readonly GatewayType[] = ['http', 'tcp'];

/**
 * Function and gateway names: lowercase so they are safe as file names in
 * .embly/, metric labels and spawn() arguments alike; at most 63 characters
 * like a DNS label.
 */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const NAME_RULE =
  'use 1-63 characters: lowercase letters, digits, "_" and "-", starting with a letter or digit';

/** Names of Embly's special functions (`embly/http`): no function of a project can take one. */
export const RESERVED_NAME_PREFIX = 'embly/';

/** Environment names a POSIX shell would accept; anything else breaks environ lookups. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const WASM_PAGE_BYTES = 64 * 1024;
/** 65536 pages = 4 GiB, the most a 32-bit wasm memory can address. */
export const MAX_MEMORY_PAGES = 65536;
export const DEFAULT_MEMORY_PAGES = 256; // 16 MiB

export const DEFAULT_TIMEOUT_MS = 10_000;
/** One day: far beyond any request, and well inside what Node timers can hold. */
export const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_MAX_INSTANCES = 1000;
/** Even at one 64 KiB page each, a million instances is 64 GiB: a typo, not a plan. */
export const MAX_MAX_INSTANCES = 1_000_000;

export const DEFAULT_ISOLATION: Isolation = 'instance';

/** The embly/http special function (docs/special-functions.md). */
export const DEFAULT_OUTBOUND_TIMEOUT_MS = 10_000;
export const DEFAULT_OUTBOUND_MAX_BYTES = 64 * 1024 ** 2;
export const DEFAULT_OUTBOUND_MAX_CONCURRENT = 100;
export const MAX_OUTBOUND_MAX_CONCURRENT = 100_000;
/** The largest size a byte-size key takes: 16 GiB, far past any response a function reads. */
export const MAX_SIZE_BYTES = 16 * 1024 ** 3;

export const MIN_PORT = 1;
export const MAX_PORT = 65535;

/** Where /metrics is served unless the project file or --metrics says otherwise: loopback only. */
export const DEFAULT_METRICS_LISTEN: Readonly<ListenAddress> = { host: '127.0.0.1', port: 9465 };
