/**
 * The glob(3) subset keepalived's `include` uses (GLOB_BRACE): `*`, `?`, `[...]` classes (with
 * `!`/`^` negation and ranges) and csh-style `{a,b}`. Matched by hand, never compiled into a
 * regular expression: a pattern is input, and `include [` or `include (a+)+` must not become an
 * invalid or catastrophic regex.
 */

/** More alternatives than this is not a configuration (N copies of `{a,b}` make 2^N). */
export const MAX_BRACE_PATTERNS = 1024;

/**
 * csh-style `{a,b}` expansion (nested). Returns undefined when the pattern would expand to more
 * than MAX_BRACE_PATTERNS patterns; the work done before giving up is bounded by that count.
 */
export function expandBraces(pattern: string): string[] | undefined {
  const done: string[] = [];
  const pending = [pattern];
  while (pending.length > 0) {
    const current = pending.pop() ?? '';
    const group = firstBraceGroup(current);
    if (!group) {
      done.push(current);
      if (done.length > MAX_BRACE_PATTERNS) return undefined;
      continue;
    }
    const head = current.slice(0, group.open);
    const tail = current.slice(group.close + 1);
    // Reversed so that pop() yields the alternatives in their written order.
    for (let i = group.parts.length - 1; i >= 0; i--) pending.push(head + (group.parts[i] ?? '') + tail);
    if (done.length + pending.length > MAX_BRACE_PATTERNS) return undefined;
  }
  return done;
}

/** The first balanced `{...}` with its top-level comma-separated parts; unbalanced = literal. */
function firstBraceGroup(pattern: string): { open: number; close: number; parts: string[] } | undefined {
  const open = pattern.indexOf('{');
  if (open === -1) return undefined;
  let depth = 0;
  let partStart = open + 1;
  const parts: string[] = [];
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '{') depth++;
    else if (c === '}') {
      depth--;
      if (depth === 0) {
        parts.push(pattern.slice(partStart, i));
        return { open, close: i, parts };
      }
    } else if (c === ',' && depth === 1) {
      parts.push(pattern.slice(partStart, i));
      partStart = i + 1;
    }
  }
  return undefined;
}

export function hasGlobMagic(segment: string): boolean {
  return segment.includes('*') || segment.includes('?') || segment.includes('[');
}

/**
 * Whether `name` matches one path segment of a glob, like fnmatch(3) without flags. A `[` with
 * no closing `]` is a literal `[`. Linear in practice: one backtrack point (the last `*`).
 */
export function globMatch(pattern: string, name: string): boolean {
  let p = 0;
  let n = 0;
  let starP = -1;
  let starN = 0;
  while (n < name.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = p++;
      starN = n;
      continue;
    }
    if (c !== undefined) {
      const step = matchOne(pattern, p, name[n] ?? '');
      if (step > 0) {
        p += step;
        n++;
        continue;
      }
    }
    if (starP === -1) return false;
    // Let the last `*` take one more character and retry from after it.
    p = starP + 1;
    n = ++starN;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Length of the pattern element at `p` when it matches `ch`, else 0. */
function matchOne(pattern: string, p: number, ch: string): number {
  const c = pattern[p];
  if (c === '?') return 1;
  if (c !== '[') return c === ch ? 1 : 0;
  const cls = readClass(pattern, p);
  if (!cls) return ch === '[' ? 1 : 0;
  return cls.matches(ch) ? cls.length : 0;
}

/** A `[...]` class at `p`: how long it is and what it matches; undefined when unclosed. */
function readClass(pattern: string, p: number): { length: number; matches(ch: string): boolean } | undefined {
  let i = p + 1;
  const negated = pattern[i] === '!' || pattern[i] === '^';
  if (negated) i++;
  const ranges: [string, string][] = [];
  // A `]` right after `[` or `[!` is a member, not the end.
  let first = true;
  for (; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === ']' && !first) {
      return {
        length: i - p + 1,
        matches: (ch) => ranges.some(([lo, hi]) => ch >= lo && ch <= hi) !== negated,
      };
    }
    first = false;
    const hi = pattern[i + 2];
    if (pattern[i + 1] === '-' && hi !== undefined && hi !== ']') {
      ranges.push([c, hi]);
      i += 2;
    } else ranges.push([c, c]);
  }
  return undefined;
}
