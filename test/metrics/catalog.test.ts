/**
 * The static family catalog (common/metrics/catalog/) against what the exporter emits and what
 * dashboards/ uses: every family every golden case yields is in the catalog as declared, every
 * catalog family is yielded by some case (or is listed below with the input it needs), and every
 * metric name in the alert rules, their tests and any dashboard exists.
 */
import { CAPTURE_FAMILIES } from '../../common/metrics/catalog/capture.js';
import { RECOMMENDATION_FAMILIES } from '../../common/metrics/catalog/recommendation.js';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CATALOG, DOMAINS, familySpec } from '../../common/metrics/catalog/index.js';
import type { FamilySpec, MetricFamily } from '../../common/metrics/family.js';
import { SinkHealthRegistry } from '../../exporter/outputs/health/health.js';
import { collectFamilies } from '../../exporter/tools/collect-families.js';
import { CASES, GOLDEN_DIR } from '../golden/cases.js';
import { ROOT, parseExposition } from '../exporter/helpers.js';

/**
 * Catalog families no golden case yields, with the input they need. The test fails when a case
 * starts yielding one (take it off the list) and when a family is neither yielded nor listed.
 */
const NEEDS_INPUT_THE_FIXTURES_LACK: Readonly<Record<string, string>> = {
  lvscope_keepalived_signal_duration_seconds:
    'a running keepalived to signal (the fixtures are dump files, read without signalling)',
  lvscope_keepalived_track_process_quorum:
    'a json_version 2 dump that tracks processes (no keepalived packaged for Debian 12 writes one)',
  lvscope_keepalived_track_process_count: 'a json_version 2 dump that tracks processes',
  lvscope_keepalived_fifo_open: 'a notify FIFO written by keepalived (--keepalived.notify-fifo)',
  lvscope_keepalived_fifo_lines_total: 'a notify FIFO written by keepalived',
  lvscope_keepalived_fifo_transitions_total: 'a notify FIFO written by keepalived',
  lvscope_keepalived_fifo_state: 'a notify FIFO written by keepalived',
  lvscope_keepalived_fifo_last_transition_timestamp_seconds: 'a notify FIFO written by keepalived',
  lvscope_keepalived_fifo_priority: 'a notify FIFO written by keepalived',
  lvscope_keepalived_vip_present: "keepalived's configuration and the host's addresses (ip -j addr)",
  lvscope_keepalived_vrrp_wire_listener_up: 'a running VRRP capture (tcpdump, --keepalived.vrrp-listen)',
  lvscope_keepalived_vrrp_wire_dropped_total: 'a running VRRP capture',
  lvscope_keepalived_vrrp_wire_advertisers: 'a running VRRP capture',
  lvscope_keepalived_vrrp_wire_priority: 'a running VRRP capture',
  lvscope_keepalived_vrrp_wire_advert_interval_seconds: 'a running VRRP capture',
  lvscope_keepalived_vrrp_wire_addresses: 'a running VRRP capture',
  lvscope_keepalived_vrrp_wire_last_seen_timestamp_seconds: 'a running VRRP capture',
  lvscope_keepalived_vrrp_wire_packets_total: 'a running VRRP capture',
  lvscope_sink_up: 'a running push sink (OTLP or InfluxDB)',
  lvscope_sink_last_success_timestamp_seconds: 'a running push sink',
  lvscope_sink_sent_points_total: 'a running push sink',
  lvscope_sink_dropped_points_total: 'a running push sink',
  lvscope_sink_failures_total: 'a running push sink',
  lvscope_sink_retries_total: 'a running push sink that buffers (InfluxDB)',
  lvscope_sink_buffer_points: 'a running push sink that buffers (InfluxDB)',
  lvscope_sink_buffer_capacity_points: 'a running push sink that buffers (InfluxDB)',
  // test/exporter/capture.test.ts checks these against the catalog on a running recorder.
  ...Object.fromEntries(
    CAPTURE_FAMILIES.map((spec) => [spec.name, 'a running capture recorder (--capture.dir)']),
  ),
  // Not lvs-exporter's: test/dashboards/ feeds a textfile in this format to node_exporter.
  ...Object.fromEntries(
    RECOMMENDATION_FAMILIES.map((spec) => [spec.name, 'written by lvs-analyze recommend --textfile']),
  ),
};

