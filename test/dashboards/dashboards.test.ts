/**
 * The committed monitoring bundle against its sources and its own rules: dashboards/grafana/,
 * dashboards/rules/ and dashboards/alerts/lvscope-ipvs.rules.yml are what `npm run dashboards`
 * writes; each dashboard type-checks against the Grafana Foundation SDK's schema types; and the
 * dashboards follow the conventions (datasource variable, ids, units, descriptions, links,
 * $__rate_interval, catalog names only, a tidy grid).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, test } from 'vitest';
import { familySpec } from '../../common/metrics/catalog/index.js';
import { DEFAULT_CONFIG } from '../../dashboards/src/config.js';
import { generatedFiles } from '../../dashboards/src/generate.js';
import { ROOT } from '../exporter/helpers.js';
import { type Dashboard, GRAFANA_DIR, loadDashboards, panelsOf, selectors } from './grafana-model.js';
import { typeCheckDashboards } from './schema.js';

const boards = loadDashboards();

test('the committed files are what `npm run dashboards` writes (run it after changing dashboards/src/)', async () => {
  const files = await generatedFiles();
  expect(
    files
      .map((f) => f.path)
      .filter((p) => p.startsWith('dashboards/grafana/'))
      .sort(),
  ).toEqual([...boards.keys()].map((name) => `dashboards/grafana/${name}`).sort());
  for (const { path, text } of files) {
    const committed = existsSync(join(ROOT, path)) ? readFileSync(join(ROOT, path), 'utf8') : '(missing)';
    expect(committed === text, `${path} is stale: run npm run dashboards`).toBe(true);
  }
});

test('a different config changes the generated files (the staleness test would notice)', async () => {
  const changed = await generatedFiles({
    ...DEFAULT_CONFIG,
    imbalance: { ...DEFAULT_CONFIG.imbalance, high: 3 },
  });
  const alerts = changed.find((f) => f.path === 'dashboards/alerts/lvscope-ipvs.rules.yml');
  expect(alerts?.text).toContain('ipvs_destination:weight_normalised_load:ratio > 3 or');
  expect(readFileSync(join(ROOT, 'dashboards/alerts/lvscope-ipvs.rules.yml'), 'utf8')).not.toBe(alerts?.text);
});

describe('schema: every dashboard type-checks against the Grafana Foundation SDK types', () => {
  const documents = new Map(
    [...boards.keys()].map((name) => [name, readFileSync(join(GRAFANA_DIR, name), 'utf8')]),
  );
  const base = documents.get('lvscope-ipvs-service.json') ?? '{}';
  const mutate = (
    change: (d: Record<string, unknown> & { panels: Record<string, unknown>[] }) => void,
  ): string => {
    const doc = JSON.parse(base) as Record<string, unknown> & { panels: Record<string, unknown>[] };
    change(doc);
    return JSON.stringify(doc, null, 2);
  };
  const firstOf = (d: { panels: Record<string, unknown>[] }, type: string) => {
    const panel = d.panels.find((p) => p.type === type);
    if (!panel) throw new Error(`no ${type} panel`);
    return panel as Record<string, Record<string, Record<string, unknown>>>;
  };
  const mutants = new Map([
    ['unknown-field', mutate((d) => (firstOf(d, 'timeseries').fieldConfig!.defaults!.colour = 'red'))],
    ['bad-enum', mutate((d) => (firstOf(d, 'timeseries').options!.legend!.displayMode = 'sideways'))],
    ['no-schema-version', mutate((d) => delete d.schemaVersion)],
    [
      'bad-variable-type',
      mutate((d) => ((d.templating as { list: { type: string }[] }).list[1]!.type = 'dropdown')),
    ],
    [
      'bad-target',
      mutate((d) => ((firstOf(d, 'stat').targets as unknown as { expr: unknown }[])[0]!.expr = 42)),
    ],
  ]);
  const checked = typeCheckDashboards(new Map([...documents, ...mutants]));

  test.each([...boards.keys()])('%s', (name) => {
    expect(checked.get(name)).toEqual([]);
  });

  test.each([
    ['unknown-field', /colour.* does not exist/],
    ['bad-enum', /"sideways"/],
    ['no-schema-version', /schemaVersion/],
    ['bad-variable-type', /"dropdown"/],
    ['bad-target', /number.*not assignable to type 'string'/],
  ])('the check catches a broken document (%s)', (name, message) => {
    const errors = checked.get(name) ?? [];
    expect(errors.length, name).toBeGreaterThan(0);
    expect(errors.join('\n')).toMatch(message);
  });
});

/** Recording rules defined in dashboards/rules/. */
const RECORDS = new Set(
  (
    parseYaml(readFileSync(join(ROOT, 'dashboards/rules/lvscope-ipvs.recording.yml'), 'utf8')) as {
      groups: { rules: { record: string }[] }[];
    }
  ).groups.flatMap((g) => g.rules.map((r) => r.record)),
);

