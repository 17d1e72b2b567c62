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
import type { ServiceKey } from '../../../common/ipvs/vocabulary.js';
import { netmaskLabel, serviceLabels, serviceText } from '../../../common/ipvs/vocabulary.js';
import { IPVSADM_FIXTURES, T1 } from '../../exporter/helpers.js';
import { findMark, findService, ip, keyText } from './keys.js';

const t1 = (file: string) => readFileSync(join(IPVSADM_FIXTURES, 'kernel-6.1-t1', file), 'latin1');
const pub = (file: string) => readFileSync(join(IPVSADM_FIXTURES, 'public', file), 'latin1');
/** /proc/net/ip_vs of the same capture; its kernel runs at HZ=250. */
const proc = parseIpVs(readFileSync(join(T1, 'net/ip_vs'), 'latin1'), { hz: 250 }).value;

const stats = parseIpvsadmStats(t1('ipvsadm-Ln--stats--exact.txt'));
const rates = parseIpvsadmRates(t1('ipvsadm-Ln--rate--exact.txt'));
const thresholds = parseIpvsadmThresholds(t1('ipvsadm-Ln--thresholds.txt'));
const persistent = parseIpvsadmPersistentConns(t1('ipvsadm-Ln--persistent-conn.txt'));

describe('ipvsadm listings of the 6.1 capture', () => {
  it('parse without issues and list the same 33 services as /proc/net/ip_vs', () => {
    const ids = (services: readonly ServiceKey[]) => services.map(keyText).sort();
    expect(ids(proc.services)).toHaveLength(33);
    for (const listing of [stats, rates, thresholds, persistent]) {
      expect(listing.issues).toEqual([]);
      expect(ids(listing.value.services)).toEqual(ids(proc.services));
    }
  });

  it('reads per-service and per-destination counters (--stats --exact)', () => {
    const a = findService(stats.value.services, 'tcp', '192.0.2.10', 80)!;
    expect(a.values).toEqual({ conns: 29, inPackets: 188, outPackets: 133, inBytes: 10476, outBytes: 12634 });
    expect(a.destinations.map((d) => [d.addr.text, d.values.conns])).toEqual([
      ['198.18.1.2', 14],
      ['198.18.2.2', 10],
      ['198.18.3.2', 5],
    ]);
    // Same service, asked alone (`ipvsadm -Ln -t 192.0.2.10:80 --stats`), same numbers.
    expect(parseIpvsadmStats(t1('ipvsadm-Ln-t-192.0.2.10_80--stats.txt')).value.services).toEqual([a]);
  });

  it('reads decimal FWM marks (and the IPv6 marker) into the same key as the kernel hex', () => {
    const fwm6 = findMark(stats.value.services, 6)!;
    expect(fwm6).toMatchObject({ kind: 'fwmark', mark: 6, family: 6 });
    expect(serviceLabels(fwm6)).toEqual(['FWM', '', '0', '00000006']);
    expect(fwm6.destinations[0]).toMatchObject({ addr: { family: 6, text: '2001:db8:3::2' }, port: 0 });
  });

  it('reads kernel rates (--rate --exact)', () => {
    const a = findService(rates.value.services, 'tcp', '192.0.2.10', 80)!;
    expect(a.values).toEqual({ cps: 2, inPps: 12, outPps: 9, inBps: 688, outBps: 824 });
  });

  it('reads thresholds, scheduler flags and persistence in seconds (--thresholds)', () => {
    const rs3 = findService(thresholds.value.services, 'tcp', '192.0.2.10', 80)!.destinations.find(
      (d) => d.addr.text === '198.18.3.2',
    );
    expect(rs3?.values).toEqual({ upper: 100, lower: 10, activeConns: 1, inactiveConns: 5 });
    const info = (proto: 'tcp' | 'udp', address: string, port: number) =>
      findService(thresholds.value.services, proto, address, port)?.values;
    expect(info('tcp', '192.0.2.60', 80)).toEqual({ scheduler: 'sh', flags: ['sh-fallback', 'sh-port'] });
    expect(info('udp', '192.0.2.41', 53)).toEqual({ scheduler: 'sh', flags: ['ops'] });
    // `rr persistent 300`: no mask printed is the default, all ones.
    expect(info('tcp', '192.0.2.11', 80)).toEqual({
      scheduler: 'rr',
      flags: [],
      persistence: { timeoutSeconds: 300, netmask: 0xffffffff },
    });
    expect(netmaskLabel(info('tcp', '192.0.2.11', 80)!.persistence!.netmask, 4)).toBe('255.255.255.255');
    // `sh persistent 120 mask 64`
    expect(info('tcp', '2001:db8:f::10', 443)?.persistence).toEqual({ timeoutSeconds: 120, netmask: 64 });
    // `wrr persistent 60 mask 255.255.255.0`
    const fwm1 = findMark(thresholds.value.services, 1)?.values.persistence;
    expect(fwm1).toEqual({ timeoutSeconds: 60, netmask: 0xffffff00 });
    expect(netmaskLabel(fwm1!.netmask, 4)).toBe('255.255.255.0');
  });

  it('reads persistent connections per destination (--persistent-conn)', () => {
    const b = findService(persistent.value.services, 'tcp', '192.0.2.11', 80)!;
    expect(b.destinations.map((d) => [d.addr.text, d.values])).toEqual([
      ['198.18.1.2', { weight: 1, persistentConns: 1, activeConns: 0, inactiveConns: 2 }],
      ['198.18.2.2', { weight: 1, persistentConns: 2, activeConns: 0, inactiveConns: 4 }],
    ]);
  });

  it('agrees with the /proc persistence timeout at HZ=250', () => {
    const persistentServices = proc.services.filter((s) => s.persistence);
    expect(persistentServices).toHaveLength(3);
    for (const service of persistentServices) {
      const fromIpvsadm = thresholds.value.services.find((s) => keyText(s) === keyText(service));
      expect(fromIpvsadm?.values.persistence, keyText(service)).toEqual(service.persistence);
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
    expect(kube.value.services.map((s) => [serviceText(s), s.destinations.length])).toEqual([
      ['10.3.0.1:443', 1],
      ['10.3.0.10:53', 1],
      ['10.3.0.42:80', 8],
    ]);
    const f1 = parseIpvsadmStats(pub('f1shl3gs_ipvs_exporter_ipvsadm_-l_--stats_-n.txt'));
    expect(f1.value.services[0]?.destinations[0]).toEqual({
      addr: ip('192.168.10.1'),
      port: 80,
      values: { conns: 0, inPackets: 0, outPackets: 0, inBytes: 0, outBytes: 0 },
    });
  });

  it('reports DPVS MATCH services as unparsable, each with its lost destinations', () => {
    const dpvs = parseIpvsadmThresholds(pub('dpvs_issue95_ipvsadm_-ln_snat_match.txt'));
    expect(dpvs.value.services).toEqual([]);
    expect(dpvs.issues).toHaveLength(15);
    // `MATCH` is no protocol ipvsadm prints: the line is refused at its first column.
    expect(dpvs.issues[0]).toEqual({ line: 4, field: 'Prot', message: 'unknown protocol "MATCH"' });
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
      findService(value.services, 'tcp', '192.0.2.10', 80)?.destinations.map((d) => d.addr.text),
    ).toEqual(['198.18.2.2', '198.18.3.2']);
  });

  it('reports a port above 65535, of a service or a real server, and keeps the other lines', () => {
    const listing = [
      'TCP  192.0.2.10:65536     1  2  3  4  5',
      '  -> 198.18.1.2:80        1  2  3  4  5',
      'TCP  192.0.2.11:80        1  2  3  4  5',
      '  -> 198.18.1.2:70000     1  2  3  4  5',
      '  -> 198.18.1.3:65535     1  2  3  4  5',
      '',
    ].join('\n');
    const { value, issues } = parseIpvsadmStats(listing);
    expect(issues).toEqual([
      {
        line: 1,
        field: 'LocalAddress:Port',
        message: '"192.0.2.10:65536": port "65536" is not a number from 0 to 65535',
      },
      { line: 2, field: 'RemoteAddress:Port', message: 'belongs to the unparsable service on line 1' },
      {
        line: 4,
        field: 'RemoteAddress:Port',
        message: '"198.18.1.2:70000": port "70000" is not a number from 0 to 65535',
      },
    ]);
    expect(value.services).toMatchObject([
      {
        kind: 'addr',
        proto: 'tcp',
        addr: { text: '192.0.2.11' },
        port: 80,
        destinations: [{ addr: { text: '198.18.1.3' }, port: 65535 }],
      },
    ]);
  });

  it("reports an address that is not a dotted quad with the address parser's message", () => {
    const { value, issues } = parseIpvsadmStats('TCP  192.0.2.300:80     1  2  3  4  5\n');
    expect(value.services).toEqual([]);
    expect(issues).toEqual([
      { line: 1, field: 'LocalAddress:Port', message: '"192.0.2.300" is not a dotted-quad IPv4 address' },
    ]);
  });
});
