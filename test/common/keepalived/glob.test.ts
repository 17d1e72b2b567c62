import { describe, expect, it } from 'vitest';
import { MAX_BRACE_PATTERNS, expandBraces, globMatch } from '../../../common/keepalived/glob.js';

describe('include globs without regular expressions', () => {
  it('matches *, ? and classes like fnmatch', () => {
    expect(globMatch('*.conf', 'a.conf')).toBe(true);
    expect(globMatch('*.conf', 'a.conf.bak')).toBe(false);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('[a-c]x', 'bx')).toBe(true);
    expect(globMatch('[!a-c]x', 'bx')).toBe(false);
    expect(globMatch('[^a]x', 'zx')).toBe(true);
    expect(globMatch('[]]', ']')).toBe(true);
    expect(globMatch('*a*b*c', 'xxaxxbxxc')).toBe(true);
  });

  it('reads an unclosed [ and regex syntax literally', () => {
    expect(globMatch('[', '[')).toBe(true);
    expect(globMatch('a[b', 'a[b')).toBe(true);
    expect(globMatch('(a+)+', '(a+)+')).toBe(true);
    expect(globMatch('(a+)+', 'aaa')).toBe(false);
    expect(globMatch('.*', 'x')).toBe(false);
  });

  it('stays fast on patterns that backtrack', () => {
    const started = performance.now();
    expect(globMatch('*a'.repeat(50) + 'b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('expands braces in order, nested, and refuses more than the bound', () => {
    expect(expandBraces('a{b,c{d,e}}f')).toEqual(['abf', 'acdf', 'acef']);
    expect(expandBraces('no braces')).toEqual(['no braces']);
    expect(expandBraces('unclosed {a,b')).toEqual(['unclosed {a,b']);
    expect(expandBraces('{a,b}'.repeat(10))).toHaveLength(MAX_BRACE_PATTERNS);
    expect(expandBraces('{a,b}'.repeat(11))).toBeUndefined();
  });
});
