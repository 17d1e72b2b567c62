/**
 * What the pure parsers return: the value they could read and every input they had to skip.
 * Issues name file, line and field, and never quote a value from a line that may hold a secret
 * (keepalived parsers pass only safe fragments).
 */
export interface ParseIssue {
  /** Set by parsers that know their file (keepalived config includes); others get it at report time. */
  readonly file?: string;
  /** 1-based line number, 0 when the problem concerns the whole input. */
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export interface Parsed<T> {
  readonly value: T;
  readonly issues: readonly ParseIssue[];
}

/** `file:line: field: message`, the form every source reports its first parse error in. */
export function formatIssue(issue: ParseIssue, file = issue.file ?? 'input'): string {
  const where = issue.line > 0 ? `${file}:${issue.line}` : file;
  return `${where}: ${issue.field}: ${issue.message}`;
}
