/**
 * What Grafana would do with the committed dashboards, without Grafana (none can be installed
 * here): the panels and their queries, variables resolved against a real Prometheus the way the
 * Prometheus data source resolves them (label_values() through the series API, query_result()
 * through an instant query printed as `name{k="v",...} value ms` and cut by the variable's regex),
 * the template interpolated, and every query evaluated.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promApi } from '../support/prometheus.js';
import { ROOT } from '../exporter/helpers.js';

export const GRAFANA_DIR = join(ROOT, 'dashboards/grafana');

export interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat?: string;
  readonly instant?: boolean;
  readonly format?: string;
  readonly datasource?: { type?: string; uid?: string };
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly description?: string;
  readonly gridPos: { x: number; y: number; w: number; h: number };
  readonly datasource?: { type?: string; uid?: string };
  readonly targets?: Target[];
  readonly panels?: Panel[];
  readonly fieldConfig?: {
    defaults?: {
      unit?: string;
      mappings?: { type: string; options: Record<string, { text: string; color: string }> }[];
      thresholds?: { steps: { value: number | null; color: string }[] };
      min?: number;
      max?: number;
      decimals?: number;
    };
    overrides?: { matcher: { id: string; options: string }; properties: { id: string; value: unknown }[] }[];
  };
  readonly options?: Record<string, unknown>;
  readonly transformations?: { id: string; options: Record<string, unknown> }[];
}

export interface Variable {
  readonly type: string;
  readonly name: string;
  readonly query?: string;
  readonly regex?: string;
  readonly multi?: boolean;
  readonly includeAll?: boolean;
  readonly allValue?: string;
  readonly datasource?: { type?: string; uid?: string };
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly description?: string;
  readonly tags?: string[];
  readonly panels: Panel[];
  readonly templating: { list: Variable[] };
  readonly links?: { type: string; tags?: string[]; includeVars?: boolean }[];
}

/** The committed dashboards by file name. */
export function loadDashboards(): Map<string, Dashboard> {
  const boards = new Map<string, Dashboard>();
  for (const file of readdirSync(GRAFANA_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort())
    boards.set(file, JSON.parse(readFileSync(join(GRAFANA_DIR, file), 'utf8')) as Dashboard);
  return boards;
}

/** Every panel, those inside rows included, rows themselves left out. */
export function panelsOf(board: Dashboard): Panel[] {
  return board.panels.flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]));
}

/** Values a variable is set to: one value, or several (multi-value, or "All"). */
export type Values = Readonly<Record<string, string | readonly string[]>>;

/** Grafana's built-in interval variables, as a test run of a few seconds has them. */
const BUILTINS: Readonly<Record<string, string>> = {
  __rate_interval: '1m',
  __interval: '15s',
  __range: '1h',
};

/** Regex-escapes a value the way Grafana's Prometheus data source does for multi-value variables. */
function regexEscape(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, '\\$&');
}

/**
 * Grafana's template interpolation: `$name`, `${name}`, `${name:raw}` and `[[name]]` of known
 * variables; a multi-value one becomes `(a|b)` (regex-escaped), `${name:raw}` the values joined
 * by commas. Unknown names (`$1` in label_replace) are left as they are.
 */
export function interpolate(text: string, values: Values): string {
  const all: Record<string, string | readonly string[]> = { ...BUILTINS, ...values };
  return text.replace(
    /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}/g,
    (whole, plain?: string, bracket?: string, bracketFormat?: string, braced?: string, format?: string) => {
      const name = plain ?? bracket ?? braced ?? '';
      const value = all[name];
      if (value === undefined) return whole;
      const fmt = format ?? bracketFormat;
      if (typeof value === 'string') return value;
      if (fmt === 'raw') return value.join(',');
      return value.length === 1 ? regexEscape(value[0] ?? '') : `(${value.map(regexEscape).join('|')})`;
    },
  );
}

export interface Option {
  readonly value: string;
  readonly text: string;
}

interface VectorResult {
  readonly resultType: string;
  readonly result: { metric: Record<string, string>; value: [number, string] }[];
}

