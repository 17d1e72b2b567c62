/**
 * What /proc/net/ip_vs and `ipvsadm -Ln` listings share: padded columns, split without a regex on
 * the hot path, and service lines each followed by their `->` destination lines.
 */
import type { ParseIssue } from '../parse/issue.js';

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

/** A `->` line with no service to file it under: none yet, or the one above could not be parsed. */
export function orphanDestination(line: number, lostServiceLine: number | undefined): ParseIssue {
  const message =
    lostServiceLine === undefined
      ? 'destination before any service'
      : `belongs to the unparsable service on line ${lostServiceLine}`;
  return { line, field: 'RemoteAddress:Port', message };
}

/** The kernel's IP_VS_SCHEDNAME_MAXLEN (16) less its NUL; flags are short words (`persistent`). */
const MAX_SCHEDULER_CHARS = 15;
const MAX_FLAG_CHARS = 32;

/** A scheduler or flag no kernel could print (a 100 kB scheduler name), as an issue. */
export function badServiceWords(
  line: number,
  scheduler: string,
  flags: readonly string[],
): ParseIssue | undefined {
  if (scheduler.length > MAX_SCHEDULER_CHARS)
    return { line, field: 'Scheduler', message: `longer than ${MAX_SCHEDULER_CHARS} characters` };
  if (flags.some((flag) => flag.length > MAX_FLAG_CHARS))
    return { line, field: 'Flags', message: `a flag longer than ${MAX_FLAG_CHARS} characters` };
  return undefined;
}
