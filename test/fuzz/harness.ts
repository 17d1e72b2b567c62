/**
 * Property-based fuzzing of the pure parsers (issue 12 §3): inputs are real fixtures mutated by
 * fast-check (byte flips, truncation, duplicated and dropped lines, numbers no kernel prints,
 * very long lines, binary, unicode), and every output is checked for the same properties:
 * the parser never throws (beyond the error type it documents), answers within a time bound,
 * puts no NaN, Infinity, counter at or beyond 2^64 or giant string into its data, and every issue
 * names its line and field in a short, printable message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { NON_PRINTABLE } from '../../common/parse/printable.js';

/** The repository root, from test/fuzz (vitest) or build/test/fuzz (`npm run fuzz`). */
export const ROOT = ((): string => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'fixtures')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** One parser under fuzz: its seeds (real inputs) and how to run it on bytes. */
export interface FuzzTarget {
  readonly name: string;
  readonly seeds: readonly Buffer[];
  /** Time bound for inputs of this size, when the parser's documented bounds allow more. */
  readonly maxMs?: (bytes: number) => number;
  /** Runs the parser; returns (or resolves with) what it produced, or throws. */
  run(input: Buffer): unknown;
}

/** Reads fixtures (paths below the repository root), each cut to `maxBytes` at a line end. */
export function fixtures(paths: readonly string[], maxBytes = 3072): Buffer[] {
  return paths.map((path) => {
    const bytes = readFileSync(join(ROOT, path));
    if (bytes.length <= maxBytes) return bytes;
    const cut = bytes.lastIndexOf(0x0a, maxBytes);
    return bytes.subarray(0, cut > 0 ? cut + 1 : maxBytes);
  });
}

/** Numbers and tokens no kernel or keepalived prints, to splice over a number of the input. */
const HOSTILE_TOKENS = [
  '-1',
  '-0',
  '0x',
  'NaN',
  'nan',
  'Infinity',
  '-Infinity',
  '1e309',
  '1e-400',
  '1.5',
  '9007199254740993',
  '18446744073709551615',
  '18446744073709551616',
  'FFFFFFFFFFFFFFFF',
  '10000000000000000',
  '9'.repeat(309),
  'F'.repeat(40),
  '65536',
  '4294967296',
  '256',
  '0',
  '',
  '"',
  '\\',
  '{',
  '}',
  '[',
  'null',
  '$A',
  '${A}',
  '~SEQ(i,1,65535)',
  '\r',
  '\t',
  '\u0000',
  '\u001b[31m',
  '\u0007',
  '\u202e',
  '\ud800',
  'é',
  '😀',
];

type Mutation =
  | { readonly kind: 'flip'; readonly at: number; readonly bit: number }
  | { readonly kind: 'truncate'; readonly at: number }
  | { readonly kind: 'duplicate-line'; readonly at: number; readonly times: number }
  | { readonly kind: 'drop-line'; readonly at: number }
  | { readonly kind: 'swap-lines'; readonly at: number; readonly other: number }
  | { readonly kind: 'number'; readonly at: number; readonly token: string }
  | { readonly kind: 'long-line'; readonly at: number; readonly char: string; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly kind: 'unicode'; readonly at: number; readonly text: string };

const position = fc.double({ min: 0, max: 1, noNaN: true });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({
    kind: fc.constant('duplicate-line' as const),
    at: position,
    times: fc.oneof(
      { weight: 9, arbitrary: fc.integer({ min: 1, max: 8 }) },
      fc.integer({ min: 9, max: 200 }),
    ),
  }),
  fc.record({ kind: fc.constant('drop-line' as const), at: position }),
  fc.record({ kind: fc.constant('swap-lines' as const), at: position, other: position }),
  fc.record({
    kind: fc.constant('number' as const),
    at: position,
    token: fc.oneof(
      fc.constantFrom(...HOSTILE_TOKENS),
      fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
      fc.double().map(String),
    ),
  }),
  fc.record({
    kind: fc.constant('long-line' as const),
    at: position,
    char: fc.constantFrom(' ', '\t', 'a', '-', ':', '=', '0', 'F', '<', '{', '$', '\r'),
    // Mostly a few kB (cheap, so a million inputs run in minutes), sometimes past every line bound.
    length: fc.oneof(
      { weight: 19, arbitrary: fc.integer({ min: 100, max: 5000 }) },
      fc.integer({ min: 5000, max: 70_000 }),
    ),
  }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({
    kind: fc.constant('unicode' as const),
    at: position,
    text: fc.string({ unit: 'binary', maxLength: 16 }),
  }),
);