/** An instant query; throws with Prometheus's error. */
export async function instant(url: string, expr: string): Promise<VectorResult['result']> {
  const answer = await promApi<VectorResult>(url, '/api/v1/query', { query: expr });
  if (answer.status !== 'success' || !answer.data)
    throw new Error(`${expr}: ${answer.error ?? answer.httpStatus}`);
  return answer.data.result;
}

/** The options a query variable offers, resolved as Grafana's Prometheus data source does. */
export async function variableOptions(url: string, variable: Variable, values: Values): Promise<Option[]> {
  const query = interpolate(variable.query ?? '', values);
  let texts: string[];
  const labelValues = /^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$/.exec(query);
  const queryResult = /^query_result\((.+)\)\s*$/.exec(query);
  if (labelValues) {
    const [, match, label] = labelValues;
    const answer = await promApi<Record<string, string>[]>(url, '/api/v1/series', { 'match[]': match ?? '' });
    if (answer.status !== 'success') throw new Error(`${query}: ${answer.error}`);
    texts = [
      ...new Set((answer.data ?? []).map((series) => series[label ?? ''] ?? '').filter((v) => v !== '')),
    ];
  } else if (queryResult) {
    // public/app/plugins/datasource/prometheus/metric_find_query.ts, queryResultQuery()
    texts = (await instant(url, queryResult[1] ?? '')).map(({ metric, value }) => {
      const { __name__: name = '', ...labels } = metric;
      const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      return `${name}{${pairs.join(',')}} ${value[1]} ${value[0] * 1000}`;
    });
  } else {
    throw new Error(`variable ${variable.name}: unsupported query ${query}`);
  }
  const regex = variable.regex ? /^\/(.*)\/([gimsuy]*)$/.exec(variable.regex) : null;
  const pattern = regex ? new RegExp(regex[1] ?? '', regex[2]) : undefined;
  const options: Option[] = [];
  for (const text of texts) {
    if (!pattern) {
      options.push({ value: text, text });
      continue;
    }
    const match = pattern.exec(text);
    if (!match) continue;
    const value = match.groups?.value ?? match.groups?.text ?? match[1] ?? match[0];
    options.push({ value, text: match.groups?.text ?? value });
  }
  return options.sort((a, b) => a.text.localeCompare(b.text, undefined, { numeric: true }));
}

/**
 * Sets the dashboard's variables as a user would: `picks` gives a value by its displayed text
 * (or `*` for All), checked against the options the variable's query offers right now, in the
 * variables' order so a later variable's query sees the earlier ones.
 */
export async function setVariables(
  url: string,
  board: Dashboard,
  picks: Readonly<Record<string, string | readonly string[]>>,
): Promise<{ values: Values; options: Record<string, Option[]> }> {
  const values: Record<string, string | readonly string[]> = {};
  const offered: Record<string, Option[]> = {};
  for (const variable of board.templating.list) {
    if (variable.type === 'datasource') {
      values[variable.name] = 'prometheus';
      continue;
    }
    const options = await variableOptions(url, variable, values);
    offered[variable.name] = options;
    const pick = picks[variable.name];
    if (pick === undefined) throw new Error(`${board.uid}: no value picked for $${variable.name}`);
    if (pick === '*') {
      if (!variable.includeAll) throw new Error(`${board.uid}: $${variable.name} has no All`);
      values[variable.name] = variable.allValue ?? options.map((o) => o.value);
      continue;
    }
    const wanted = typeof pick === 'string' ? [pick] : pick;
    const chosen = wanted.map((text) => {
      const option = options.find((o) => o.text === text);
      if (!option)
        throw new Error(
          `${board.uid}: $${variable.name} offers no "${text}" (offers ${options.map((o) => o.text).join(', ')})`,
        );
      return option.value;
    });
    values[variable.name] = variable.multi ? chosen : (chosen[0] ?? '');
  }
  return { values, options: offered };
}

/**
 * The vector selectors of an expression (`name{...}` or a bare name, recording rules included),
 * skipping functions, keywords, label names in by/on/without lists, strings and numbers.
 */
