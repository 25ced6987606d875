/** One thing wrong with a project file, located at the node that is wrong. */
export interface Problem {
  file: string;
  /** 1-based; 0 when the problem concerns the whole file (e.g. it does not exist). */
  line: number;
  /** 1-based; 0 together with line 0. */
  col: number;
  message: string;
  hint?: string;
}

export function formatProblem(problem: Problem): string {
  const where = problem.line > 0
    ? `${problem.file}:${problem.line}:${problem.col}`
    : problem.file;
  const first = `${where}: ${problem.message}`;
  return problem.hint === undefined ? first : `${first}\n  hint: ${problem.hint}`;
}

/** Orders problems as they appear in the file; equal positions keep their order. */
export function sortProblems(problems: Problem[]): Problem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
}
