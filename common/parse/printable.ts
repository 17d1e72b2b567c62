/**
 * The one way input text is quoted in messages (issues, logs, stderr): non-printable characters
 * escaped and the text cut to a bounded length, so a line of /proc, a keepalived dump or a
 * request path can neither drive a terminal (ESC, BEL), hide itself (bidirectional overrides,
 * zero-width characters) nor flood a log.
 */

/** Longest text written whole by default; longer text is cut with a note of the rest. */
export const MAX_PRINTABLE_CHARS = 1024;

/**
 * Characters a terminal or log viewer would act on or hide rather than show: C0/C1 controls and
 * DEL (\p{Cc}), format characters such as bidirectional overrides and zero-width joiners
 * (\p{Cf}), line and paragraph separators, and lone surrogates (\p{Cs}).
 */
export const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
export const NON_PRINTABLE_GLOBAL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

export function hex4(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** `text` cut to `max` UTF-16 units (never inside a surrogate pair), with a note of the rest. */
export function truncate(text: string, max = MAX_PRINTABLE_CHARS): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…[${text.length - end} more chars]`;
}

/**
 * Input text made safe to print on one line of a terminal: non-printable characters and
 * newlines escaped (`\n`, `\t`, `\r`, `\uXXXX`), the result cut at `max` characters (escapes
 * counted as written, never split) with a note of how much input was left out.
 */
export function printable(text: string, max = MAX_PRINTABLE_CHARS): string {
  if (text.length <= max && !NON_PRINTABLE.test(text)) return text;
  let out = '';
  let i = 0;
  for (; i < text.length; i++) {
    const c = text[i] ?? '';
    const code = c.charCodeAt(0);
    const pair = code >= 0xd800 && code <= 0xdbff && /[\udc00-\udfff]/.test(text[i + 1] ?? '');
    const both = pair ? c + (text[i + 1] ?? '') : '';
    // Astral characters can be non-printable too (tags U+E0001…, musical format U+1D173…).
    const piece = pair
      ? NON_PRINTABLE.test(both)
        ? `\\u{${(both.codePointAt(0) ?? 0).toString(16)}}`
        : both
      : c === '\n'
        ? '\\n'
        : c === '\t'
          ? '\\t'
          : c === '\r'
            ? '\\r'
            : NON_PRINTABLE.test(c)
              ? hex4(c)
              : c;
    if (out.length + piece.length > max) break;
    out += piece;
    if (pair) i++;
  }
  return i < text.length ? `${out}…[${text.length - i} more chars]` : out;
}

/** A token from the input as a parser quotes it in an issue: `"…"`, escaped, at most `max` chars. */
export function quoted(text: string, max = 64): string {
  return `"${printable(text, max)}"`;
}
