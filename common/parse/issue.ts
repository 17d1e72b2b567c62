import { printable } from './printable.js';

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

/** Longest field and message of an issue: they name a place and say what is wrong, briefly. */
export const MAX_ISSUE_FIELD_CHARS = 128;
export const MAX_ISSUE_MESSAGE_CHARS = 256;

/**
 * `file:line: field: message`, the form every source reports its first parse error in. Every
 * part may carry input (a file name, a key, a quoted token): each is escaped and bounded here,
 * whatever the parser put in.
 */
export function formatIssue(issue: ParseIssue, file = issue.file ?? 'input'): string {
  const name = printable(file, 256);
  const where = issue.line > 0 ? `${name}:${issue.line}` : name;
  return `${where}: ${printable(issue.field, MAX_ISSUE_FIELD_CHARS)}: ${printable(issue.message, MAX_ISSUE_MESSAGE_CHARS)}`;
}

/**
 * An issue whose field and message are escaped and cut to their bounds: for issues built from
 * messages of code that quotes input freely (address parsers, the ipvsadm command parser).
 */
export function boundedIssue(issue: ParseIssue): ParseIssue {
  return {
    ...issue,
    field: printable(issue.field, MAX_ISSUE_FIELD_CHARS),
    message: printable(issue.message, MAX_ISSUE_MESSAGE_CHARS),
  };
}
