// Entry points: parse text (pure) or load a project from disk.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ProjectFileError } from '../errors.js';
import { sortProblems, type Problem } from './errors.js';
import type { PathCheck } from './function.js';
import { PROJECT_FILE_NAME } from './schema.js';
import type { Project } from './types.js';
import { analyseProject } from './validate.js';

/**
 * Validates project file text and applies defaults. Touches no files: function
 * paths are resolved against the file's directory but not checked for
 * existence (loadProject does that). Throws ProjectFileError with every problem.
 */
export function parseProject(text: string, file: string): Project {
  const { project, problems } = analyseProject(text, file);
  if (problems.length > 0) throw new ProjectFileError(problems);
  return project;
}

/**
 * Reads and validates a project file; a directory means `<dir>/embly-project.yml`.
 * Also reports function paths that do not exist, together with every other problem.
 */
export async function loadProject(pathOrDir: string): Promise<Project> {
  const file = await projectFilePath(pathOrDir);
  const text = await readProjectFile(file);
  const { project, problems, pathChecks } = analyseProject(text, file);
  const all = [...problems, ...(await missingPaths(pathChecks))];
  if (all.length > 0) throw new ProjectFileError(sortProblems(all));
  return project;
}

// Messages name the file as the caller wrote it (plus the file name for a
// directory), which is what a user recognises and an editor can open.
async function projectFilePath(pathOrDir: string): Promise<string> {
  const info = await stat(pathOrDir).catch(() => undefined);
  return info?.isDirectory() ? path.join(pathOrDir, PROJECT_FILE_NAME) : pathOrDir;
}

async function readProjectFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new ProjectFileError([readProblem(file, error)]);
  }
}

function readProblem(file: string, error: unknown): Problem {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return {
      file, line: 0, col: 0,
      message: 'project file not found',
      hint: `create ${PROJECT_FILE_NAME} with a "functions:" list (see docs/project-file.md), or pass the path of an existing project file or its directory`,
    };
  }
  return { file, line: 0, col: 0, message: `cannot read the project file: ${(error as Error).message}` };
}

async function missingPaths(checks: PathCheck[]): Promise<Problem[]> {
  const found = await Promise.all(checks.map((check) => stat(check.path).then(() => true, () => false)));
  return checks.filter((_, i) => !found[i]).map((check) => check.ifMissing);
}
