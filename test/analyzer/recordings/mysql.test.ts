/**
 * The seed's MySQL pool recorded on the real kernel (VIP 172.16.1.18:3306, wrr, -p 20, DR, real
 * servers .7 and .51, application pools and short connections) is what `lvs-analyze workload`
 * reads when it is given no history: the README's first command.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../exporter/helpers.js';
import { type Recording, loadRecording } from './fixture.js';

const run = promisify(execFile);
const SERVERS = ['172.16.1.7', '172.16.1.51'];

const analyze = (...args: string[]) =>
  run(process.execPath, ['dist/analyzer/main.js', 'workload', ...args], { cwd: ROOT, timeout: 60_000 });

let rec: Recording;
beforeAll(async () => {
  rec = await loadRecording('mysql', 'mysql');
});

describe('mysql recording (the bundled default)', () => {
  it('`workload --pool mysql` with no data arguments reads it and shows the pool', async () => {
    const { stdout } = await analyze('--pool', 'mysql');
    expect(stdout).toContain('bundled real-kernel recording');
    expect(stdout).toContain('fixtures/recordings/mysql/capture');
    expect(stdout).toMatch(/172\.16\.1\.18:3306\s+wrr, persistent 20 s/);
    for (const addr of SERVERS)
      expect(stdout).toMatch(new RegExp(`${addr.replace(/\./g, '\\.')}:3306\\s+route\\s+1\\s`));
  });

  it('--format json gives wrr, persistence 20 s, DR for both servers', async () => {
    const { stdout } = await analyze('--pool', 'mysql', '--format', 'json');
    const model = JSON.parse(stdout) as typeof rec.model;
    const service = model.services[0]!;
    expect(service.service).toBe('172.16.1.18:3306');
    expect(service.scheduler).toBe('wrr');
    expect(service.persistenceSeconds).toBe(20);
    expect(service.servers.map((s) => [s.server, s.forward, s.weight])).toEqual(
      SERVERS.map((addr) => [`${addr}:3306`, 'route', 1]),
    );
  });

  it('shares and client mix match the logs', () => {
    for (const addr of SERVERS) {
      // persistence pins each application server: the share follows the client mix, not 1:1
      expect(Math.abs(rec.server(addr).arrivals.share - rec.truth.servers[addr]!.share)).toBeLessThan(0.03);
    }
    const top = rec.service.clients?.top[0];
    const truthTop = rec.truth.clients.top!;
    expect(top?.client).toBe(truthTop.client);
    expect(Math.abs(top!.share - truthTop.share)).toBeLessThan(3 * truthTop.se + 0.01);
    expect(rec.service.clients?.distinct).toBe(rec.truth.clients.distinct);
  });

  it('takes no capacity evidence from lifetimes the application pools set', () => {
    // both servers run the same lvserver (5 ms exponential): their different W is the client
    // mix that persistence pinned to each, pooled connections included
    expect(rec.truth.servers['172.16.1.7']!.serviceMs?.drawnMean).toBeCloseTo(
      rec.truth.servers['172.16.1.51']!.serviceMs!.drawnMean,
      0,
    );
    expect(rec.service.capacityRatio).toBeUndefined();
    for (const addr of SERVERS) expect(rec.server(addr).lifetime.notEvidence).toMatch(/pooled/);
  });
});
