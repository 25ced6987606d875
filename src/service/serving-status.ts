// The one line a service manager shows for the daemon (STATUS=, in
// `systemctl status`): what it serves and where, e.g.
// "serving 2 functions, 1 gateway (http :8080); metrics 127.0.0.1:9465",
// and before that what it is doing ("building 2 functions").

export interface ServingState {
  functions: number;
  gateways: readonly { type: 'http' | 'tcp'; port: number }[];
  /** Where gateways listen: all interfaces (0.0.0.0, ::) are left out. */
  host?: string;
  /** Where /metrics is served; absent: it is off. */
  metrics?: { host: string; port: number };
}

const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function servingStatus(state: ServingState): string {
  const everywhere = state.host === undefined || state.host === '0.0.0.0' || state.host === '::';
  const where = (port: number) => (everywhere ? `:${port}` : hostPort(state.host!, port));
  const listed = state.gateways.map((g) => `${g.type} ${where(g.port)}`).join(', ');
  const gateways = state.gateways.length === 0 ? 'no gateway' : `${counted(state.gateways.length, 'gateway')} (${listed})`;
  const metrics = state.metrics ? `metrics ${hostPort(state.metrics.host, state.metrics.port)}` : 'metrics off';
  return `serving ${counted(state.functions, 'function')}, ${gateways}; ${metrics}`;
}

export function buildingStatus(functions: number): string {
  return `building ${counted(functions, 'function')}`;
}
