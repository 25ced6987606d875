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

export interface FunctionSpec {
  /** Unique within the project; see NAME_PATTERN in schema.ts. */
  name: string;
  /** Absolute path, resolved against the project file's directory. */
  path: string;
  language: Language;
  limits: FunctionLimits;
  isolation: Isolation;
  env: Record<string, string>;
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
