import path from 'node:path';
import type { ParseIssue } from '../parse/issue.js';
import { parseVip } from './vip.js';

/** File access the config reader needs; injected so the parser stays free of I/O policy. */
export interface ConfFiles {
  read(file: string): string;
  /** Entries (names) of a directory; [] when it does not exist. */
  list(dir: string): string[];
}

export interface ConfigVip {
  readonly address: string;
  /** `dev` of the address line, else the instance's `interface`. */
  readonly dev: string;
  readonly iname: string;
  readonly vrid?: number;
  readonly excluded: boolean;
}

export interface ConfigLine {
  readonly text: string;
  readonly file: string;
  readonly line: number;
}

/** One keyword line of an expanded configuration, with its `{ ... }` block when it opens one. */
export interface Statement {
  readonly words: readonly string[];
  readonly file: string;
  readonly line: number;
  readonly children?: Statement[];
}

const MAX_INCLUDE_DEPTH = 16;
const MAX_LINES = 1_000_000;
const MAX_SUBSTITUTIONS = 32;

/** Removes `#`/`!` comments outside double quotes. */
function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '#' || c === '!')) return line.slice(0, i);
  }
  return line;
}

/** csh-style `{a,b}` expansion (nested), as glob(GLOB_BRACE) does for include. */
function expandBraces(pattern: string): string[] {
  const open = pattern.indexOf('{');
  if (open === -1) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      const inner = pattern.slice(open + 1, i);
      const parts: string[] = [];
      let last = 0;
      for (const at of commas) {
        parts.push(inner.slice(last, at - open - 1));
        last = at - open;
      }
      parts.push(inner.slice(last));
      const rest = pattern.slice(i + 1);
      return parts.flatMap((part) => expandBraces(pattern.slice(0, open) + part + rest));
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  return [pattern];
}

