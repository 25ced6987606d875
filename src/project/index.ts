// The public face of src/project: import from here.
export { loadProject, parseProject } from './load.js';
export { formatProblem, type Problem } from './errors.js';
export { ProjectFileError } from '../errors.js';
export { PROJECT_FILE_NAME } from './schema.js';
export type {
  FunctionLimits, FunctionSpec, GatewaySpec, GatewayType, HostPattern, Isolation, Language, OutboundSpec, Project,
} from './types.js';