/** Whether `part` is `whole` with some items left out, in `whole`'s order. */
function isSubsequence(part: readonly string[], whole: readonly string[]): boolean {
  let at = 0;
  for (const item of part) {
    at = whole.indexOf(item, at) + 1;
    if (at === 0) return false;
  }
  return true;
}

/**
 * Why a family's declaration differs from its spec ('' when it does not): every field equal, and
 * the labels the spec's, followed by some of its optional labels in their order.
 */
function mismatch(family: FamilySpec): string {
  const spec = familySpec(family.name);
  if (!spec) return 'not in the catalog';
  const fields: string[] = (['help', 'type', 'unit', 'otelName'] as const).filter(
    (key) => family[key] !== spec[key],
  );
  if (JSON.stringify(family.influx) !== JSON.stringify(spec.influx)) fields.push('influx');
  if (fields.length > 0) return `${fields.join(', ')} differ`;
  const labels = family.labelNames;
  const required = spec.labelNames;
  const optional = spec.optionalLabels ?? [];
  if (
    required.some((label, i) => labels[i] !== label) ||
    !isSubsequence(labels.slice(required.length), optional)
  )
    return `labels ${labels.join(',')} are not ${required.join(',')} + some of [${optional.join(',')}]`;
  return '';
}

describe('catalog', () => {
  test('names are unique and well formed; counters end in _total', () => {
    const names = CATALOG.map((spec) => spec.name);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
    for (const spec of CATALOG) {
      expect(spec.name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(spec.name.endsWith('_total'), spec.name).toBe(spec.type === 'counter');
      expect(familySpec(spec.name)).toBe(spec);
      const labels = [...spec.labelNames, ...(spec.optionalLabels ?? [])];
      expect(new Set(labels).size, spec.name).toBe(labels.length);
    }
    expect(familySpec('node_ipvs_no_such_family')).toBeUndefined();
  });

  test('is the domains in order, none empty', () => {
    expect(CATALOG).toEqual(Object.values(DOMAINS).flat());
    for (const [domain, list] of Object.entries(DOMAINS)) expect(list.length, domain).toBeGreaterThan(0);
  });

  test('the mismatch check itself catches a changed field and labels outside the spec', () => {
    const up = familySpec('keepalived_up');
    if (!up) throw new Error('keepalived_up not in the catalog');
    expect(mismatch(up)).toBe('');
    expect(mismatch({ ...up, labelNames: ['daemon'] })).toBe('');
    expect(mismatch({ ...up, labelNames: ['instance'] })).toMatch(/^labels instance are not/);
    expect(mismatch({ ...up, help: 'other' })).toBe('help differ');
    expect(mismatch({ ...up, name: 'keepalived_upp' })).toBe('not in the catalog');
    const weight = familySpec('node_ipvs_backend_weight');
    if (!weight) throw new Error('node_ipvs_backend_weight not in the catalog');
    expect(mismatch({ ...weight, labelNames: ['local_address', 'remote_address'] })).toBe('');
    expect(mismatch({ ...weight, labelNames: ['remote_address', 'local_address'] })).not.toBe('');
  });
});

describe('every golden case (test/golden/cases.ts), collected in-process', () => {
  const byCase = new Map<string, MetricFamily[]>();
  const saved = process.env.IPVSADM_REPLAY_DIR;
  beforeAll(async () => {
    for (const c of CASES) {
      // The ipvsadm stand-in reads its recordings from the environment the exporter passes on.
      delete process.env.IPVSADM_REPLAY_DIR;
      Object.assign(process.env, c.env ?? {});
      byCase.set(c.name, await collectFamilies(c.args));
    }
  }, 120_000);
  afterAll(() => {
    if (saved === undefined) delete process.env.IPVSADM_REPLAY_DIR;
    else process.env.IPVSADM_REPLAY_DIR = saved;
  });

  test('yields only catalog families, as declared (help, type, unit, labels, OTel, InfluxDB)', () => {
    expect(byCase.size).toBe(CASES.length);
    const wrong = new Set<string>();
    for (const [name, families] of byCase) {
      for (const family of families) {
        const why = mismatch(family);
        if (why) wrong.add(`${name}: ${family.name}: ${why}`);
        for (const sample of family.samples) {
          if (sample.labels.length !== family.labelNames.length)
            wrong.add(`${name}: ${family.name}: a sample has ${sample.labels.length} label values`);
        }
      }
    }
    expect([...wrong]).toEqual([]);
  });

  test('together yield every catalog family but those listed as needing other input', () => {
    const yielded = new Set(
      [...byCase.values()].flatMap((families) =>
        families.filter((family) => family.samples.length > 0).map((family) => family.name),
      ),
    );
    const listed = Object.keys(NEEDS_INPUT_THE_FIXTURES_LACK);
    expect({
      'yielded by no case and not listed': CATALOG.map((spec) => spec.name).filter(
        (name) => !yielded.has(name) && !listed.includes(name),
      ),
      'listed but yielded by a case': listed.filter((name) => yielded.has(name)),
      'listed but not in the catalog': listed.filter((name) => !familySpec(name)),
    }).toEqual({
      'yielded by no case and not listed': [],
      'listed but yielded by a case': [],
      'listed but not in the catalog': [],
    });
  });

  test('the optional labels appear as configured: daemon with several daemons, backend subsets', () => {
    const labelsOf = (name: string, family: string) =>
      byCase.get(name)?.find((f) => f.name === family)?.labelNames;
    expect(labelsOf('keepalived-json-steady-a-master', 'keepalived_up')).toEqual([]);
    expect(labelsOf('keepalived-public-daemons', 'keepalived_up')).toEqual(['daemon']);
    expect(labelsOf('keepalived-public-daemons', 'keepalived_vrrp_state')).toEqual([
      'iname',
      'intf',
      'vrid',
      'ip_address',
      'daemon',
    ]);
    expect(labelsOf('mysql-backend-labels', 'node_ipvs_backend_weight')).toEqual([
      'local_address',
      'remote_address',
    ]);
    expect(labelsOf('mysql-proc', 'node_ipvs_backend_weight')).toHaveLength(6);
  });
});

test('the pinned expositions (fixtures/golden/exposition) carry the catalog HELP, TYPE and labels', () => {
  const wrong = new Set<string>();
  for (const c of CASES) {
    // Masked values (stable() in cases.ts) read as 0; build info's masked labels are left out.
    const pinned = readFileSync(join(GOLDEN_DIR, `${c.name}.prom`), 'utf8')
      .split('\n')
      .filter((line) => !line.includes('{…}'))
      .map((line) => line.replace(/ X$/, ' 0'))
      .join('\n');
    const { samples, meta } = parseExposition(pinned);
    expect(meta.size, c.name).toBeGreaterThan(0);
    for (const [name, { help, type }] of meta) {
      const spec = familySpec(name);
      if (!spec) {
        wrong.add(`${c.name}: ${name}: not in the catalog`);
        continue;
      }
      const escaped = spec.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
      if (help !== escaped || type !== spec.type) wrong.add(`${c.name}: ${name}: HELP or TYPE differ`);
      const sample = samples.find((s) => s.name === name);
      const why = sample && mismatch({ ...spec, labelNames: Object.keys(sample.labels) });
      if (why) wrong.add(`${c.name}: ${name}: ${why}`);
    }
  }
  expect([...wrong]).toEqual([]);
});

test('the sink health families with two sinks running are the catalog ones', () => {
  const registry = new SinkHealthRegistry();
  for (const sink of ['otlp', 'influx']) registry.register(sink).bufferFill(0, 0);
  const families = registry.families();
  expect(families.map((family) => family.name)).toEqual(DOMAINS.sinks.map((spec) => spec.name));
  expect(families.map(mismatch).filter(Boolean)).toEqual([]);
});

// ---------------------------------------------------------------------------------------------
// Metric names in dashboards/

/** PromQL words that are neither metric nor function names. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
/** Keywords followed by a parenthesised list of label names. */
const LABEL_LIST = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Aggregation operators, which may be followed by `by (...)` before their parenthesis. */
const AGGREGATIONS = new Set([
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
  'limitk',
  'limit_ratio',
]);
/** Series Prometheus itself writes. */
const BUILTIN_SERIES = new Set(['ALERTS', 'ALERTS_FOR_STATE']);

/** The end of a quoted string starting at `at`. */
function stringEnd(text: string, at: number): number {
  const quote = text[at];
  let i = at + 1;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' && quote !== '`' ? 2 : 1;
  return i + 1;
}

/** The position after the bracket closing the one at `at`, skipping quoted strings. */
function closing(text: string, at: number, close: string): number {
  let i = at + 1;
  while (i < text.length && text[i] !== close) {
    i = text[i] === '"' || text[i] === "'" || text[i] === '`' ? stringEnd(text, i) : i + 1;
  }
  return i + 1;
}

