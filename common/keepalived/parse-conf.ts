import path from 'node:path';
import { type ParseIssue, boundedIssue } from '../parse/issue.js';
import { quoted } from '../parse/printable.js';
import { MAX_BRACE_PATTERNS, expandBraces, globMatch, hasGlobMagic } from './glob.js';
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

/*
 * Bounds on the expansion. keepalived reads lines into a MAXBUF (1024) buffer and refuses a
 * parameter substitution that would not fit ("would exceed maximum line length"); the rest it
 * leaves to memory. A parser fed by an exporter must stop earlier than the process dies, and
 * always with an issue naming file:line, so each kind of growth has its own limit:
 */
/** keepalived's MAXBUF: the longest line after substitution. */
export const MAX_LINE_CHARS = 1024;
const MAX_INCLUDE_DEPTH = 16;
/** Files read through `include`, over the whole expansion. */
const MAX_INCLUDED_FILES = 4096;
/** A multi-line parameter whose lines use parameters again (`$A` inside `$A`'s own value). */
const MAX_PARAMETER_DEPTH = 16;
/** `~SEQ` inside a `~SEQ` line (through parameters). */
const MAX_SEQ_DEPTH = 4;
const MAX_SEQ_REPETITIONS = 65_536;
/**
 * Effective lines kept: a thousand services of twenty real servers at five lines each. The
 * exporter expands the configuration on its event loop at each collection, about 10 µs a line:
 * this bounds that to about a second whatever ~SEQ asks for.
 */
const MAX_LINES = 100_000;
/** Lines looked at (kept or not): bounds nested ~SEQ and conditionals that drop every line. */
const MAX_WORK_LINES = 4 * MAX_LINES;
/** Substitution rounds per line (a parameter whose value names another parameter). */
const MAX_SUBSTITUTIONS = 32;
/** A multi-line parameter's whole value. */
const MAX_VALUE_CHARS = 64 * MAX_LINE_CHARS;

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

/** Files matching an include pattern, sorted like glob(3); hidden files need an explicit dot. */
function globFiles(pattern: string, files: ConfFiles): string[] | undefined {
  const expanded = expandBraces(pattern);
  if (!expanded) return undefined;
  const results: string[] = [];
  for (const one of expanded) {
    let candidates = [path.isAbsolute(one) ? '/' : '.'];
    for (const segment of one.split('/').filter((s) => s !== '')) {
      if (!hasGlobMagic(segment)) {
        candidates = candidates.map((dir) => path.join(dir, segment));
        continue;
      }
      candidates = candidates.flatMap((dir) =>
        files
          .list(dir)
          .filter((name) => globMatch(segment, name) && (segment.startsWith('.') || !name.startsWith('.')))
          .sort()
          .map((name) => path.join(dir, name)),
      );
      if (candidates.length > MAX_INCLUDED_FILES) return candidates.slice(0, MAX_INCLUDED_FILES + 1);
    }
    results.push(...candidates);
  }
  return results;
}

/** The longest line of a (possibly multi-line) text. */
function longestLine(text: string): number {
  let longest = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    longest = Math.max(longest, (end === -1 ? text.length : end) - start);
    if (end === -1) return longest;
    start = end + 1;
  }
}

/**
 * Expands keepalived.conf the way keepalived reads it: comments, `include` (globs and braces,
 * relative to the including file), `@id`/`@^id` conditional lines against `configId`,
 * `$NAME=value` parameters (multi-line with `\`) with `$NAME`/`${NAME}` substitution at use
 * time, and `~SEQ(var, start, step, end)`/`~SEQx` line repetition. Returns the effective lines.
 * Every bound above ends its part of the expansion with an issue at the line that crossed it.
 */
