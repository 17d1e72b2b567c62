/**
 * Issue 12 §3/§4: raw control bytes (ESC, BEL, binary) from inputs were echoed into logs and
 * stderr. exporter/core/log.ts now quotes and escapes every value (through
 * common/parse/printable.ts, shared with parse issues) and cuts long ones.
 */
import { describe, expect, it } from 'vitest';
import { NON_PRINTABLE } from '../../common/parse/printable.js';
import { MAX_VALUE_CHARS, createLogger, formatValue, printable } from '../../exporter/core/log.js';

function logged(fields: Record<string, unknown>, msg = 'm'): string {
  const lines: string[] = [];
  createLogger('debug', (line) => lines.push(line)).warn(msg, fields);
  return lines.join('');
}

describe('log values quoting input', () => {
  it('escapes ESC, BEL, NUL, DEL, C1, bidi overrides and line separators, on one line', () => {
    const line = logged({ error: 'bad \u001b[2J\u0007\u0000\u007f\u0085\u202e\u2028 line' });
    expect(line).toContain('error="bad \\u001b[2J\\u0007\\u0000\\u007f\\u0085\\u202e\\u2028 line"');
    expect(NON_PRINTABLE.test(line.slice(0, -1))).toBe(false);
    expect(line.endsWith('\n')).toBe(true);
  });

  it('writes plain values bare, quotes those with spaces, quotes or equals signs', () => {
    expect(formatValue('ip_vs')).toBe('ip_vs');
    expect(formatValue('a b')).toBe('"a b"');
    expect(formatValue('a="b"')).toBe('"a=\\"b\\""');
    expect(formatValue('')).toBe('""');
    expect(formatValue(42)).toBe('42');
    expect(formatValue(new Error('x\ny'))).toBe('"x\\ny"');
  });

  it('cuts a 100 kB value with a note of what was left out', () => {
    const value = formatValue('a'.repeat(100_000));
    expect(value.length).toBeLessThan(MAX_VALUE_CHARS + 40);
    expect(value).toMatch(/…\[98976 more chars\]"$/);
  });

  it('survives values JSON cannot write (cycles, bigints)', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(formatValue(cycle)).toBe('"[object Object]"');
    expect(formatValue(10n)).toBe('10');
  });

  it('printable is the one helper for stderr messages', () => {
    expect(printable('lvs-exporter: \u001b]0;x\u0007')).toBe('lvs-exporter: \\u001b]0;x\\u0007');
  });
});