/**
 * Metric names a PromQL expression (or promtool series selector) selects: identifiers that are
 * not functions (followed by `(`), aggregation operators, keywords, label names (in `{...}`,
 * `by (...)`, `on (...)`, ...), numbers or durations, strings, or Grafana `$variables`; plus the
 * names in `__name__="..."` matchers.
 */
function promqlMetricNames(expr: string): string[] {
  const names: string[] = [];
  let labelListNext = false;
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] ?? '';
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' && labelListNext) {
      labelListNext = false;
      i = closing(expr, i, ')');
      continue;
    }
    labelListNext = false;
    if (c === '#') {
      const eol = expr.indexOf('\n', i);
      i = eol < 0 ? expr.length : eol;
    } else if (c === '"' || c === "'" || c === '`') {
      i = stringEnd(expr, i);
    } else if (c === '{') {
      const end = closing(expr, i, '}');
      for (const m of expr.slice(i, end).matchAll(/__name__\s*=\s*["']([a-zA-Z_:][a-zA-Z0-9_:]*)["']/g))
        names.push(m[1] ?? '');
      i = end;
    } else if (c === '[') {
      i = closing(expr, i, ']');
    } else if (c === '$') {
      i =
        expr[i + 1] === '{'
          ? closing(expr, i + 1, '}')
          : i + 1 + (/^\w*/.exec(expr.slice(i + 1))?.[0].length ?? 0);
    } else if (/[0-9.]/.test(c)) {
      i += /^[0-9a-zA-Z._]+/.exec(expr.slice(i))?.[0].length ?? 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const word = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))?.[0] ?? c;
      i += word.length;
      const next = /^\s*(.?)/.exec(expr.slice(i))?.[1] ?? '';
      const lower = word.toLowerCase();
      if (LABEL_LIST.has(lower)) labelListNext = true;
      else if (KEYWORDS.has(lower) || next === '(' || AGGREGATIONS.has(lower)) continue;
      else names.push(word);
    } else {
      i++;
    }
  }
  return names;
}