export function selectors(expr: string): string[] {
  const found: string[] = [];
  const keywords = new Set([
    'and',
    'or',
    'unless',
    'bool',
    'offset',
    'by',
    'without',
    'on',
    'ignoring',
    'group_left',
    'group_right',
    'inf',
    'nan',
  ]);
  const lists = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
  // Aggregation operators may take `by (...)` before their parenthesis.
  const aggregations = new Set([
    'sum',
    'min',
    'max',
    'avg',
    'group',
    'stddev',
    'stdvar',
    'count',
    'count_values',
    'bottomk',
    'topk',
    'quantile',
  ]);
  let i = 0;
  let listNext = false;
  const skipString = (at: number): number => {
    const quote = expr[at];
    let j = at + 1;
    while (j < expr.length && expr[j] !== quote) j += expr[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  const close = (at: number, closer: string): number => {
    let j = at + 1;
    while (j < expr.length && expr[j] !== closer) j = expr[j] === '"' ? skipString(j) : j + 1;
    return j + 1;
  };
  while (i < expr.length) {
    const c = expr[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' && listNext) {
      listNext = false;
      i = close(i, ')');
      continue;
    }
    listNext = false;
    if (c === '"' || c === "'") i = skipString(i);
    else if (c === '[') i = close(i, ']');
    else if (c === '{') i = close(i, '}');
    else if (c === '$') i += 1 + (/^\{[^}]*\}|^\w*/.exec(expr.slice(i + 1))?.[0].length ?? 0);
    else if (/[0-9.]/.test(c)) i += /^[0-9a-zA-Z._]+/.exec(expr.slice(i))?.[0].length ?? 1;
    else if (/[a-zA-Z_:]/.test(c)) {
      const word = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))?.[0] ?? c;
      const start = i;
      i += word.length;
      const rest = expr.slice(i);
      const next = /^\s*(.?)/.exec(rest)?.[1] ?? '';
      if (lists.has(word)) listNext = true;
      else if (keywords.has(word.toLowerCase()) || aggregations.has(word) || next === '(') continue;
      else if (rest.startsWith('{')) {
        const end = close(i, '}');
        found.push(expr.slice(start, end));
        i = end;
      } else found.push(word);
    } else i++;
  }
  return found;
}

export interface TargetResult {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly series: number;
  /** Series with a finite value (not NaN, not ±Inf). */
  readonly finite: number;
  /** Selectors of the expression (ALERTS aside) that select nothing. */
  readonly emptySelectors: string[];
  /** The series returned: labels and value. */
  readonly samples: { metric: Record<string, string>; value: number }[];
  readonly error?: string;
}

/** Evaluates every query of every panel with the variables set; one result per query. */
export async function evaluatePanels(url: string, board: Dashboard, values: Values): Promise<TargetResult[]> {
  const results: TargetResult[] = [];
  for (const panel of panelsOf(board)) {
    for (const target of panel.targets ?? []) {
      const expr = interpolate(target.expr, values);
      try {
        const result = await instant(url, expr);
        const emptySelectors: string[] = [];
        for (const selector of selectors(expr)) {
          if (selector.startsWith('ALERTS')) continue;
          if ((await instant(url, `count(${selector})`)).length === 0) emptySelectors.push(selector);
        }
        results.push({
          panel: panel.title,
          refId: target.refId,
          expr,
          series: result.length,
          finite: result.filter(({ value }) => Number.isFinite(Number(value[1]))).length,
          emptySelectors,
          samples: result.map(({ metric, value }) => ({ metric, value: Number(value[1]) })),
        });
      } catch (error) {
        results.push({
          panel: panel.title,
          refId: target.refId,
          expr,
          series: 0,
          finite: 0,
          emptySelectors: [],
          samples: [],
          error: (error as Error).message,
        });
      }
    }
  }
  return results;
}

/** A query passes when it returns series with a finite value and each of its selectors selects something. */
export function passes(result: TargetResult): boolean {
  return result.error === undefined && result.finite > 0 && result.emptySelectors.length === 0;
}
