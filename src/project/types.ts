// The validated, defaults-applied shape of an embly-project.yml.
// Everything here is plain data: the build, daemon and gateways read it
// without knowing anything about YAML.

export type Language = 'wat' | 'wasm' | 'c' | 'rust' | 'assemblyscript';

export interface FunctionLimits {
  /** Maximum linear memory, in 64 KiB wasm pages (1..65536). */
  memoryPages: number;
  /** Wall-clock time one instance may run, in milliseconds. */
  timeoutMs: number;
  /** Instances of this function that may run at the same time. */
  maxInstances: number;
}

export type Isolation = 'instance' | 'process';

/** One allowed_outbound_hosts entry: `scheme://host[:port]`. */
export interface HostPattern {
  /** as written (the metrics' origin label, the log's) */
  text: string;
  scheme: 'http' | 'https' | '*';
  /** lower case: a name, an IPv4 or IPv6 address (no brackets), '*' (any
   * host) or '*.example.com' (its subdomains, not example.com itself) */
  host: string;
  /** absent: the scheme's default port */
  port: number | '*' | undefined;
}

/** Outbound HTTP through the embly/http special function. */
export interface OutboundSpec {
  /** the origins it may call; none: spawning embly/http fails (EACCES) */
  allowedHosts: HostPattern[];
  /** how long an origin may take to connect, to answer, and between two pieces of its body */
  timeoutMs: number;
  /** the most response body bytes one call passes on */
  maxBytes: number;
  /** calls of this function in flight at once */
  maxConcurrent: number;
}

export interface FunctionSpec {
  /** Unique within the project; see NAME_PATTERN in schema.ts. */
  name: string;
  /** Absolute path, resolved against the project file's directory. */
  path: string;
  language: Language;
  limits: FunctionLimits;
  isolation: Isolation;
  env: Record<string, string>;
  outbound: OutboundSpec;
  /** Compile C and Rust sources for wasm SIMD (simd128): clang -msimd128,
   * rustc -C target-feature=+simd128. Default false. */
  simd: boolean;
}

export type GatewayType = 'http' | 'tcp';

export interface GatewaySpec {
  name: string;
  type: GatewayType;
  port: number;
  /** Name of the function each connection spawns; always one of Project.functions. */
  function: string;
}

/** Where a server listens: a host name or address, and a TCP port. */
export interface ListenAddress {
  host: string;
  port: number;
}

export interface Project {
  /** Absolute path of the directory holding the project file. */
  root: string;
  /** Absolute path of the project file. */
  file: string;
  functions: FunctionSpec[];
  gateways: GatewaySpec[];
  /** Where `embly run` serves /metrics (default 127.0.0.1:9465); null for `metrics: off`. */
  metrics: ListenAddress | null;
}
