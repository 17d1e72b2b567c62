import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIpVs } from '../../../common/ipvs/parse-ip-vs.js';
import {
  parseIpvsadmPersistentConns,
  parseIpvsadmRates,
  parseIpvsadmStats,
  parseIpvsadmThresholds,
} from '../../../common/ipvs/parse-ipvsadm.js';
import { IPVSADM_FIXTURES, T1 } from '../../exporter/helpers.js';

const t1 = (file: string) => readFileSync(join(IPVSADM_FIXTURES, 'kernel-6.1-t1', file), 'latin1');
const pub = (file: string) => readFileSync(join(IPVSADM_FIXTURES, 'public', file), 'latin1');

const stats = parseIpvsadmStats(t1('ipvsadm-Ln--stats--exact.txt'));
const rates = parseIpvsadmRates(t1('ipvsadm-Ln--rate--exact.txt'));
const thresholds = parseIpvsadmThresholds(t1('ipvsadm-Ln--thresholds.txt'));
const persistent = parseIpvsadmPersistentConns(t1('ipvsadm-Ln--persistent-conn.txt'));

describe('ipvsadm listings of the 6.1 capture', () => {
  it('parse without issues and list the same 33 services as /proc/net/ip_vs', () => {
    const proc = parseIpVs(readFileSync(join(T1, 'net/ip_vs'), 'latin1')).value;
    const ids = (services: readonly { proto: string; address: string; port: number; mark: string }[]) =>
      services.map((s) => `${s.proto} ${s.address} ${s.port} ${s.mark}`).sort();
    for (const listing of [stats, rates, thresholds, persistent]) {
      expect(listing.issues).toEqual([]);
      expect(ids(listing.value.services)).toEqual(ids(proc.services));
    }
  });

  it('reads per-service and per-destination counters (--stats --exact)', () => {
    const a = stats.value.services.find((s) => s.address === '192.0.2.10' && s.port === 80)!;
    expect(a.values).toEqual({ conns: 29, inPackets: 188, outPackets: 133, inBytes: 10476, outBytes: 12634 });
    expect(a.destinations.map((d) => [d.address, d.values.conns])).toEqual([
      ['198.18.1.2', 14],
      ['198.18.2.2', 10],
      ['198.18.3.2', 5],
    ]);
    // Same service, asked alone (`ipvsadm -Ln -t 192.0.2.10:80 --stats`), same numbers.
    expect(parseIpvsadmStats(t1('ipvsadm-Ln-t-192.0.2.10_80--stats.txt')).value.services).toEqual([a]);
  });

  it('turns decimal FWM marks (and the IPv6 marker) into the kernel form', () => {
    const fwm6 = stats.value.services.find((s) => s.mark === '00000006')!;
    expect(fwm6).toMatchObject({ proto: 'FWM', address: '', port: 0, family: 'ipv6' });
    expect(fwm6.destinations[0]).toMatchObject({ address: '2001:db8:3::2', port: 0 });
  });

  it('reads kernel rates (--rate --exact)', () => {
    const a = rates.value.services.find((s) => s.address === '192.0.2.10' && s.port === 80)!;
    expect(a.values).toEqual({ cps: 2, inPps: 12, outPps: 9, inBps: 688, outBps: 824 });
  });

  it('reads thresholds, scheduler flags and persistence in seconds (--thresholds)', () => {
    const rs3 = thresholds.value.services
      .find((s) => s.address === '192.0.2.10' && s.port === 80)!
      .destinations.find((d) => d.address === '198.18.3.2');
    expect(rs3?.values).toEqual({ upper: 100, lower: 10, activeConns: 1, inactiveConns: 5 });
    const info = (address: string, port: number) =>
      thresholds.value.services.find((s) => s.address === address && s.port === port)?.values;
    expect(info('192.0.2.60', 80)).toEqual({ scheduler: 'sh', flags: ['sh-fallback', 'sh-port'] });
    expect(info('192.0.2.41', 53)).toEqual({ scheduler: 'sh', flags: ['ops'] });
    expect(info('192.0.2.11', 80)).toEqual({
      scheduler: 'rr',
      flags: [],
      persistence: { timeoutSeconds: 300, netmask: '255.255.255.255' },
    });
    expect(info('2001:db8:f::10', 443)?.persistence).toEqual({ timeoutSeconds: 120, netmask: '64' });
    expect(thresholds.value.services.find((s) => s.mark === '00000001')?.values.persistence).toEqual({
      timeoutSeconds: 60,
      netmask: '255.255.255.0',
    });
  });

  it('reads persistent connections per destination (--persistent-conn)', () => {
    const b = persistent.value.services.find((s) => s.address === '192.0.2.11')!;
    expect(b.destinations.map((d) => [d.address, d.values])).toEqual([
      ['198.18.1.2', { weight: 1, persistentConns: 1, activeConns: 0, inactiveConns: 2 }],
      ['198.18.2.2', { weight: 1, persistentConns: 2, activeConns: 0, inactiveConns: 4 }],
    ]);
  });

  it('agrees with the /proc persistence timeout at HZ=250', () => {
    const proc = parseIpVs(readFileSync(join(T1, 'net/ip_vs'), 'latin1')).value;
    for (const service of proc.services.filter((s) => s.persistence)) {
      const fromIpvsadm = thresholds.value.services.find(
        (s) =>
          s.proto === service.proto &&
          s.address === service.address &&
          s.port === service.port &&
          s.mark === service.mark,
      );
      expect(fromIpvsadm?.values.persistence).toEqual({
        timeoutSeconds: service.persistence!.timeoutTicks / 250,
        netmask: service.persistence!.netmask,
      });
    }
  });
});

