/**
 * `--cost-profile FILE`: YAML (or JSON, which YAML reads too) overriding any constant of the cost
 * model, as `key: value` or `key: { value: V, source: "where V comes from" }`. Every problem is
 * reported at once, each naming file:line:key with the expected type and range; unknown keys are
 * refused (a typo must not leave a default silently in force).
 *
 *   t_pkt_us: { value: 0.8, source: "perf on lvs1, 2026-11-20, 1.25 Mpps per core" }
 *   line_rate_gbps: 25
 */
import { readFileSync, statSync } from 'node:fs';
import { isMap, isScalar, LineCounter, type Node as YamlNode, parseDocument, type Pair } from 'yaml';
import { formatIssue, type ParseIssue } from '../../common/parse/issue.js';
import {
  type Constant,
  CONSTANT_KEYS,
  CONSTANT_SPECS,
  type ConstantKey,
  type ConstantSpec,
  type CostProfile,
  DEFAULT_COST_PROFILE,
  type NumberSpec,
} from './profile.js';
import { editDistance } from '../../common/parse/edit-distance.js';

/** A profile is a few dozen lines; anything this big is the wrong file. */
const MAX_FILE_BYTES = 1 << 20;
/** Issues quoted in the error's message; the rest are counted. */
const MAX_ISSUES_SHOWN = 20;
const MAX_QUOTE = 40;

export class CostProfileError extends Error {
  constructor(
    readonly file: string,
    readonly issues: readonly ParseIssue[],
  ) {
    const shown = issues.slice(0, MAX_ISSUES_SHOWN).map((i) => formatIssue(i, file));
    const more = issues.length > MAX_ISSUES_SHOWN ? [`… and ${issues.length - MAX_ISSUES_SHOWN} more`] : [];
    super(`cost profile ${file}:\n  ${[...shown, ...more].join('\n  ')}`);
    this.name = 'CostProfileError';
  }
}