interface NameUse {
  readonly file: string;
  /** The alert, recording rule, rule test or panel the name is used in. */
  readonly where: string;
  readonly name: string;
}

/**
 * Every metric name a parsed rules, rule-test or dashboard file uses (`expr`, promtool
 * `series`, and `labels` given as a series string), and the recording rules it defines.
 */
function namesIn(file: string, document: unknown): { uses: NameUse[]; records: string[] } {
  const uses: NameUse[] = [];
  const records: string[] = [];
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, where);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const object = node as Record<string, unknown>;
    const here =
      typeof object.alert === 'string'
        ? `alert ${object.alert}`
        : typeof object.record === 'string'
          ? `record ${object.record}`
          : typeof object.title === 'string'
            ? `panel ${object.title}`
            : typeof object.name === 'string'
              ? object.name
              : where;
    if (typeof object.record === 'string') records.push(object.record);
    for (const [key, value] of Object.entries(object)) {
      if (typeof value === 'string' && (key === 'expr' || key === 'series' || key === 'labels')) {
        for (const name of promqlMetricNames(value)) uses.push({ file, where: here, name });
      } else {
        walk(value, here);
      }
    }
  };
  walk(document, '(top level)');
  return { uses, records };
}

/** Uses of names that are neither catalog families, recording rules of `dashboards/` nor built in. */
function unknownNames(files: readonly { file: string; document: unknown }[]): string[] {
  const found = files.map(({ file, document }) => namesIn(file, document));
  const records = new Set(found.flatMap(({ records }) => records));
  return found
    .flatMap(({ uses }) => uses)
    .filter(({ name }) => !familySpec(name) && !records.has(name) && !BUILTIN_SERIES.has(name))
    .map(({ file, where, name }) => `${file}: ${where}: ${name}`);
}

