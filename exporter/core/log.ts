/**
 * Minimal structured logger (logfmt on stderr, like node_exporter). Values are written as given,
 * so callers must never pass secrets; keepalived dumps are parsed into models without them.
 *
 * Values often quote input (a line of /proc, a keepalived dump, a config file, a request path),
 * so every value is made safe for a terminal and a log pipeline: control and other non-printable
 * characters (ESC, BEL, NUL, DEL, C1 controls, bidirectional overrides, line separators) are
 * escaped as `\uXXXX` inside a quoted value, and a value longer than MAX_VALUE_CHARS is cut with
 * a note of how much was left out.
 */
import {
  MAX_PRINTABLE_CHARS,
  NON_PRINTABLE,
  NON_PRINTABLE_GLOBAL,
  hex4,
  printable,
  truncate,
} from '../../common/parse/printable.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** Longest value written whole; longer ones are cut (a 100 kB input line must not flood a log). */
export const MAX_VALUE_CHARS = MAX_PRINTABLE_CHARS;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Escaping and truncation are common/parse/printable.ts's, shared with parse issues. */
export { printable, truncate };

function rawText(value: unknown): string {
  if (value instanceof Error) return value.message;
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** One logfmt value: bare when it is plain, else JSON-quoted with every non-printable escaped. */
export function formatValue(value: unknown): string {
  const text = truncate(rawText(value));
  if (text !== '' && !/[\s"=]/.test(text) && !NON_PRINTABLE.test(text)) return text;
  // JSON.stringify escapes C0 controls, quotes, backslashes and lone surrogates; the rest of the
  // non-printable characters (DEL, C1, format characters, U+2028/9) are escaped here.
  return JSON.stringify(text).replace(NON_PRINTABLE_GLOBAL, hex4);
}

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const emit = (at: LogLevel, msg: string, fields: Record<string, unknown> = {}): void => {
    if (ORDER[at] < ORDER[level]) return;
    const parts = [`ts=${new Date().toISOString()}`, `level=${at}`, `msg=${formatValue(msg)}`];
    for (const [key, value] of Object.entries(fields)) parts.push(`${key}=${formatValue(value)}`);
    write(parts.join(' ') + '\n');
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}
