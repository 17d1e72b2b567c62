/**
 * Known answers on the real-kernel recordings (fixtures/recordings, made in the qemu lab): a NAT
 * service with large responses → DR with the director's bytes saved and the real-server side;
 * a source-hash service with one client sending half the connections → flagged, with the
 * alternative; an already balanced pool → keep; the bundled MySQL pool's baseline as recorded.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../common/package.js';
import type { Recommendation, ServiceRecommendation } from '../../../analyzer/recommend/types.js';
import { run, tempDir } from '../../support/process.js';
import { loadRecording } from '../recordings/fixture.js';

const CLI = join(PACKAGE_ROOT, 'dist/analyzer/main.js');
const recording = (name: string) => join(PACKAGE_ROOT, 'fixtures/recordings', name, 'capture');

async function recommendOn(name: string, pool: string, ...extra: string[]): Promise<Recommendation> {
  const { code, stdout, stderr } = await run(
    process.execPath,
    [CLI, 'recommend', '--format', 'json', '--pool', pool, '--capture', recording(name), ...extra],
    { timeoutMs: 120_000 },
  );
  expect(code, stderr).toBe(0);
  const r = JSON.parse(stdout) as Recommendation;
  expect(r.services).toHaveLength(1);
  return r;
}

const serviceOf = async (name: string, pool: string) =>
  (await recommendOn(name, pool)).services[0] as ServiceRecommendation;

const have = (name: string) => existsSync(CLI) && existsSync(recording(name));

describe('recommend on real-kernel recordings', () => {
  it.runIf(have('mysql'))(
    'the bundled MySQL pool: the replayed baseline carries the recorded concurrency, its pools held as recorded',
    async () => {
      const rec = await loadRecording('mysql', 'mysql');
      const s = await serviceOf('mysql', 'mysql');
      expect(s.baseline.config.scheduler).toBe('wrr');
      for (const server of s.baseline.outcome.servers) {
        const truth = rec.truth.servers[server.server]!;
        const recorded = rec.service.servers.find((x) => x.server.startsWith(`${server.server}:`))!;
        // Mean ActiveConn against the lab's logs, the peak against the recording's.
        expect(Math.abs(server.meanActive / truth.meanOpen - 1)).toBeLessThan(0.1);
        expect(Math.abs(server.peakActive - recorded.concurrency.peakActive)).toBeLessThan(1.5);
      }
      // Sized so the recorded peak reaches 80 % spread evenly, the busier server peaks near 12 of 13.
      expect(s.baseline.outcome.peakUtilisation).toBeGreaterThan(0.8);
      expect(s.baseline.outcome.peakUtilisation).toBeLessThan(1);
      expect(s.baseline.outcome.above100Seconds).toBe(0);
      // A nearly idle pool: waits well under a second, and no candidate is sold on overload.
      expect(s.baseline.outcome.delayP99Ms).toBeLessThan(1000);
      expect(s.recommended.outcome.peakUtilisation).toBeLessThanOrEqual(s.baseline.outcome.peakUtilisation);
    },
    120_000,
  );

  it.runIf(have('nat-large-responses'))(
    'NAT with 48 KiB answers → DR, the director bytes saved, the real-server side',
    async () => {
      const s = await serviceOf('nat-large-responses', 'tcp:10.40.0.80:80');
      expect(s.modes?.current).toBe('nat');
      expect(s.modes?.recommended).toBe('dr');
      expect(s.modes?.why).toMatch(/DR would take (9\d) % of the director's bytes off/);
      const nat = s.modes?.modes.find((m) => m.mode === 'nat');
      const dr = s.modes?.modes.find((m) => m.mode === 'dr');
      expect(dr!.nicBitsPerSecond.tx!).toBeLessThan(nat!.nicBitsPerSecond.tx! / 10);
      expect(s.apply.ipvsadmEdits.join('\n')).toMatch(
        /^ipvsadm -e -t 10\.40\.0\.80:80 -r 10\.40\.1\.1:80 -g -w \d+$/m,
      );
      expect(s.apply.keepalived).toContain('lb_kind DR');
      expect(s.apply.realServers?.mode).toBe('dr');
      expect(s.apply.realServers?.steps).toEqual(
        expect.arrayContaining([
          'ip addr add 10.40.0.80/32 dev lo',
          'sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2',
        ]),
      );
      expect(s.summary).toMatch(/forwarding mode from NAT to DR/);
    },
    120_000,
  );

  it.runIf(have('client-skew'))(
    'sh with one client at half the connections → flagged, with the alternative',
    async () => {
      const s = await serviceOf('client-skew', 'tcp:10.30.0.80:80');
      const w = s.warnings.find((x) => x.kind === 'hash-skewed-clients');
      expect(w?.message).toMatch(/client 10\.30\.2\.1 sends (4\d|5\d) % of the connections/);
      expect(w?.alternative).toBeTruthy();
      expect(s.verdict).toBe('change');
      expect(['sh', 'dh']).not.toContain(s.recommended.config.scheduler);
      expect(s.recommended.outcome.peakUtilisation).toBeLessThan(s.baseline.outcome.peakUtilisation);
    },
    120_000,
  );

  it.runIf(have('balanced'))(
    'an already balanced pool → keep, nothing to apply',
    async () => {
      const s = await serviceOf('balanced', 'tcp:10.50.0.80:80');
      expect(s.verdict).toBe('keep');
      expect(s.apply.ipvsadmEdits).toEqual([]);
      expect(s.baseline.config.scheduler).toBe('wlc');
    },
    120_000,
  );

  it.runIf(have('two-speeds'))(
    "two speeds with the servers' workers in a pools file: absolute utilisation, the slower server holding its connections longer, more weight to the faster",
    async () => {
      const dir = tempDir('recommend-pools');
      const pools = join(dir, 'pools.yml');
      writeFileSync(
        pools,
        [
          'pools:',
          '  web:',
          '    services: [tcp:10.10.0.80:80]',
          '    servers:',
          '      - address: 10.10.1.1',
          '        capacity: { workers: 4 }',
          '      - address: 10.10.1.2',
          '        capacity: { workers: 4 }',
          '',
        ].join('\n'),
      );
      try {
        const r = await recommendOn('two-speeds', 'web', '--pools', pools);
        const s = r.services[0] as ServiceRecommendation;
        expect(s.warnings.map((w) => w.kind)).not.toContain('no-capacity');
        // the replay holds the slow server's connections longer, so its 4 workers stay 4 and
        // wrr 1:1 loads it more, as the lab's logs show (its connections 1.46× as long)
        expect(r.evidence.estimated.some((e) => e.quantity.startsWith('effective workers of'))).toBe(false);
        const [fastNow, slowNow] = s.baseline.outcome.servers;
        expect(slowNow!.meanActive / fastNow!.meanActive).toBeGreaterThan(1.3);
        expect(slowNow!.meanActive / fastNow!.meanActive).toBeLessThan(1.65);
        expect(s.baseline.outcome.servers.every((x) => x.utilisationBasis === 'workers')).toBe(true);
        const [fast, slow] = s.recommended.config.servers.map((x) => x.weight);
        expect(fast!).toBeGreaterThan(slow!);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
