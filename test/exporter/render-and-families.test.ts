import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { MetricFamily } from '../../common/metrics/family.js';
import { resolveOptions } from '../../exporter/core/cli.js';
import { SNAPSHOT_VERSION, type Snapshot } from '../../common/snapshot.js';
import { ipvsFamilies } from '../../exporter/ipvs/families.js';
import { parseIpVs } from '../../common/ipvs/parse-ip-vs.js';
import { parseIpvsadmThresholds } from '../../common/ipvs/parse-ipvsadm.js';
import { renderExposition } from '../../exporter/outputs/prometheus/render.js';
import { selfModule } from '../../exporter/self/module.js';
import { checkMetrics } from '../support/promtool.js';
import { IPVSADM_FIXTURES, T1, find, parseExposition } from './helpers.js';

const base = { unit: '1', otelName: null, influx: null } as const;

describe('Prometheus rendering through prom-client', () => {
  it('escapes label values and keeps label sets apart per family', async () => {
    const shared = ['a"b', 'back\\slash', 'new\nline'];
    const families: MetricFamily[] = [
      {
        ...base,
        name: 'x_one',
        help: 'first',
        type: 'gauge',
        labelNames: ['p', 'q', 'r'],
        samples: [{ labels: shared, value: 1.5 }],
      },
      // The same label array under other names must not reuse the first family's rendering.
      {
        ...base,
        name: 'x_two_total',
        help: 'second',
        type: 'counter',
        labelNames: ['u', 'v', 'w'],
        samples: [{ labels: shared, value: 2 }],
      },
      { ...base, name: 'x_empty', help: 'no samples', type: 'gauge', labelNames: [], samples: [] },
      {
        ...base,
        name: 'x_plain',
        help: 'no labels',
        type: 'gauge',
        labelNames: [],
        samples: [{ labels: [], value: 1e21 }],
      },
    ];
    const text = await renderExposition(families);
    const { samples, meta } = parseExposition(text);
    expect(samples).toEqual([
      { name: 'x_one', labels: { p: 'a"b', q: 'back\\slash', r: 'new\nline' }, value: 1.5 },
      { name: 'x_two_total', labels: { u: 'a"b', v: 'back\\slash', w: 'new\nline' }, value: 2 },
      { name: 'x_plain', labels: {}, value: 1e21 },
    ]);
    expect(meta.has('x_empty')).toBe(false);
    expect(meta.get('x_two_total')).toEqual({ help: 'second', type: 'counter' });
    expect((await checkMetrics(text)).code).toBe(0);
  });

  it('refuses one family name declared twice', async () => {
    const family: MetricFamily = {
      ...base,
      name: 'dup',
      help: 'h',
      type: 'gauge',
      labelNames: [],
      samples: [{ labels: [], value: 1 }],
    };
    await expect(renderExposition([family, family])).rejects.toThrow(/already been registered/);
  });
});

describe('lvscope IPVS families', () => {
  const procText = readFileSync(join(T1, 'net/ip_vs'), 'latin1');
  /** /proc/net/ip_vs read as the ip_vs source reads it with --collector.ipvs.hz=HZ. */
  const tableAt = (hz: number) => parseIpVs(procText, { hz }).value;
  const table = tableAt(250);

  it('without ipvsadm, turns /proc persistence ticks into seconds with --collector.ipvs.hz', () => {
    const at = (hz: number) =>
      ipvsFamilies({ table: tableAt(hz) })
        .find((f) => f.name === 'ipvs_service_persistence_timeout_seconds')!
        .samples.map((s) => [s.labels[1] || s.labels[3], s.value]);
    expect(at(250)).toEqual([
      ['2001:db8:f::10', 120],
      ['192.0.2.11', 300],
      ['00000001', 60],
    ]);
    expect(at(1000)[1]).toEqual(['192.0.2.11', 75]);
  });

  it("prefers ipvsadm's seconds and adds its scheduler flags to the info labels", () => {
    const ipvsadmThresholds = parseIpvsadmThresholds(
      readFileSync(join(IPVSADM_FIXTURES, 'kernel-6.1-t1/ipvsadm-Ln--thresholds.txt'), 'latin1'),
    ).value;
    // At HZ=1000 /proc's 75000 ticks would read as 75 s: ipvsadm's 300 s wins.
    const families = ipvsFamilies({ table: tableAt(1000), ipvsadmThresholds });
    const info = families.find((f) => f.name === 'ipvs_service_info')!;
    const of = (address: string) => info.samples.find((s) => s.labels[1] === address)!.labels.slice(4);
    expect(of('192.0.2.11')).toEqual(['rr', '', '300', '255.255.255.255']);
    expect(of('192.0.2.60')).toEqual(['sh', 'sh-fallback,sh-port', '', '']);
    // `ops` is in both /proc and ipvsadm: the union keeps it once.
    expect(of('192.0.2.41')).toEqual(['sh', 'ops', '', '']);
  });

  it('merges an IPv4 and an IPv6 firewall-mark service with the same mark into one series', () => {
    const header = 'IP Virtual Server version 1.2.1 (size=4096)\n';
    const text = `${header}FWM  00000006 rr\n  -> C6120402:0000 Route 3 1 2\nFWM  00000006 rr\n  -> [2001:0db8:0003:0000:0000:0000:0000:0002]:0000 Route 1 4 5\n`;
    const families = ipvsFamilies({ table: parseIpVs(text, { hz: 250 }).value });
    const info = families.find((f) => f.name === 'ipvs_service_info')!;
    expect(info.samples).toHaveLength(1);
    expect(families.find((f) => f.name === 'ipvs_destination_weight')!.samples.map((s) => s.value)).toEqual([
      3, 1,
    ]);
  });

  it('declares OTel names and InfluxDB fields for every lvscope family, none for node_exporter aliases', () => {
    const families = ipvsFamilies({ table });
    for (const family of families) {
      expect(family.otelName, family.name).toMatch(/^ipvs\.[a-z_.]+$/);
      expect(family.influx?.measurement, family.name).toMatch(/^ipvs_/);
      expect(family.labelNames.slice(0, 4), family.name).toEqual([
        'proto',
        'local_address',
        'local_port',
        'local_mark',
      ]);
    }
  });
});

describe('self-metrics', () => {
  const options = resolveOptions(new Command(), selfModule.options);
  const snapshot = (parseErrors: number): Snapshot => ({
    version: SNAPSHOT_VERSION,
    ipvs: {},
    keepalived: { daemons: [] },
    vrrpWire: { captures: [] },
    takenAtMs: 0,
    durationSeconds: 0.25,
    sources: [{ source: 'ip_vs', up: true, durationSeconds: 0.01, parseErrors }],
  });

  it('counts parse errors over the process, each collection once however often it is rendered', async () => {
    const first = snapshot(2);
    const render = async (s: Snapshot) =>
      parseExposition(await renderExposition(selfModule.families!(s, options))).samples;
    const errors = async (s: Snapshot) =>
      find(await render(s), 'lvscope_source_parse_errors_total', { source: 'ip_vs' })?.value;
    const before = (await errors(first))! - 2;
    expect(await errors(first)).toBe(before + 2);
    expect(await errors(snapshot(3))).toBe(before + 5);
    const samples = await render(first);
    expect(find(samples, 'lvscope_collection_duration_seconds', {})?.value).toBe(0.25);
    expect(find(samples, 'lvscope_build_info', {})?.labels.nodejs_version).toBe(process.versions.node);
  });
});