function metricNames(expr: string): string[] {
  return selectors(expr).map((s) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(s)?.[0] ?? s);
}

describe.each([...boards.entries()])('%s follows the conventions', (file, board: Dashboard) => {
  const panels = panelsOf(board);
  const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p, target: t })));

  test('uid, title, description, lvscope tag, links to the other lvscope dashboards with variables and time', () => {
    expect(board.uid).toMatch(/^lvscope-[a-z0-9-]+$/);
    expect(board.title).toMatch(/^lvscope \/ /);
    expect(board.description?.length).toBeGreaterThan(40);
    expect(board.tags).toContain('lvscope');
    expect(board.links).toEqual([
      expect.objectContaining({ type: 'dashboards', tags: ['lvscope'], includeVars: true, keepTime: true }),
    ]);
  });

  test('a datasource variable first; every panel and query reads ${datasource}', () => {
    expect(board.templating.list[0]).toMatchObject({
      type: 'datasource',
      name: 'datasource',
      query: 'prometheus',
    });
    for (const variable of board.templating.list.slice(1))
      expect(variable.datasource, variable.name).toEqual({ type: 'prometheus', uid: '${datasource}' });
    for (const { panel, target } of queries) {
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(target.datasource, `${panel.title}/${target.refId}`).toEqual({
        type: 'prometheus',
        uid: '${datasource}',
      });
    }
  });

  test('unique panel ids, refIds A.. per panel, a description and a unit on every panel with queries', () => {
    const ids = board.panels.flatMap((p) => [p.id, ...(p.panels ?? []).map((q) => q.id)]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of panels) {
      const refIds = (panel.targets ?? []).map((t) => t.refId);
      expect(refIds, panel.title).toEqual(refIds.map((_, i) => String.fromCharCode(65 + i)));
      if (panel.type === 'text') continue;
      expect(refIds.length, panel.title).toBeGreaterThan(0);
      expect(panel.description?.length ?? 0, panel.title).toBeGreaterThan(20);
      expect(panel.fieldConfig?.defaults?.unit, panel.title).toMatch(
        /^(none|short|percentunit|s|cps|pps|Bps|decbytes)$/,
      );
    }
    expect(new Set(panels.map((p) => p.title)).size, 'panel titles are unique').toBe(panels.length);
  });

  test('rate() and increase() use $__rate_interval; every variable is used', () => {
    for (const { panel, target } of queries) {
      for (const call of target.expr.matchAll(/\b(rate|increase|irate)\(([^()]|\([^()]*\))*\)/g))
        expect(call[0], panel.title).toMatch(/\[\$__rate_interval\]\)$/);
    }
    const text = JSON.stringify(board.panels) + JSON.stringify(board.templating.list.map((v) => v.query));
    for (const variable of board.templating.list)
      expect(text.includes(`$${variable.name}`) || text.includes(`\${${variable.name}`), variable.name).toBe(
        true,
      );
  });

  test('every metric a query or variable names is a catalog family or a recording rule of dashboards/rules/', () => {
    const exprs = [
      ...queries.map(({ panel, target }) => ({ where: `${panel.title}/${target.refId}`, expr: target.expr })),
      ...board.templating.list.flatMap((v) =>
        v.type === 'query'
          ? [
              {
                where: `$${v.name}`,
                expr: (v.query ?? '')
                  .replace(/^(label_values|query_result)\(/, '(')
                  .replace(/,\s*\w+\)$/, ')'),
              },
            ]
          : [],
      ),
    ];
    const unknown = exprs.flatMap(({ where, expr }) =>
      metricNames(expr)
        .filter((name) => name !== 'ALERTS' && !familySpec(name) && !RECORDS.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
    expect(exprs.flatMap(({ expr }) => metricNames(expr)).length).toBeGreaterThan(5);
  });

  test('the grid: panels inside 24 columns, none overlapping', () => {
    const cells = new Set<string>();
    for (const panel of board.panels.flatMap((p) => [p, ...(p.panels ?? [])])) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let i = x; i < x + w; i++)
        for (let j = y; j < y + h; j++) {
          expect(cells.has(`${i},${j}`), `${panel.title} overlaps at ${i},${j}`).toBe(false);
          cells.add(`${i},${j}`);
        }
    }
  });

  test('its screenshot is committed and shown in the README', () => {
    const png = `dashboards/grafana/screenshots/${file.replace(/\.json$/, '.png')}`;
    expect(existsSync(join(ROOT, png)), png).toBe(true);
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(png);
  });
});
