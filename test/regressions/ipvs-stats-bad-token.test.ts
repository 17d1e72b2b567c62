/**
 * Issue 12 §4: one bad token in the totals row of ip_vs_stats removed every node_ipvs_* family,
 * the backend gauges too, although their data comes from the intact ip_vs. Now only the five
 * totals (which come from that row) are missing. Real exporter --once on a copy of the 6.1
 * capture with one hex digit of the totals row corrupted.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPORTER, T1, parseExposition } from '../exporter/helpers.js';
import { run, tempDir } from '../support/process.js';

const dir = tempDir('exits-badstats');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const corrupted = join(dir, 'procfs');
cpSync(T1, corrupted, { recursive: true });
const statsPath = join(corrupted, 'net/ip_vs_stats');
const lines = readFileSync(statsPath, 'latin1').split('\n');
// Line 3 is the totals row: "     1B3      AA1 ..."; "AZ1" is not hex.
expect(lines[2]).toMatch(/\bAA1\b/);
lines[2] = (lines[2] ?? '').replace('AA1', 'AZ1');
writeFileSync(statsPath, lines.join('\n'), 'latin1');

/** node_ipvs_* sample counts by family name. */
async function nodeIpvs(procfs: string): Promise<{ counts: Map<string, number>; stderr: string }> {
  const { code, stdout, stderr } = await run(
    process.execPath,
    [EXPORTER, '--once', `--path.procfs=${procfs}`, '--no-collector.ipvs.ipvsadm'],
    { timeoutMs: 20_000 },
  );
  expect(code, stderr).toBe(0);
  const counts = new Map<string, number>();
  for (const s of parseExposition(stdout).samples) {
    if (s.name.startsWith('node_ipvs_')) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  }
  return { counts, stderr };
}

const TOTALS = [
  'node_ipvs_connections_total',
  'node_ipvs_incoming_bytes_total',
  'node_ipvs_incoming_packets_total',
  'node_ipvs_outgoing_bytes_total',
  'node_ipvs_outgoing_packets_total',
];

describe('a bad token in the ip_vs_stats totals row', () => {
  it('costs only the totals; the backend gauges from ip_vs stay', async () => {
    const intact = await nodeIpvs(T1);
    const broken = await nodeIpvs(corrupted);
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

    for (const name of TOTALS) expect(intact.counts.get(name), name).toBe(1);
    const expected = new Map([...intact.counts].filter(([name]) => !TOTALS.includes(name)));
    expect(expected.get('node_ipvs_backend_weight')).toBeGreaterThan(0);
    expect(broken.counts).toEqual(expected);
    expect(total(broken.counts)).toBe(total(intact.counts) - TOTALS.length);
    expect(broken.stderr).toContain(`${statsPath}:3: InPkts: \\"AZ1\\" is not hex`);
  }, 40_000);
});
