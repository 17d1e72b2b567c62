/**
 * A problem found while parsing one input. Messages name the file, line and field and never
 * quote a value from a line that may hold a secret (parsers pass only safe fragments).
 */
export interface ParseIssue {
  readonly file: string;
  /** 1-based line number, 0 when the problem concerns the whole file. */
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export function formatIssue(issue: ParseIssue): string {
  const where = issue.line > 0 ? `${issue.file}:${issue.line}` : issue.file;
  return `${where}: ${issue.field}: ${issue.message}`;
}

export interface Parsed<T> {
  readonly value: T;
  readonly issues: readonly ParseIssue[];
}
