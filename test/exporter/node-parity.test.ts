/**
 * Parity with the real thing: Debian's prometheus-node-exporter 1.5 and lvs-exporter read the same
 * procfs tree (every tree under fixtures/procfs) and must print identical node_ipvs_* samples,
 * HELP and TYPE, for the default and several reduced --collector.ipvs.backend-labels.
 *
 * One difference is deliberate and asserted exactly, not hidden: prometheus/procfs skips service
 * lines of protocols other than TCP/UDP/FWM (SCTP), so node_exporter files their real servers
 * under the service listed before. For trees with such lines, node_exporter on the original tree
 * is compared with lvs-exporter on a copy without those lines (exactly what procfs reads), and a
 * separate test pins down the difference on the original.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Running, freePort, run, start, tempDir, waitFor } from '../support/process.js';
import { EXPORTER, parseExposition, procfsTrees, seriesKey } from './helpers.js';

const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';
const LABEL_SETS: readonly (string | undefined)[] = [
  undefined,
  'local_address,local_port',
  'local_port',
  '',
  'remote_address,proto',
  'local_mark,proto,local_address',
];

function nodeSamples(text: string): { values: Record<string, number>; meta: string[] } {
  const { samples, meta } = parseExposition(text);
  const values = Object.fromEntries(
    samples
      .filter((s) => s.name.startsWith('node_ipvs_'))
      .map((s) => [seriesKey(s), s.value] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  const metaLines = [...meta]
    .filter(([name]) => name.startsWith('node_ipvs_'))
    .map(([name, m]) => `${name} ${m.type} ${m.help}`)
    .sort();
  return { values, meta: metaLines };
}

/** Service lines procfs skips: anything that is not TCP, UDP, FWM, a destination or a header. */
function skippedByProcfs(line: string): boolean {
  const first = line.trim().split(/\s+/)[0] ?? '';
  return first !== '' && !['TCP', 'UDP', 'FWM', '->', 'IP', 'Prot'].includes(first);
}

const copies = new Map<string, string>();

/** The tree as procfs sees it: a copy without the lines it skips (or the tree itself). */
function asProcfsSeesIt(dir: string): string {
  const lines = readFileSync(join(dir, 'net/ip_vs'), 'latin1').split('\n');
  if (!lines.some(skippedByProcfs)) return dir;
  const known = copies.get(dir);
  if (known) return known;
  const copy = tempDir('procfs-view');
  copies.set(dir, copy);
  mkdirSync(join(copy, 'net'));
  writeFileSync(join(copy, 'net/ip_vs'), lines.filter((line) => !skippedByProcfs(line)).join('\n'));
  if (existsSync(join(dir, 'net/ip_vs_stats')))
    copyFileSync(join(dir, 'net/ip_vs_stats'), join(copy, 'net/ip_vs_stats'));
  return copy;
}

const running: Running[] = [];
afterAll(async () => {
  await Promise.all(running.map((process) => process.stop()));
  for (const copy of copies.values()) rmSync(copy, { recursive: true, force: true });
});

async function scrapeNodeExporter(procfs: string, labelSet: string | undefined): Promise<string> {
  const port = await freePort();
  const node = start(NODE_EXPORTER, [
    `--web.listen-address=127.0.0.1:${port}`,
    `--path.procfs=${procfs}`,
    '--collector.disable-defaults',
    '--collector.ipvs',
    ...(labelSet === undefined ? [] : [`--collector.ipvs.backend-labels=${labelSet}`]),
  ]);
  running.push(node);
  try {
    return await waitFor('node_exporter metrics', 10_000, async () => {
      if (node.child.exitCode !== null) throw new Error(`node_exporter exited: ${node.stderr()}`);
      const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
      return response?.ok ? response.text() : undefined;
    });
  } finally {
    await node.stop();
  }
}

const cases = procfsTrees().flatMap((tree) =>
  LABEL_SETS.map((labels) => [tree.name, labels ?? '(default)', tree.dir, labels] as const),
);

describe('node_exporter 1.5 parity on every procfs tree', () => {
  it('covers the real captures', () => {
    expect(procfsTrees().map((t) => t.name)).toEqual(
      expect.arrayContaining(['kernel-6.1-t1', 'node_exporter', 'procfs']),
    );
  });

  it.each(cases)('%s, backend labels %s', async (_name, _shown, dir, labelSet) => {
    const flag = labelSet === undefined ? [] : [`--collector.ipvs.backend-labels=${labelSet}`];
    const [node, ours] = await Promise.all([
      scrapeNodeExporter(dir, labelSet),
      run(process.execPath, [
        EXPORTER,
        '--once',
        `--path.procfs=${asProcfsSeesIt(dir)}`,
        '--no-collector.ipvs.ipvsadm',
        ...flag,
      ]),
    ]);
    expect(ours.code).toBe(0);
    const theirs = nodeSamples(node);
    const mine = nodeSamples(ours.stdout);
    expect(mine.meta).toEqual(theirs.meta);
    expect(mine.values).toEqual(theirs.values);
    // Without ip_vs_stats both report nothing; with it, both report real series.
    if (existsSync(join(dir, 'net/ip_vs_stats')))
      expect(Object.keys(theirs.values).length).toBeGreaterThan(5);
    else expect(theirs.values).toEqual({});
  });

  it('t1: the SCTP difference is exactly one real server, filed under the IPv6 service by node_exporter', async () => {
    const dir = procfsTrees().find((t) => t.name === 'kernel-6.1-t1')!.dir;
    const [node, ours] = await Promise.all([
      scrapeNodeExporter(dir, undefined),
      run(process.execPath, [EXPORTER, '--once', `--path.procfs=${dir}`, '--no-collector.ipvs.ipvsadm']),
    ]);
    const theirs = nodeSamples(node).values;
    const mine = nodeSamples(ours.stdout).values;
    const weights = (from: Record<string, number>, other: Record<string, number>) =>
      Object.keys(from).filter((k) => !(k in other) && k.startsWith('node_ipvs_backend_weight'));
    const onlyTheirs = weights(theirs, mine);
    const onlyMine = weights(mine, theirs);
    expect(onlyTheirs).toEqual([
      'node_ipvs_backend_weight{local_address="2001:db8:f::10",local_mark="",local_port="80",proto="TCP",remote_address="198.18.4.2",remote_port="3868"}',
    ]);
    expect(onlyMine).toEqual([
      'node_ipvs_backend_weight{local_address="192.0.2.70",local_mark="",local_port="3868",proto="SCTP",remote_address="198.18.4.2",remote_port="3868"}',
    ]);
  });
});
