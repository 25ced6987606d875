// The control socket (docs/service.md): the daemon's server, emblyctl's
// client, the path both find it at, and the log ring behind `logs`.
export { ControlServer, type ControlServerOptions } from './server.js';
export { ControlClient } from './client.js';
export { controlSocketPath } from './path.js';
export { LogRing, DEFAULT_LOG_LINES } from './log-ring.js';
