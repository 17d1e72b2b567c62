/**
 * The name mapping of the catalog and of the real families (IPVS and keepalived modules on the
 * committed fixtures): every label has an attribute rule, OTel names and InfluxDB fields are well
 * formed and unique, so no two families can overwrite each other in a push backend, and the
 * README's table is the catalog's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { CATALOG, familySpec } from '../../common/metrics/catalog/index.js';
import type { FamilySpec, MetricFamily } from '../../common/metrics/family.js';
import { collectFamilies } from '../../exporter/tools/collect-families.js';
import { familyTable, unmappedLabels } from '../../exporter/tools/mapping-doc.js';
import { IPVSADM_FIXTURES, REPLAY } from '../exporter/helpers.js';

// The ipvsadm stand-in prints the real ipvsadm output recorded on the same kernel.
process.env.IPVSADM_REPLAY_DIR = `${IPVSADM_FIXTURES}/kernel-6.1-t1`;

const RUNS: Record<string, string[]> = {
  'kernel 6.1 capture with ipvsadm recordings, connection table and checker dump': [
    '--path.procfs=fixtures/procfs/kernel-6.1-t1',
    `--ipvsadm.path=${REPLAY}`,
    '--collector.ipvs.conn',
    '--collector.ipvs.conn.top-clients=3',
    '--keepalived.json-file=fixtures/keepalived/2.2.7-vrrp/steady-a-master.json',
    '--keepalived.check-data-file=fixtures/keepalived/2.2.7-checker/keepalived_check.data',
  ],
  'MySQL pool with json_version 2 and text dumps': [
    '--path.procfs=fixtures/procfs/mysql',
    '--collector.ipvs.conn',
    '--no-collector.ipvs.ipvsadm',
    '--keepalived.json-file=fixtures/keepalived/derived/json-v2-steady-a-master.json',
  ],
  'text data and stats dumps': [
    '--path.procfs=fixtures/procfs/procfs',
    '--no-collector.ipvs.ipvsadm',
    '--keepalived.data-file=fixtures/keepalived/2.2.7-vrrp/steady-a-master.data',
    '--keepalived.stats-file=fixtures/keepalived/2.2.7-vrrp/steady-a-master.stats',
  ],
};

const collected = new Map<string, MetricFamily[]>();
async function families(run: string): Promise<MetricFamily[]> {
  let list = collected.get(run);
  if (!list) collected.set(run, (list = await collectFamilies(RUNS[run] ?? [])));
  return list;
}

/** OTel names dotted and unique with a unit; InfluxDB measurement.field well formed and unique. */
function expectPushNamesSound(families: readonly FamilySpec[]): void {
  const pushed = families.filter((family) => family.otelName !== null);
  for (const family of pushed) {
    expect(family.otelName, family.name).toMatch(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/);
    expect(family.unit, family.name).not.toBe('');
    expect(family.influx, family.name).not.toBeNull();
    expect(`${family.influx?.measurement}.${family.influx?.field}`, family.name).toMatch(
      /^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/,
    );
  }
  const otelNames = pushed.map((family) => family.otelName);
  expect(otelNames.filter((name, index) => otelNames.indexOf(name) !== index)).toEqual([]);
  const fields = pushed.map((family) => `${family.influx?.measurement}.${family.influx?.field}`);
  expect(fields.filter((field, index) => fields.indexOf(field) !== index)).toEqual([]);
}

describe.each(Object.keys(RUNS))('%s', (run) => {
  test('yields IPVS and keepalived families of the catalog, every label mapped to an attribute', async () => {
    const list = await families(run);
    if (run.includes('ipvsadm'))
      expect(list.some((family) => family.name === 'ipvs_service_connections_total')).toBe(true);
    expect(list.some((family) => family.otelName?.startsWith('ipvs.'))).toBe(true);
    expect(list.some((family) => family.otelName?.startsWith('keepalived.'))).toBe(true);
    // test/metrics/catalog.test.ts compares them with their specs field by field.
    expect(list.filter((family) => !familySpec(family.name)).map((family) => family.name)).toEqual([]);
    expect(unmappedLabels(list)).toEqual([]);
  });

  test('OTel names dotted and unique with a unit; InfluxDB measurement.field unique', async () => {
    expectPushNamesSound(await families(run));
  });
});

describe('the catalog', () => {
  test('every label, optional ones included, is mapped to an attribute', () => {
    expect(unmappedLabels(CATALOG)).toEqual([]);
  });

  test('OTel names dotted and unique with a unit; InfluxDB measurement.field unique', () => {
    expectPushNamesSound(CATALOG);
  });

  test('the family table lists aliases as not pushed, optional labels in brackets', () => {
    const table = familyTable(CATALOG);
    expect(table).toMatch(/\| `node_ipvs_backend_weight` \| gauge \| — \(alias\) \|/);
    expect(table).toMatch(
      /\| `ipvs_destination_weight` \| gauge \| `ipvs\.destination\.connection\.weight` \|/,
    );
    expect(table).toContain('| `keepalived_up` | gauge | — (alias) | `1` | — | [`daemon`] |');
  });

  test("the README's name mapping is the catalog's table, row for row", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').split('\n');
    const table = familyTable(CATALOG).split('\n');
    const at = readme.indexOf(table[0] ?? '');
    expect(at).toBeGreaterThanOrEqual(0);
    const end = readme.findIndex((line, index) => index > at && !line.startsWith('|'));
    expect(table.length).toBeGreaterThan(100);
    // regenerate: node dist/exporter/tools/name-mapping.js
    expect(readme.slice(at, end)).toEqual(table);
  });
});
