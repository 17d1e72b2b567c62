import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIpVsStats, parseIpVsStatsPerCpu } from '../../../common/ipvs/parse-ip-vs-stats.js';
import { PROCFS, T1 } from '../../exporter/helpers.js';

const read = (path: string) => readFileSync(path, 'latin1');

describe('/proc/net/ip_vs_stats', () => {
  it('reads totals and the rate block of the 6.1 capture', () => {
    expect(parseIpVsStats(read(join(T1, 'net/ip_vs_stats')))).toEqual({
      value: {
        totals: { conns: 0x1b3, inPackets: 0xaa1, outPackets: 0x770, inBytes: 0x25128, outBytes: 0x2b4a4 },
        rates: { cps: 4, inPps: 0x11, outPps: 0xc, inBps: 0x3b7, outBps: 0x432 },
      },
      issues: [],
    });
  });

  it("decodes procfs' fixture to the values its MANIFEST states", () => {
    const { value } = parseIpVsStats(read(join(PROCFS, 'procfs/net/ip_vs_stats')));
    expect(value?.totals).toEqual({
      conns: 23765872,
      inPackets: 3811989221,
      outPackets: 0,
      inBytes: 89991519156915,
      outBytes: 0,
    });
    expect(value?.rates).toEqual({ cps: 4, inPps: 0x1fb3c, outPps: 0, inBps: 0x1282a8f, outBps: 0 });
  });

  it('reads 2.4-era byte counters printed as two concatenated 32-bit halves', () => {
    const text =
      '   Total Incoming Outgoing         Incoming         Outgoing\n   Conns  Packets  Packets            Bytes            Bytes\n       1        2        3 0000000100000000 0000000000000005\n\n Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s\n       0        0        0                0                0\n';
    expect(parseIpVsStats(text).value?.totals).toEqual({
      conns: 1,
      inPackets: 2,
      outPackets: 3,
      inBytes: 2 ** 32,
      outBytes: 5,
    });
  });

  it('keeps the totals when the rate row is damaged, reporting line and column', () => {
    const lines = read(join(T1, 'net/ip_vs_stats')).split('\n');
    lines[5] = lines[5]!.replace('3B7', '3Q7');
    const { value, issues } = parseIpVsStats(lines.join('\n'));
    expect(value).toBeUndefined();
    expect(issues[0]).toEqual({ line: 6, field: 'InBytes', message: '"3Q7" is not hex' });
  });

  it('is down (no value) on an empty file', () => {
    expect(parseIpVsStats('').value).toBeUndefined();
  });
});

describe('/proc/net/ip_vs_stats_percpu', () => {
  const perCpu = parseIpVsStatsPerCpu(read(join(T1, 'net/ip_vs_stats_percpu')));
  const totals = parseIpVsStats(read(join(T1, 'net/ip_vs_stats'))).value!.totals;

  it('reads one row per CPU of the 2-vCPU guest', () => {
    expect(perCpu.issues).toEqual([]);
    expect(perCpu.value.cpus.map((c) => c.cpu)).toEqual(['0', '1']);
    expect(perCpu.value.cpus[0]?.totals).toEqual({
      conns: 0xdd,
      inPackets: 0x564,
      outPackets: 0x3c0,
      inBytes: 0x12cea,
      outBytes: 0x15ac2,
    });
  });

  // The CPU rows are the live per-CPU counters; ip_vs_stats (and the `~` row) show the totals the
  // rate estimator last summed, every 2 s. In this capture the CPU rows are ahead by a few units.
  it('CPU rows add up to at least the estimator-summed ip_vs_stats totals', () => {
    const sum = (key: keyof typeof totals) => perCpu.value.cpus.reduce((acc, c) => acc + c.totals[key], 0);
    const ahead = Object.fromEntries(
      (Object.keys(totals) as (keyof typeof totals)[]).map((key) => [key, sum(key) - totals[key]]),
    );
    expect(ahead).toEqual({ conns: 1, inPackets: 7, outPackets: 5, inBytes: 390, outBytes: 479 });
  });

  it('reads CPU numbers as the kernel prints them (%3X)', () => {
    const text =
      'CPU    Conns  Packets  Packets            Bytes            Bytes\n  A        1        2        3                4                5\n  ~        1        2        3                4                5\n';
    expect(parseIpVsStatsPerCpu(text).value.cpus.map((c) => c.cpu)).toEqual(['10']);
  });

  it('skips a damaged CPU row and keeps the others', () => {
    const text = read(join(T1, 'net/ip_vs_stats_percpu')).replace('  0       DD', '  0       DX');
    const { value, issues } = parseIpVsStatsPerCpu(text);
    expect(value.cpus.map((c) => c.cpu)).toEqual(['1']);
    expect(issues).toEqual([{ line: 3, field: 'Conns', message: '"DX" is not hex' }]);
  });
});