const lineStarts = (bytes: Buffer): number[] => {
  const starts = [0];
  for (let i = bytes.indexOf(0x0a); i !== -1 && i + 1 < bytes.length; i = bytes.indexOf(0x0a, i + 1))
    starts.push(i + 1);
  return starts;
};

function lineAt(bytes: Buffer, at: number): { start: number; end: number } {
  const starts = lineStarts(bytes);
  const index = Math.min(starts.length - 1, Math.floor(at * starts.length));
  const start = starts[index] ?? 0;
  const next = bytes.indexOf(0x0a, start);
  return { start, end: next === -1 ? bytes.length : next + 1 };
}

/** The start and end of the run of digits (decimal or hex) nearest to `at`, if any. */
function numberAt(bytes: Buffer, at: number): { start: number; end: number } | undefined {
  const isDigit = (b: number | undefined) =>
    b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
  for (let i = Math.floor(at * bytes.length); i < bytes.length; i++) {
    if (isDigit(bytes[i])) {
      let start = i;
      while (start > 0 && isDigit(bytes[start - 1])) start--;
      let end = i;
      while (end < bytes.length && isDigit(bytes[end])) end++;
      return { start, end };
    }
  }
  return undefined;
}

export function applyMutation(bytes: Buffer, m: Mutation): Buffer {
  const at = Math.min(bytes.length, Math.floor(m.at * bytes.length));
  switch (m.kind) {
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const copy = Buffer.from(bytes);
      const i = Math.min(copy.length - 1, at);
      copy[i] = (copy[i] ?? 0) ^ (1 << m.bit);
      return copy;
    }
    case 'truncate':
      return bytes.subarray(0, at);
    case 'duplicate-line': {
      const { start, end } = lineAt(bytes, m.at);
      const line = bytes.subarray(start, end);
      return Buffer.concat([
        bytes.subarray(0, end),
        ...Array<Buffer>(m.times).fill(line),
        bytes.subarray(end),
      ]);
    }
    case 'drop-line': {
      const { start, end } = lineAt(bytes, m.at);
      return Buffer.concat([bytes.subarray(0, start), bytes.subarray(end)]);
    }
    case 'swap-lines': {
      const a = lineAt(bytes, Math.min(m.at, m.other));
      const b = lineAt(bytes, Math.max(m.at, m.other));
      if (a.start === b.start || b.start < a.end) return bytes;
      return Buffer.concat([
        bytes.subarray(0, a.start),
        bytes.subarray(b.start, b.end),
        bytes.subarray(a.end, b.start),
        bytes.subarray(a.start, a.end),
        bytes.subarray(b.end),
      ]);
    }
    case 'number': {
      const span = numberAt(bytes, m.at) ?? { start: at, end: at };
      return Buffer.concat([bytes.subarray(0, span.start), Buffer.from(m.token), bytes.subarray(span.end)]);
    }
    case 'long-line':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.char.repeat(m.length)), bytes.subarray(at)]);
    case 'insert':
      return Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
    case 'unicode':
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(m.text, 'utf8'), bytes.subarray(at)]);
  }
}

/** A seed mutated 1-4 times, or (rarely) pure random bytes. */
export function mutatedInput(seeds: readonly Buffer[]): fc.Arbitrary<Buffer> {
  const mutated = fc
    .record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
    })
    .map(({ seed, mutations }) => mutations.reduce(applyMutation, seeds[seed] ?? Buffer.alloc(0)));
  return fc.oneof(
    { weight: 20, arbitrary: mutated },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)) },
  );
}

// ---- Properties ----------------------------------------------------------------------------

/**
 * Time one input may take: far above a real parse (mutations can grow an input to ~2 MB, so
 * the bound grows with its size, linearly, as the parsers must), far below a hang.
 */
export const maxMsFor = (bytes: number): number => 1000 + bytes / 1024;
/** Longest string allowed in parsed data (a 100 kB scheduler name is not data). */
export const MAX_DATA_STRING = 4096;
/** The bounds of common/parse/issue.ts plus the note of a cut (`…[N more chars]`). */
export const MAX_ISSUE_FIELD = 128 + 32;
export const MAX_ISSUE_MESSAGE = 256 + 32;
const COUNTER_LIMIT = 2 ** 64;

