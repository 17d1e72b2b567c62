import { describe, expect, it } from 'vitest';
import { boundedIssue, formatIssue } from '../../../common/parse/issue.js';
import { printable, quoted, truncate } from '../../../common/parse/printable.js';

describe('printable', () => {
  it('escapes controls, DEL, C1, bidi overrides, separators and lone surrogates; keeps other text', () => {
    expect(printable('a\u001b[31mb\u0007c\n\t\r')).toBe('a\\u001b[31mb\\u0007c\\n\\t\\r');
    expect(printable('\u007f\u0085\u202e\u200b\u2028\ud800x')).toBe(
      '\\u007f\\u0085\\u202e\\u200b\\u2028\\ud800x',
    );
    expect(printable('héllo 😀 "q"')).toBe('héllo 😀 "q"');
    expect(printable('\u{e0001}t\u{1d173}')).toBe('\\u{e0001}t\\u{1d173}');
  });

  it('cuts at the bound counting escapes as written, never inside an escape or a surrogate pair', () => {
    expect(printable('x'.repeat(20), 10)).toBe(`${'x'.repeat(10)}…[10 more chars]`);
    expect(printable('\u0007'.repeat(20), 13)).toBe('\\u0007\\u0007…[18 more chars]');
    expect(printable('😀😀😀', 3)).toBe('😀…[4 more chars]');
    expect(printable('a'.repeat(100_000)).length).toBeLessThan(1100);
  });

  it('truncate keeps surrogate pairs whole', () => {
    expect(truncate('ab😀', 3)).toBe('ab…[2 more chars]');
    expect(truncate('short', 10)).toBe('short');
  });

  it('quoted wraps a bounded, escaped token', () => {
    expect(quoted('1x0')).toBe('"1x0"');
    expect(quoted('\u001b'.repeat(100), 12)).toBe('"\\u001b\\u001b…[98 more chars]"');
  });
});

describe('parse issues quote input safely', () => {
  const hostile = {
    file: 'k\u001b.conf',
    line: 3,
    field: `f${'\u0007'.repeat(500)}`,
    message: 'm'.repeat(10_000),
  };

  it('formatIssue escapes and bounds every part', () => {
    const text = formatIssue(hostile);
    expect(text).toMatch(/^k\\u001b\.conf:3: f(\\u0007)+…\[\d+ more chars\]: m+…\[\d+ more chars\]$/);
    expect(text.length).toBeLessThan(128 + 256 + 80);
    expect(formatIssue({ line: 0, field: 'file', message: 'empty' }, '/proc/net/ip_vs')).toBe(
      '/proc/net/ip_vs: file: empty',
    );
  });

  it('boundedIssue bounds field and message and keeps file and line', () => {
    const bounded = boundedIssue(hostile);
    expect(bounded.file).toBe(hostile.file);
    expect(bounded.line).toBe(3);
    expect(bounded.field.length).toBeLessThanOrEqual(128 + 32);
    expect(bounded.message.length).toBeLessThanOrEqual(256 + 32);
    expect(bounded.field.includes('\u0007')).toBe(false);
  });
});