describe('ipvsadm output from elsewhere', () => {
  it('reads humanised numbers (no --exact) and the sorted -Ln --stats layout', () => {
    const humanised = parseIpvsadmStats(t1('ipvsadm-Ln--stats.txt'));
    expect(humanised.issues).toEqual([]);
    expect(humanised.value).toEqual(stats.value);
    expect(
      parseIpvsadmStats('TCP  10.0.0.1:443        2515932  125426K        0   13034M        0\n').value
        .services[0]?.values,
    ).toEqual({
      conns: 2515932,
      inPackets: 125426000,
      outPackets: 0,
      inBytes: 13034000000,
      outBytes: 0,
    });
  });

  it('reads the kube-router excerpt (k8s node) and the f1shl3gs sample', () => {
    const kube = parseIpvsadmStats(pub('kube-router_pr160_ipvsadm_-ln_--stats_TRUNCATED.txt'));
    expect(kube.issues).toEqual([]);
    expect(kube.value.services.map((s) => [s.address, s.port, s.destinations.length])).toEqual([
      ['10.3.0.1', 443, 1],
      ['10.3.0.10', 53, 1],
      ['10.3.0.42', 80, 8],
    ]);
    const f1 = parseIpvsadmStats(pub('f1shl3gs_ipvs_exporter_ipvsadm_-l_--stats_-n.txt'));
    expect(f1.value.services[0]?.destinations[0]).toEqual({
      address: '192.168.10.1',
      port: 80,
      values: { conns: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0 },
    });
  });

  it('reports DPVS MATCH services as unparsable, each with its lost destinations', () => {
    const dpvs = parseIpvsadmThresholds(pub('dpvs_issue95_ipvsadm_-ln_snat_match.txt'));
    expect(dpvs.value.services).toEqual([]);
    expect(dpvs.issues).toHaveLength(15);
    expect(dpvs.issues[0]).toMatchObject({ line: 4, field: 'LocalAddress:Port' });
    expect(dpvs.issues[1]).toEqual({
      line: 5,
      field: 'RemoteAddress:Port',
      message: 'belongs to the unparsable service on line 4',
    });
  });

  it('names line and column of a damaged number and keeps the other lines', () => {
    const damaged = t1('ipvsadm-Ln--stats--exact.txt').replace(
      '   93       66     5182',
      '   93       6x     5182',
    );
    const { value, issues } = parseIpvsadmStats(damaged);
    expect(issues).toEqual([{ line: 5, field: 'OutPkts', message: 'expected a number, got "6x"' }]);
    expect(
      value.services.find((s) => s.address === '192.0.2.10')?.destinations.map((d) => d.address),
    ).toEqual(['198.18.2.2', '198.18.3.2']);
  });
});