/** A value from the file, quoted for a message: control and non-ASCII bytes escaped, bounded. */
export function quote(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > MAX_QUOTE ? `${text.slice(0, MAX_QUOTE)}…` : text;
  const escaped = cut.replace(/[^\x20-\x7e…]/gu, (c) => {
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
  return typeof value === 'string' ? `"${escaped}"` : escaped;
}

const BY_FILE_KEY = new Map<string, ConstantKey>(CONSTANT_KEYS.map((k) => [CONSTANT_SPECS[k].file, k]));

function unknownKeyMessage(key: string): string {
  let best: { name: string; distance: number } | undefined;
  for (const name of BY_FILE_KEY.keys()) {
    const distance = editDistance(key, name);
    if (!best || distance < best.distance) best = { name, distance };
  }
  const near = best && best.distance <= Math.max(2, Math.floor(key.length / 4));
  return near
    ? `unknown key (did you mean "${best?.name}"?)`
    : 'unknown key (see analyzer/cost-profile.example.yml)';
}

function rangeText(spec: NumberSpec): string {
  const low = spec.minExclusive ? `more than ${spec.min}` : `at least ${spec.min}`;
  return `${low} and at most ${spec.max}`;
}

function expectation(spec: ConstantSpec): string {
  return spec.kind === 'number' ? `expected ${spec.expected}, ${rangeText(spec)}` : 'expected true or false';
}

/** The reason a number does not fit its spec, or undefined. */
function numberProblem(spec: NumberSpec, value: unknown): string | undefined {
  const expected = expectation(spec);
  if (typeof value !== 'number') {
    const what = typeof value === 'string' ? `the text ${quote(value)}` : quote(value);
    return `${expected}; got ${what}`;
  }
  if (!Number.isFinite(value)) return `${expected}; got ${quote(value)}`;
  if (spec.integer && !Number.isInteger(value)) return `${expected}; got ${value}, not a whole number`;
  if (value < spec.min || (spec.minExclusive && value === spec.min) || value > spec.max)
    return `${expected}; got ${value}`;
  return undefined;
}

function valueProblem(spec: ConstantSpec, value: unknown): string | undefined {
  if (spec.kind === 'number') return numberProblem(spec, value);
  return typeof value === 'boolean' ? undefined : `${expectation(spec)}; got ${quote(value)}`;
}

/** Parses a profile's text; `file` names it in errors and in each overridden constant's source. */
export function parseCostProfile(text: string, file: string): CostProfile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const lineOf = (node: YamlNode | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 0);
  if (doc.errors.length > 0) {
    throw new CostProfileError(
      file,
      doc.errors.map((e) => ({
        line: lines.linePos(e.pos[0]).line,
        field: 'yaml',
        message: e.message.split('\n')[0] ?? '',
      })),
    );
  }
  // An empty file keeps every default.
  if (doc.contents === null) return { ...DEFAULT_COST_PROFILE, origin: file };
  if (!isMap(doc.contents)) {
    throw new CostProfileError(file, [
      { line: lineOf(doc.contents), field: 'profile', message: 'expected a mapping of constant: value' },
    ]);
  }
  const issues: ParseIssue[] = [];
  const overrides: Partial<Record<ConstantKey, Constant<number | boolean>>> = {};
  for (const pair of doc.contents.items as Pair<YamlNode | null, YamlNode | null>[]) {
    const keyNode = pair.key;
    const keyText = isScalar(keyNode) ? String(keyNode.value) : '';
    const key = BY_FILE_KEY.get(keyText);
    const field = quote(keyText).slice(1, -1);
    if (!key) {
      issues.push({ line: lineOf(keyNode), field: field || 'key', message: unknownKeyMessage(keyText) });
      continue;
    }
    const read = readConstant(CONSTANT_SPECS[key], pair.value, field, `${file}:${lineOf(keyNode)}`, lineOf);
    if (typeof read === 'string') issues.push({ line: lineOf(pair.value ?? keyNode), field, message: read });
    else if (Array.isArray(read)) issues.push(...read);
    else overrides[key] = read;
  }
  if (issues.length > 0) throw new CostProfileError(file, issues);
  return { ...DEFAULT_COST_PROFILE, ...overrides, origin: file } as CostProfile;
}

/** `V` or `{ value: V, source: TEXT }`; a string or issues when it is neither. */
function readConstant(
  spec: ConstantSpec,
  node: YamlNode | null,
  field: string,
  where: string,
  lineOf: (node: YamlNode | null | undefined) => number,
): Constant<number | boolean> | string | ParseIssue[] {
  if (isScalar(node)) {
    const problem = valueProblem(spec, node.value);
    return problem ?? { value: node.value as number | boolean, source: where };
  }
  if (!isMap(node)) return `${expectation(spec)}, or { value, source }; got ${node ? 'a list' : 'nothing'}`;
  const issues: ParseIssue[] = [];
  let value: number | boolean | undefined;
  let source: string | undefined;
  for (const pair of node.items as Pair<YamlNode | null, YamlNode | null>[]) {
    const inner = isScalar(pair.key) ? String(pair.key.value) : '';
    const at = lineOf(pair.value ?? pair.key);
    if (inner === 'value') {
      const raw = isScalar(pair.value) ? pair.value.value : undefined;
      const problem = valueProblem(spec, raw);
      if (problem) issues.push({ line: at, field: `${field}.value`, message: problem });
      else value = raw as number | boolean;
    } else if (inner === 'source') {
      const raw = isScalar(pair.value) ? pair.value.value : undefined;
      if (typeof raw !== 'string' || raw.trim() === '')
        issues.push({
          line: at,
          field: `${field}.source`,
          message: 'expected text naming where the value comes from',
        });
      else source = raw;
    } else {
      issues.push({
        line: lineOf(pair.key),
        field: `${field}.${quote(inner).slice(1, -1)}`,
        message: 'unknown key (a constant takes only value and source)',
      });
    }
  }
  if (value === undefined && !issues.some((i) => i.field === `${field}.value`))
    issues.push({ line: lineOf(node), field: `${field}.value`, message: 'required: the value' });
  if (issues.length > 0 || value === undefined) return issues;
  return { value, source: source === undefined ? where : `${source} (${where})` };
}

/** Reads and parses a profile file; every failure is a CostProfileError naming the file. */
export function loadCostProfile(file: string): CostProfile {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      throw new CostProfileError(file, [
        {
          line: 0,
          field: 'file',
          message: `${size} bytes: a cost profile is at most ${MAX_FILE_BYTES} bytes`,
        },
      ]);
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CostProfileError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CostProfileError(file, [{ line: 0, field: 'file', message: `cannot read it: ${reason}` }]);
  }
  return parseCostProfile(text, file);
}
