// The supervisor: starts sandboxed runner processes through the native
// addon, reports how they end, and keeps pools of them (docs/supervisor.md).
export { RunnerOptionsError, RunnerStartError } from '../errors.js';
export { describeExit, RunnerStatus, signalStatus, type RunnerExit } from './exit.js';
export { DEFAULT_MAX_OPEN_FILES, type RunnerProcessOptions, type StdioOption } from './options.js';
export { defaultRestartDelay, RunnerPool, type PooledRunner, type RunnerPoolOptions } from './pool.js';
export { execArguments, runnerFunction, serveArguments, type RunnerFunction } from './runner-args.js';
export { isSupervisedRunner, RunnerProcess } from './runner-process.js';
export { TemplateChild } from './template-child.js';