interface IssueLike {
  readonly line: unknown;
  readonly field: unknown;
  readonly message: unknown;
}

function isIssue(value: object): value is IssueLike {
  return 'line' in value && 'field' in value && 'message' in value;
}

/** Why an issue breaks the rules, or undefined. */
function issueProblem(issue: IssueLike): string | undefined {
  if (typeof issue.line !== 'number' || !Number.isInteger(issue.line) || issue.line < 0)
    return `issue line ${String(issue.line)} is not a line number`;
  if (typeof issue.field !== 'string' || issue.field === '') return 'issue without a field';
  if (typeof issue.message !== 'string' || issue.message === '') return 'issue without a message';
  if (issue.field.length > MAX_ISSUE_FIELD) return `issue field of ${issue.field.length} chars`;
  if (issue.message.length > MAX_ISSUE_MESSAGE) return `issue message of ${issue.message.length} chars`;
  if (NON_PRINTABLE.test(issue.field) || NON_PRINTABLE.test(issue.message))
    return 'issue quotes non-printable input unescaped';
  return undefined;
}

/**
 * Walks a parser's output: numbers finite and below 2^64 in magnitude, bigints within 64 bits,
 * strings bounded, and every object that looks like an issue well formed. `where` is the path.
 */
export function findProblem(value: unknown, where = 'result', seen = new Set<object>()): string | undefined {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) return `${where} is ${value}`;
      if (Math.abs(value) >= COUNTER_LIMIT) return `${where} is ${value} (beyond 64 bits)`;
      return undefined;
    case 'bigint':
      return value >= 2n ** 64n || value < -(2n ** 63n) ? `${where} is ${value} (beyond 64 bits)` : undefined;
    case 'string':
      return value.length > MAX_DATA_STRING ? `${where} is a string of ${value.length} chars` : undefined;
    case 'object': {
      if (value === null || seen.has(value)) return undefined;
      seen.add(value);
      if (isIssue(value)) {
        const problem = issueProblem(value);
        if (problem) return `${where}: ${problem}`;
        return undefined;
      }
      if (ArrayBuffer.isView(value)) {
        if (value instanceof Uint8Array || value instanceof DataView) return undefined;
        const numbers = value as unknown as ArrayLike<number | bigint>;
        for (let i = 0; i < numbers.length; i++) {
          const problem = findProblem(numbers[i], `${where}[${i}]`, seen);
          if (problem) return problem;
        }
        return undefined;
      }
      const entries: [string, unknown][] =
        value instanceof Map
          ? [...value.entries()].flatMap(([k, v], i): [string, unknown][] => [
              [`${where}.key${i}`, k],
              [`${where}.get(${String(k).slice(0, 20)})`, v],
            ])
          : value instanceof Set
            ? [...value].map((v, i): [string, unknown] => [`${where}.set${i}`, v])
            : Object.entries(value).map(([k, v]): [string, unknown] => [`${where}.${k}`, v]);
      for (const [path, v] of entries) {
        const problem = findProblem(v, path.startsWith(where) ? path : `${where}.${path}`, seen);
        if (problem) return problem;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** Runs a target on one input and checks every property; returns what was wrong, or undefined. */
export async function checkOnce(target: FuzzTarget, input: Buffer): Promise<string | undefined> {
  const started = performance.now();
  let output: unknown;
  try {
    output = await target.run(input);
  } catch (error) {
    return `threw ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 200)}` : String(error)}`;
  }
  const ms = performance.now() - started;
  const bound = (target.maxMs ?? maxMsFor)(input.length);
  if (ms > bound) return `took ${ms.toFixed(0)} ms (bound ${bound.toFixed(0)} ms for ${input.length} bytes)`;
  return findProblem(output);
}

/** The fast-check property of one target: checkOnce finds nothing. */
export function targetProperty(target: FuzzTarget): fc.IAsyncPropertyWithHooks<[Buffer]> {
  return fc.asyncProperty(mutatedInput(target.seeds), async (input) => {
    const problem = await checkOnce(target, input);
    if (problem) throw new Error(problem);
  });
}

/** An input shown safely: escaped and cut (a shrunk counterexample may still be 70 kB). */
export function describeInput(input: Buffer, max = 400): string {
  const text = input.toString('latin1');
  const shown = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return `${input.length} bytes: ${shown}${text.length > max ? ` …[${text.length - max} more]` : ''}`;
}