describe('dashboards/ uses only catalog names', () => {
  const dir = join(ROOT, 'dashboards');
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => /\.(ya?ml|json)$/.test(path))
    .sort()
    .map((path) => {
      const text = readFileSync(join(dir, path), 'utf8');
      return {
        file: relative(ROOT, join(dir, path)),
        document: path.endsWith('.json') ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown),
      };
    });

  test('the expression reader finds metric names and nothing else', () => {
    expect(
      promqlMetricNames(
        'sum by (iname, vrid) (rate(foo_total{job="x", __name__!="y"}[5m] offset 1h)) / on(instance) group_left(intf) bar > bool 1e3 and (time() - baz) < 300',
      ),
    ).toEqual(['foo_total', 'bar', 'baz']);
    expect(promqlMetricNames('max(qux) without (daemon) > 0 unless {__name__="quux", a="b"}')).toEqual([
      'qux',
      'quux',
    ]);
    expect(promqlMetricNames('rate(x_total[$__rate_interval]) * ${factor} + job:y:rate5m # z')).toEqual([
      'x_total',
      'job:y:rate5m',
    ]);
    expect(promqlMetricNames('lvscope_keepalived_vip_present{instance="lb1",daemon="keepalived"}')).toEqual([
      'lvscope_keepalived_vip_present',
    ]);
  });

  test('an unknown name is reported with its file, rule and name', () => {
    const rules = parseYaml(
      'groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum(keepalived_up)\n      - alert: A\n        expr: job:up:sum > 0 and keepalived_upp == 0\n',
    ) as unknown;
    expect(unknownNames([{ file: 'dashboards/x.yml', document: rules }])).toEqual([
      'dashboards/x.yml: alert A: keepalived_upp',
    ]);
  });

  test('the alert rules and their tests are read', () => {
    expect(files.map(({ file }) => file)).toEqual(
      expect.arrayContaining([
        'dashboards/alerts/lvscope.rules.yml',
        'dashboards/alerts/lvscope.rules.test.yml',
      ]),
    );
    const used = new Set(
      files.flatMap(({ file, document }) => namesIn(file, document).uses.map((u) => u.name)),
    );
    expect(used).toContain('lvscope_keepalived_vrrp_wire_advertisers');
    expect(used.size).toBeGreaterThanOrEqual(8);
  });

  test('every metric name they use is a catalog family (or a recording rule defined there)', () => {
    expect(unknownNames(files)).toEqual([]);
  });
});
