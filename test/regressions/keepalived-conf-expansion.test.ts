/**
 * Issue 12 §4, keepalived.conf: globs compiled as regular expressions (`include [` threw), a
 * self-referencing multi-line parameter (stack overflow), `$A=${A}${A}` (grew until V8 aborted),
 * exponential brace expansion and nested `~SEQ` (unbounded). Each now ends in an issue naming
 * file:line, the lines before it kept.
 */
import { describe, expect, it } from 'vitest';
import { type ConfFiles, MAX_LINE_CHARS, expandConfig } from '../../common/keepalived/parse-conf.js';

/** An in-memory tree: path → content; directories are listed from the paths. */
function memoryFiles(tree: Record<string, string>): ConfFiles {
  return {
    read(file) {
      const text = tree[file];
      if (text === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return text;
    },
    list(dir) {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      return Object.keys(tree)
        .filter((f) => f.startsWith(prefix) && !f.slice(prefix.length).includes('/'))
        .map((f) => f.slice(prefix.length));
    },
  };
}

const expand = (tree: Record<string, string>) =>
  expandConfig('/etc/k/keepalived.conf', memoryFiles(tree), 'lb1');
const conf = (...lines: string[]) => ({ '/etc/k/keepalived.conf': lines.join('\n') });

describe('keepalived.conf expansion bounds', () => {
  it('matches include globs without regular expressions: `[` unclosed is literal, classes and ranges work', () => {
    const tree = {
      ...conf('include [', 'include d/[ab].conf', 'include d/[^a]*.conf', 'include d/(x+)+*', 'keep me'),
      '/etc/k/d/a.conf': 'from a',
      '/etc/k/d/b.conf': 'from b',
      '/etc/k/d/c.conf': 'from c',
    };
    const { lines, issues } = expand(tree);
    expect(lines.map((l) => l.text)).toEqual(['from a', 'from b', 'from b', 'from c', 'keep me']);
    expect(issues).toEqual([]);
  });

  it('stops a self-referencing multi-line parameter with an issue at its use', () => {
    const { lines, issues } = expand(conf('before', '$A= \\', '$A \\', 'x', '$A', 'after'));
    expect(lines.some((l) => l.text === 'before')).toBe(true);
    expect(lines.some((l) => l.text === 'after')).toBe(true);
    expect(issues[0]).toMatchObject({ file: '/etc/k/keepalived.conf', line: 5, field: '$parameter' });
    expect(issues[0]?.message).toMatch(/nested deeper than 16/);
  });

  it('refuses a substitution that doubles itself at keepalived’s line length', () => {
    const { lines, issues } = expand(conf('$A=${A}${A}', 'virtual_server $A', 'after'));
    expect(lines.map((l) => l.text)).toEqual(['after']);
    expect(issues).toEqual([
      {
        file: '/etc/k/keepalived.conf',
        line: 2,
        field: '$parameter',
        message: `substitution would exceed ${MAX_LINE_CHARS} characters a line (keepalived's MAXBUF)`,
      },
    ]);
  });

  it('refuses an include whose braces expand to more than 1024 patterns, quickly', () => {
    const started = performance.now();
    const { issues } = expand(conf(`include d/${'{a,b}'.repeat(20)}.conf`, 'after'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(issues).toEqual([
      {
        file: '/etc/k/keepalived.conf',
        line: 1,
        field: 'include',
        message: 'brace expansion gives more than 1024 patterns',
      },
    ]);
  });

  it('bounds nested ~SEQ: depth, then the total number of lines', () => {
    const deep = expand(conf('~SEQ(a,1,2) ~SEQ(b,1,2) ~SEQ(c,1,2) ~SEQ(d,1,2) ~SEQ(e,1,2) x'));
    expect(deep.issues[0]).toMatchObject({ line: 1, field: '~SEQ', message: 'nested deeper than 4' });
    const wide = expand(conf('~SEQ(i,1,60000) ~SEQ(j,1,60000) real_server 10.0.$i.$j 80', 'after'));
    expect(wide.lines.length).toBe(100_000);
    expect(wide.issues).toEqual([
      {
        file: '/etc/k/keepalived.conf',
        line: 1,
        field: 'configuration',
        message: 'expansion stopped: more than 100000 lines',
      },
    ]);
  }, 30_000);
});