function globToRegExp(segment: string): RegExp {
  let out = '';
  for (const c of segment) {
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[' || c === ']') out += c;
    else out += c.replace(/[.+^$()|\\{}]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Files matching an include pattern, sorted like glob(3); hidden files need an explicit dot. */
function globFiles(pattern: string, files: ConfFiles): string[] {
  const results: string[] = [];
  for (const expanded of expandBraces(pattern)) {
    let candidates = [path.isAbsolute(expanded) ? '/' : '.'];
    for (const segment of expanded.split('/').filter((s) => s !== '')) {
      if (!/[*?[]/.test(segment)) {
        candidates = candidates.map((dir) => path.join(dir, segment));
        continue;
      }
      const re = globToRegExp(segment);
      candidates = candidates.flatMap((dir) =>
        files
          .list(dir)
          .filter((name) => re.test(name) && (segment.startsWith('.') || !name.startsWith('.')))
          .sort()
          .map((name) => path.join(dir, name)),
      );
    }
    results.push(...candidates);
  }
  return results;
}

/**
 * Expands keepalived.conf the way keepalived reads it: comments, `include` (globs and braces,
 * relative to the including file), `@id`/`@^id` conditional lines against `configId`,
 * `$NAME=value` parameters (multi-line with `\`) with `$NAME`/`${NAME}` substitution at use
 * time, and `~SEQ(var, start, step, end)`/`~SEQx` line repetition. Returns the effective lines.
 */
export function expandConfig(
  file: string,
  files: ConfFiles,
  configId: string,
): { lines: ConfigLine[]; issues: ParseIssue[] } {
  const lines: ConfigLine[] = [];
  const issues: ParseIssue[] = [];
  const params = new Map<string, string>();

  const substitute = (text: string): string => {
    let current = text;
    for (let round = 0; round < MAX_SUBSTITUTIONS; round++) {
      const next = current
        .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, name: string) => params.get(name) ?? all)
        .replace(/\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g, (all, name: string) => params.get(name) ?? all);
      if (next === current) return next;
      current = next;
    }
    return current;
  };

  const emit = (text: string, where: { file: string; line: number }, depth: number): void => {
    if (lines.length >= MAX_LINES) return;
    let body = text.trim();
    if (body === '') return;
    const cond = /^@(\^?)(\S+)\s*(.*)$/.exec(body);
    if (cond) {
      const matches = cond[2] === configId;
      if (matches === (cond[1] === '^')) return;
      body = cond[3] ?? '';
    }
    const seq = /^~SEQ(x?)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,([^)]*)\)\s*(.*)$/.exec(body);
    if (seq) {
      const nums = (seq[3] ?? '').split(',').map((s) => Number(s.trim()));
      if (nums.some((n) => !Number.isInteger(n)) || nums.length < 1 || nums.length > 3) {
        issues.push({
          ...where,
          field: '~SEQ',
          message: 'expected ~SEQ(var, [start,] [step,] end) with integers',
        });
        return;
      }
      const end = nums[nums.length - 1] ?? 0;
      const start = nums.length >= 2 ? (nums[0] ?? 0) : end > 0 ? 1 : -1;
      const step = nums.length === 3 ? (nums[1] ?? 0) : end >= start ? 1 : -1;
      if (step === 0 || Math.abs((end - start) / step) > 65_535) {
        issues.push({ ...where, field: '~SEQ', message: 'step is 0 or more than 65536 repetitions' });
        return;
      }
      const name = seq[2] ?? '';
      const saved = params.get(name);
      for (let v = start; step > 0 ? v <= end : v >= end; v += step) {
        params.set(name, seq[1] === 'x' ? v.toString(16) : String(v));
        emit(seq[4] ?? '', where, depth);
      }
      if (saved === undefined) params.delete(name);
      else params.set(name, saved);
      return;
    }
    const def = /^\$([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/.exec(body);
    if (def) {
      params.set(def[1] ?? '', (def[2] ?? '').trim());
      return;
    }
    const expanded = substitute(body);
    if (expanded !== body) {
      // A multi-line parameter expands to several lines, each read again (conditionals included).
      for (const part of expanded.split('\n')) emit(part, where, depth);
      return;
    }
    const inc = /^include[rmwb]?\s+(.+)$/.exec(body);
    if (inc) {
      const pattern = (inc[1] ?? '').trim().replace(/^"(.*)"$/, '$1');
      if (depth >= MAX_INCLUDE_DEPTH) {
        issues.push({ ...where, field: 'include', message: `nested deeper than ${MAX_INCLUDE_DEPTH}` });
        return;
      }
      const absolute = path.isAbsolute(pattern) ? pattern : path.join(path.dirname(where.file), pattern);
      for (const match of globFiles(absolute, files)) readFile(match, depth + 1);
      return;
    }
    lines.push({ text: body, ...where });
  };

  const readFile = (name: string, depth: number): void => {
    let text: string;
    try {
      text = files.read(name);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      issues.push({ file: name, line: 0, field: 'file', message: `cannot read (${code})` });
      return;
    }
    const raw = text.split('\n');
    for (let i = 0; i < raw.length; i++) {
      let line = stripComment((raw[i] ?? '').replace(/\r$/, ''));
      const start = i + 1;
      const multi = /^\s*\$[A-Za-z_][A-Za-z0-9_]*=\s*\\\s*$/.test(line);
      if (multi) {
        // $NAME= \ then lines ending in \ : the value keeps its line breaks.
        const parts: string[] = [];
        while (i + 1 < raw.length) {
          const next = stripComment((raw[++i] ?? '').replace(/\r$/, ''));
          const more = /\\\s*$/.test(next);
          parts.push(next.replace(/\\\s*$/, ''));
          if (!more) break;
        }
        line = `${line.replace(/\\\s*$/, '')}${parts.join('\n')}`;
      }
      emit(line, { file: name, line: start }, depth);
    }
  };

  readFile(file, 0);
  return { lines, issues };
}

/** Splits lines into words (quotes kept together) and nests `{ ... }` blocks. */
export function toStatements(lines: readonly ConfigLine[], issues: ParseIssue[]): Statement[] {
  const root: Statement[] = [];
  const stack: Statement[][] = [root];
  for (const { text, file, line } of lines) {
    const words = text.match(/"[^"]*"|[{}]|[^\s{}"]+/g) ?? [];
    let current: string[] = [];
    const flush = (children?: Statement[]): void => {
      if (current.length > 0 || children) {
        const top = stack[stack.length - 1] ?? root;
        top.push(children ? { words: current, file, line, children } : { words: current, file, line });
      }
      current = [];
    };
    for (const word of words) {
      if (word === '{') {
        const children: Statement[] = [];
        flush(children);
        stack.push(children);
      } else if (word === '}') {
        flush();
        if (stack.length === 1) issues.push({ file, line, field: '}', message: 'unbalanced closing brace' });
        else stack.pop();
      } else current.push(word.replace(/^"(.*)"$/, '$1'));
    }
    flush();
  }
  if (stack.length > 1)
    issues.push({ file: '', line: 0, field: '{', message: 'unclosed block at end of configuration' });
  return root;
}

/** The VIPs (and excluded VIPs) of every `vrrp_instance` in an expanded configuration. */
export function vipsFromConfig(lines: readonly ConfigLine[]): { vips: ConfigVip[]; issues: ParseIssue[] } {
  const issues: ParseIssue[] = [];
  const vips: ConfigVip[] = [];
  for (const block of toStatements(lines, issues)) {
    if (block.words[0] !== 'vrrp_instance' || !block.children) continue;
    const iname = block.words[1] ?? '';
    const find = (key: string) => block.children?.find((s) => s.words[0] === key);
    const intf = find('interface')?.words[1] ?? '';
    const vridText = find('virtual_router_id')?.words[1];
    const vrid = vridText !== undefined && /^\d+$/.test(vridText) ? Number(vridText) : undefined;
    for (const [key, excluded] of [
      ['virtual_ipaddress', false],
      ['virtual_ipaddress_excluded', true],
    ] as const) {
      for (const list of block.children.filter((s) => s.words[0] === key)) {
        for (const entry of list.children ?? []) {
          const vip = parseVip(entry.words.join(' '));
          if (!vip) {
            issues.push({
              file: entry.file,
              line: entry.line,
              field: `${iname} ${key}`,
              message: 'not an address',
            });
            continue;
          }
          vips.push({ address: vip.address, dev: vip.dev || intf, iname, vrid, excluded });
        }
      }
    }
  }
  return { vips, issues };
}