export function expandConfig(
  file: string,
  files: ConfFiles,
  configId: string,
): { lines: ConfigLine[]; issues: ParseIssue[] } {
  const lines: ConfigLine[] = [];
  const issues: ParseIssue[] = [];
  const params = new Map<string, string>();
  let work = 0;
  let filesRead = 0;
  /** Set when a global bound is crossed: the expansion stops everywhere. */
  let stopped = false;

  /** Substituted text, or a reason it would grow past the bounds. */
  const substitute = (text: string): { text: string } | { error: string } => {
    if (!text.includes('$')) return { text };
    let current = text;
    for (let round = 0; round < MAX_SUBSTITUTIONS; round++) {
      const next = current
        .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (all, name: string) => params.get(name) ?? all)
        .replace(/\$([A-Za-z_][A-Za-z0-9_]*)(?=\s|$)/g, (all, name: string) => params.get(name) ?? all);
      if (next.length > MAX_VALUE_CHARS || longestLine(next) > MAX_LINE_CHARS) {
        return {
          error: `substitution would exceed ${MAX_LINE_CHARS} characters a line (keepalived's MAXBUF)`,
        };
      }
      if (next === current) return { text: next };
      current = next;
    }
    return { text: current };
  };

  interface Nesting {
    readonly include: number;
    readonly parameter: number;
    readonly seq: number;
  }

  const emit = (text: string, where: { file: string; line: number }, nesting: Nesting): void => {
    if (stopped) return;
    if (++work > MAX_WORK_LINES || lines.length >= MAX_LINES) {
      stopped = true;
      issues.push({
        ...where,
        field: 'configuration',
        message: `expansion stopped: more than ${lines.length >= MAX_LINES ? MAX_LINES : MAX_WORK_LINES} lines`,
      });
      return;
    }
    let body = text.trim();
    if (body === '') return;
    if (body.length > MAX_LINE_CHARS) {
      issues.push({
        ...where,
        field: 'line',
        message: `longer than ${MAX_LINE_CHARS} characters (keepalived's MAXBUF)`,
      });
      return;
    }
    const cond = /^@(\^?)(\S+)\s*(.*)$/.exec(body);
    if (cond) {
      const matches = cond[2] === configId;
      if (matches === (cond[1] === '^')) return;
      body = cond[3] ?? '';
    }
    const seq = /^~SEQ(x?)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,([^)]*)\)\s*(.*)$/.exec(body);
    if (seq) {
      const nums = (seq[3] ?? '').split(',').map((s) => Number(s.trim()));
      if (nums.some((n) => !Number.isSafeInteger(n)) || nums.length < 1 || nums.length > 3) {
        issues.push({
          ...where,
          field: '~SEQ',
          message: 'expected ~SEQ(var, [start,] [step,] end) with integers',
        });
        return;
      }
      if (nesting.seq >= MAX_SEQ_DEPTH) {
        issues.push({ ...where, field: '~SEQ', message: `nested deeper than ${MAX_SEQ_DEPTH}` });
        return;
      }
      const end = nums[nums.length - 1] ?? 0;
      const start = nums.length >= 2 ? (nums[0] ?? 0) : end > 0 ? 1 : -1;
      const step = nums.length === 3 ? (nums[1] ?? 0) : end >= start ? 1 : -1;
      if (step === 0 || Math.abs((end - start) / step) >= MAX_SEQ_REPETITIONS) {
        issues.push({
          ...where,
          field: '~SEQ',
          message: `step is 0 or more than ${MAX_SEQ_REPETITIONS} repetitions`,
        });
        return;
      }
      const name = seq[2] ?? '';
      const saved = params.get(name);
      const inner = { ...nesting, seq: nesting.seq + 1 };
      for (let v = start; !stopped && (step > 0 ? v <= end : v >= end); v += step) {
        params.set(name, seq[1] === 'x' ? v.toString(16) : String(v));
        emit(seq[4] ?? '', where, inner);
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
    if ('error' in expanded) {
      issues.push({ ...where, field: '$parameter', message: expanded.error });
      return;
    }
    if (expanded.text !== body) {
      if (nesting.parameter >= MAX_PARAMETER_DEPTH) {
        issues.push({
          ...where,
          field: '$parameter',
          message: `expansion nested deeper than ${MAX_PARAMETER_DEPTH} (a parameter that uses itself?)`,
        });
        return;
      }
      // A multi-line parameter expands to several lines, each read again (conditionals included).
      const inner = { ...nesting, parameter: nesting.parameter + 1 };
      for (const part of expanded.text.split('\n')) emit(part, where, inner);
      return;
    }
    const inc = /^include[rmwb]?\s+(.+)$/.exec(body);
    if (inc) {
      const pattern = (inc[1] ?? '').trim().replace(/^"(.*)"$/, '$1');
      if (nesting.include >= MAX_INCLUDE_DEPTH) {
        issues.push({ ...where, field: 'include', message: `nested deeper than ${MAX_INCLUDE_DEPTH}` });
        return;
      }
      const absolute = path.isAbsolute(pattern) ? pattern : path.join(path.dirname(where.file), pattern);
      const matches = globFiles(absolute, files);
      if (!matches) {
        issues.push({
          ...where,
          field: 'include',
          message: `brace expansion gives more than ${MAX_BRACE_PATTERNS} patterns`,
        });
        return;
      }
      for (const match of matches) {
        if (stopped) return;
        if (++filesRead > MAX_INCLUDED_FILES) {
          stopped = true;
          issues.push({ ...where, field: 'include', message: `more than ${MAX_INCLUDED_FILES} files` });
          return;
        }
        readFile(match, nesting.include + 1);
      }
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
    const nesting: Nesting = { include: depth, parameter: 0, seq: 0 };
    const raw = text.split('\n');
    for (let i = 0; i < raw.length && !stopped; i++) {
      let line = stripComment((raw[i] ?? '').replace(/\r$/, ''));
      const start = i + 1;
      if (isMultiLineDefinition(line)) {
        // $NAME= \ then lines ending in \ : the value keeps its line breaks.
        const parts: string[] = [];
        let size = 0;
        while (i + 1 < raw.length) {
          const next = stripComment((raw[++i] ?? '').replace(/\r$/, ''));
          const more = endsWithBackslash(next);
          const part = more ? next.trimEnd().slice(0, -1) : next;
          size += part.length + 1;
          if (size <= MAX_VALUE_CHARS) parts.push(part);
          if (!more) break;
        }
        if (size > MAX_VALUE_CHARS) {
          issues.push({
            file: name,
            line: start,
            field: '$parameter',
            message: `multi-line value longer than ${MAX_VALUE_CHARS} characters`,
          });
          continue;
        }
        line = `${line.trimEnd().slice(0, -1)}${parts.join('\n')}`;
      }
      emit(line, { file: name, line: start }, nesting);
    }
  };

  readFile(file, 0);
  return { lines, issues };
}

function endsWithBackslash(line: string): boolean {
  return line.trimEnd().endsWith('\\');
}

/** `$NAME= \` alone: the first line of a multi-line parameter. */
function isMultiLineDefinition(line: string): boolean {
  const body = line.trim();
  if (!endsWithBackslash(body)) return false;
  const eq = body.indexOf('=');
  if (eq === -1) return false;
  return /^\$[A-Za-z_][A-Za-z0-9_]*$/.test(body.slice(0, eq)) && body.slice(eq + 1, -1).trim() === '';
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
    const vridStatement = find('virtual_router_id');
    const vridText = vridStatement?.words[1];
    let vrid: number | undefined;
    if (vridStatement && vridText !== undefined) {
      // keepalived refuses the same ("VRID not valid - must be between 1 & 255").
      if (/^\d{1,3}$/.test(vridText) && Number(vridText) >= 1 && Number(vridText) <= 255)
        vrid = Number(vridText);
      else
        issues.push({
          file: vridStatement.file,
          line: vridStatement.line,
          field: `${iname} virtual_router_id`,
          message: `${quoted(vridText)}: not a VRID from 1 to 255`,
        });
    }
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
  // Fields name instances by their names from the file: bounded and escaped.
  return { vips, issues: issues.map(boundedIssue) };
}
