/**
 * Escaping for the HTML report: text from the data (server names, messages, commands) can hold
 * anything a recording or a pools file held, so every piece is escaped for where it lands.
 */

/** Everything but tab, newline and printable ASCII: the candidates for `invisible`. */
const NOT_PLAIN = /[^\t\n -~]/g;

/**
 * C0/C1 controls, DEL, and the bidirectional marks, overrides and isolates that can make a command
 * look different from what it is (CVE-2021-42574, "Trojan Source").
 */
function invisible(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `\x1b`, `\u202e`: what a reader sees instead of an invisible character. */
function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (!invisible(code)) return c;
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(NOT_PLAIN, visible).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * JSON for a `<script type="application/json">` block: no `<` at all (so neither `</script` nor
 * `<!--` can end or change the block), `>` and `&` too, U+2028/9 (line terminators to pre-ES2019
 * parsers), and the C1 and bidirectional controls JSON.stringify leaves raw. All are JSON
 * escapes, so JSON.parse gives back the same value.
 */
export function jsonForScript(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError('jsonForScript: the value has no JSON form');
  return text.replace(
    /[<>&\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
