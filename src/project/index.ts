// The public face of src/project: import from here.
export { loadProject, parseProject } from './load.js';
export { formatProblem, type Problem } from './errors.js';
export { ProjectFileError } from '../errors.js';
export { DEFAULT_METRICS_LISTEN, PROJECT_FILE_NAME } from './schema.js';
export { splitHostPort } from './metrics.js';
export type {
  FunctionLimits, FunctionSpec, GatewaySpec, GatewayType, HostPattern, Isolation, Language, ListenAddress, OutboundSpec, Project,
} from './types.js';
