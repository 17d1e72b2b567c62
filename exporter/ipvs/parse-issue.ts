/** A line a parser skipped, with enough detail to find it: 1-based line number and the field. */
export interface ParseIssue {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

export interface Parsed<T> {
  readonly value: T;
  readonly issues: readonly ParseIssue[];
}

/** `file:line: field: message`, the form every source reports its first parse error in. */
export function describeIssue(file: string, issue: ParseIssue): string {
  return `${file}:${issue.line}: ${issue.field}: ${issue.message}`;
}

/** Splits on runs of blanks, ignoring leading and trailing ones (the kernel pads its columns). */
export function fields(line: string): string[] {
  const trimmed = line.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

/** A non-negative decimal integer as printed by the kernel's %d/%u or ipvsadm --exact. */
export function parseDecimal(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
