/**
 * Golden test: lvs-exporter --once on node_exporter's own fixture tree must print exactly the
 * node_ipvs_* samples, HELP and TYPE of node_exporter's expected outputs (collector/fixtures/
 * ip_vs_result*.txt), for the default and the reduced backend label sets.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBackendLabels } from '../../exporter/ipvs/node-compat.js';
import { run } from '../support/process.js';
import { EXPORTER, PROCFS, parseExposition, seriesKey } from './helpers.js';

const TREE = join(PROCFS, 'node_exporter');

function nodeView(text: string) {
  const { samples, meta } = parseExposition(text);
  const node = samples.filter((s) => s.name.startsWith('node_ipvs_'));
  return {
    samples: node.map((s) => `${seriesKey(s)} ${s.value}`).sort(),
    meta: [...meta].filter(([name]) => name.startsWith('node_ipvs_')).sort(([a], [b]) => a.localeCompare(b)),
  };
}

describe('node_exporter golden outputs', () => {
  it.each([
    ['default.prom', []],
    ['local_address_local_port.prom', ['--collector.ipvs.backend-labels=local_address,local_port']],
    ['local_port.prom', ['--collector.ipvs.backend-labels=local_port']],
    ['none.prom', ['--collector.ipvs.backend-labels=']],
  ])('%s', async (expectedFile, flags) => {
    const { code, stdout, stderr } = await run(process.execPath, [
      EXPORTER,
      '--once',
      `--path.procfs=${TREE}`,
      '--no-collector.ipvs.ipvsadm',
      ...flags,
    ]);
    expect(stderr).not.toMatch(/level=error/);
    expect(code).toBe(0);
    const expected = nodeView(readFileSync(join(TREE, 'expected', expectedFile), 'utf8'));
    expect(expected.samples.length).toBeGreaterThan(5);
    expect(nodeView(stdout)).toEqual(expected);
  });

  it('sums collapsed backends, weight included (metrics.md: local_port gives 600 and 120)', async () => {
    const { stdout } = await run(process.execPath, [
      EXPORTER,
      '--once',
      `--path.procfs=${TREE}`,
      '--no-collector.ipvs.ipvsadm',
      '--collector.ipvs.backend-labels=local_port',
    ]);
    const weights = parseExposition(stdout).samples.filter((s) => s.name === 'node_ipvs_backend_weight');
    expect(weights.map((s) => [s.labels.local_port, s.value]).sort()).toEqual([
      ['0', 120],
      ['3306', 600],
    ]);
  });

  it('orders labels canonically whatever order the flag lists, and rejects unknown names like node_exporter', async () => {
    expect(parseBackendLabels(['proto', 'local_port', 'proto'])).toEqual(['local_port', 'proto']);
    const { code, stderr } = await run(process.execPath, [
      EXPORTER,
      '--once',
      `--path.procfs=${TREE}`,
      '--collector.ipvs.backend-labels=zone,local_port,bad',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown IPVS backend labels: \\"bad, zone\\"');
  });
});
