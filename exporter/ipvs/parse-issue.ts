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
  const out: string[] = [];
  tokenize(line, 0, line.length, out);
  return out;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Like fields() for text[start, end), into a reused array (the hot path of big tables). */
export function tokenize(text: string, start: number, end: number, out: string[]): void {
  out.length = 0;
  for (let i = start; i < end;) {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (i >= end) break;
    const from = i;
    while (i < end && !isBlank(text.charCodeAt(i))) i++;
    out.push(text.slice(from, i));
  }
}

/** Calls visit(start, end, lineNumber) for each line of text, without splitting it. */
export function forEachLine(text: string, visit: (start: number, end: number, line: number) => void): void {
  let line = 0;
  for (let start = 0; start < text.length;) {
    const newline = text.indexOf('\n', start);
    const end = newline < 0 ? text.length : newline;
    visit(start, end, ++line);
    start = end + 1;
  }
}
