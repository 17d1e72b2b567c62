import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIpVs } from '../../../common/ipvs/parse-ip-vs.js';
import { PROCFS, T1, procfsTrees } from '../../exporter/helpers.js';

const read = (path: string) => readFileSync(path, 'latin1');
const t1 = parseIpVs(read(join(T1, 'net/ip_vs')));
const service = (proto: string, address: string, port: number) =>
  t1.value.services.find((s) => s.proto === proto && s.address === address && s.port === port);

describe('/proc/net/ip_vs from a real 6.1 kernel (t1)', () => {
  it('reads every service and destination without an issue', () => {
    expect(t1.issues).toEqual([]);
    expect(t1.value.connTableSize).toBe(4096);
    expect(t1.value.services).toHaveLength(33);
    expect(t1.value.services.flatMap((s) => s.destinations)).toHaveLength(94);
  });

  it('keeps kernel order: real servers newest first', () => {
    expect(service('TCP', '192.0.2.10', 80)?.destinations.map((d) => [d.address, d.weight])).toEqual([
      ['198.18.3.2', 1],
      ['198.18.2.2', 2],
      ['198.18.1.2', 3],
    ]);
  });

  it('reads persistence in ticks and the netmask per family', () => {
    expect(service('TCP', '192.0.2.11', 80)?.persistence).toEqual({
      timeoutTicks: 75000,
      netmask: '255.255.255.255',
    });
    expect(service('TCP', '2001:db8:f::10', 443)).toMatchObject({
      scheduler: 'sh',
      family: 'ipv6',
      persistence: { timeoutTicks: 30000, netmask: '64' },
    });
    const fwm1 = t1.value.services.find((s) => s.mark === '00000001');
    expect(fwm1).toMatchObject({ proto: 'FWM', address: '', port: 0, scheduler: 'wrr', family: 'ipv4' });
    expect(fwm1?.persistence).toEqual({ timeoutTicks: 15000, netmask: '255.255.255.0' });
  });

  it('keeps SCTP as its own service (procfs files it under the previous one)', () => {
    expect(service('SCTP', '192.0.2.70', 3868)?.destinations).toEqual([
      {
        address: '198.18.4.2',
        port: 3868,
        family: 'ipv4',
        forward: 'Masq',
        weight: 1,
        activeConns: 0,
        inactiveConns: 0,
      },
    ]);
    // The IPv6 service before it keeps only its own two real servers.
    expect(service('TCP', '2001:db8:f::10', 80)?.destinations.map((d) => d.address)).toEqual([
      '2001:db8:2::2',
      '2001:db8:1::2',
    ]);
  });

  it('reads the ops flag, FWM over IPv6 and port translation', () => {
    expect(service('UDP', '192.0.2.41', 53)?.flags).toEqual(['ops']);
    expect(t1.value.services.find((s) => s.mark === '00000006')).toMatchObject({
      family: 'ipv6',
      scheduler: 'rr',
    });
    expect(service('TCP', '192.0.2.70', 8080)?.destinations[0]).toMatchObject({
      port: 80,
      weight: 4,
      inactiveConns: 3,
    });
  });

  it('reads DR, TUN and NAT forward names as printed', () => {
    expect(service('TCP', '192.0.2.20', 80)?.destinations.map((d) => d.forward)).toEqual(['Route', 'Route']);
    expect(service('TCP', '192.0.2.30', 80)?.destinations.map((d) => d.forward)).toEqual([
      'Tunnel',
      'Tunnel',
    ]);
  });
});

describe('/proc/net/ip_vs from the other captures', () => {
  it.each(procfsTrees().map((tree) => [tree.name, tree.dir]))('%s parses without issues', (_name, dir) => {
    const { value, issues } = parseIpVs(read(join(dir, 'net/ip_vs')));
    expect(issues).toEqual([]);
    expect(value.services.length).toBeGreaterThan(0);
  });

  it('keepalived-built table: FWM with persistence and DR', () => {
    const { value } = parseIpVs(read(join(PROCFS, 'kernel-6.1-keepalived/net/ip_vs')));
    expect(
      value.services.map((s) => [s.proto, s.address || s.mark, s.scheduler, s.persistence?.timeoutTicks]),
    ).toEqual([
      ['TCP', '192.0.2.10', 'wrr', undefined],
      ['FWM', '00000001', 'sh', 12500],
    ]);
    expect(value.services[1]?.destinations[0]?.forward).toBe('Route');
  });

  it('node_exporter issue 1296: headerless FWM tail with trailing blanks', () => {
    const { value, issues } = parseIpVs(
      read(join(PROCFS, 'fragments/node_exporter_issue1296_ip_vs_fwm_tail')),
    );
    expect(issues).toEqual([]);
    expect(value.services.map((s) => s.mark)).toEqual(['00003DA3', '0000008B', '00001CFB', '000000DA']);
    expect(value.services[1]?.destinations).toEqual([
      {
        address: '100.99.4.80',
        port: 5191,
        family: 'ipv4',
        forward: 'Tunnel',
        weight: 1,
        activeConns: 0,
        inactiveConns: 0,
      },
    ]);
  });
});

describe('bad input', () => {
  const header =
    'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n';

  it('skips one malformed destination and keeps the rest, naming line and field', () => {
    const text = `${header}TCP  C0A80016:0CEA wlc\n  -> C0A85216:0CEA      Tunnel  1x0    248        2\n  -> C0A85318:0CEA      Tunnel  100    248        2\n`;
    const { value, issues } = parseIpVs(text);
    expect(issues).toEqual([{ line: 5, field: 'Weight', message: 'expected an integer, got "1x0"' }]);
    expect(value.services[0]?.destinations.map((d) => d.address)).toEqual(['192.168.83.24']);
  });

  it('reports the destinations of an unparsable service, and recovers at the next service', () => {
    const text = `${header}TCP  C0A8001:0CEA wlc\n  -> C0A85216:0CEA Tunnel 1 0 0\nUDP  C0A80016:0035 rr\n  -> C0A85216:0035 Masq 1 0 0\n`;
    const { value, issues } = parseIpVs(text);
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [4, 'LocalAddress:Port'],
      [5, 'RemoteAddress:Port'],
    ]);
    expect(issues[1]?.message).toBe('belongs to the unparsable service on line 4');
    expect(value.services.map((s) => `${s.proto} ${s.address}:${s.port}`)).toEqual(['UDP 192.168.0.22:53']);
  });

  it('tolerates unknown future tokens, the scheduler "none" and a bad persistence suffix', () => {
    const text = `${header}TCP  C0A80016:0CEA none ops shiny-new-flag\nTCP  C0A80017:0CEA rr persistent x FFFFFFFF\n`;
    const { value, issues } = parseIpVs(text);
    expect(value.services[0]).toMatchObject({ scheduler: 'none', flags: ['ops', 'shiny-new-flag'] });
    expect(issues).toEqual([
      { line: 5, field: 'persistent', message: 'expected "persistent TICKS HEXMASK"' },
    ]);
  });

  it('reads an empty table (module loaded, nothing configured)', () => {
    expect(parseIpVs(header)).toEqual({ value: { connTableSize: 4096, services: [] }, issues: [] });
  });
});
