import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIpVs } from '../../../common/ipvs/parse-ip-vs.js';
import { forwardLabel, markLabel, netmaskLabel, serviceLabels } from '../../../common/ipvs/vocabulary.js';
import { PROCFS, T1, procfsTrees } from '../../exporter/helpers.js';
import { findMark, findService, ip } from './keys.js';

/** The captures come from Debian's 6.1 kernel: CONFIG_HZ=250. */
const HZ = 250;
const read = (path: string) => readFileSync(path, 'latin1');
const t1 = parseIpVs(read(join(T1, 'net/ip_vs')), { hz: HZ });
const service = (proto: 'tcp' | 'udp' | 'sctp', address: string, port: number) =>
  findService(t1.value.services, proto, address, port);

describe('/proc/net/ip_vs from a real 6.1 kernel (t1)', () => {
  it('reads every service and destination without an issue', () => {
    expect(t1.issues).toEqual([]);
    expect(t1.value.connTableSize).toBe(4096);
    expect(t1.value.services).toHaveLength(33);
    expect(t1.value.services.flatMap((s) => s.destinations)).toHaveLength(94);
  });

  it('keeps kernel order: real servers newest first', () => {
    expect(service('tcp', '192.0.2.10', 80)?.destinations.map((d) => [d.addr.text, d.weight])).toEqual([
      ['198.18.3.2', 1],
      ['198.18.2.2', 2],
      ['198.18.1.2', 3],
    ]);
  });

  it('turns persistence ticks into seconds at the given HZ, and reads the netmask per family', () => {
    // `persistent 75000 FFFFFFFF`
    const p11 = service('tcp', '192.0.2.11', 80)?.persistence;
    expect(p11).toEqual({ timeoutSeconds: 300, netmask: 0xffffffff });
    expect(netmaskLabel(p11!.netmask, 4)).toBe('255.255.255.255');
    const at1000 = parseIpVs(read(join(T1, 'net/ip_vs')), { hz: 1000 }).value.services;
    expect(findService(at1000, 'tcp', '192.0.2.11', 80)?.persistence?.timeoutSeconds).toBe(75);
    // `persistent 30000 40000000`: a /64 prefix as a little-endian kernel prints it.
    const v6 = service('tcp', '2001:db8:f::10', 443);
    expect(v6).toMatchObject({
      scheduler: 'sh',
      addr: { family: 6 },
      persistence: { timeoutSeconds: 120, netmask: 64 },
    });
    expect(netmaskLabel(v6!.persistence!.netmask, 6)).toBe('64');
    // `FWM 00000001 wrr persistent 15000 FFFFFF00`
    const fwm1 = findMark(t1.value.services, 1);
    expect(fwm1).toMatchObject({ kind: 'fwmark', mark: 1, family: 4, scheduler: 'wrr' });
    expect(serviceLabels(fwm1!)).toEqual(['FWM', '', '0', '00000001']);
    expect(fwm1?.persistence).toEqual({ timeoutSeconds: 60, netmask: 0xffffff00 });
    expect(netmaskLabel(fwm1!.persistence!.netmask, 4)).toBe('255.255.255.0');
  });

  it('keeps SCTP as its own service (procfs files it under the previous one)', () => {
    expect(service('sctp', '192.0.2.70', 3868)?.destinations).toEqual([
      {
        addr: ip('198.18.4.2'),
        port: 3868,
        forward: 'masq',
        weight: 1,
        activeConns: 0,
        inactiveConns: 0,
      },
    ]);
    // The IPv6 service before it keeps only its own two real servers.
    expect(service('tcp', '2001:db8:f::10', 80)?.destinations.map((d) => d.addr.text)).toEqual([
      '2001:db8:2::2',
      '2001:db8:1::2',
    ]);
  });

  it('reads the ops flag, FWM over IPv6 and port translation', () => {
    expect(service('udp', '192.0.2.41', 53)?.flags).toEqual(['ops']);
    expect(findMark(t1.value.services, 6)).toMatchObject({ family: 6, scheduler: 'rr' });
    expect(service('tcp', '192.0.2.70', 8080)?.destinations[0]).toMatchObject({
      port: 80,
      weight: 4,
      inactiveConns: 3,
    });
  });

  it('reads the DR, TUN and NAT forward names the kernel prints', () => {
    const forwards = (address: string) => service('tcp', address, 80)?.destinations.map((d) => d.forward);
    expect(forwards('192.0.2.20')).toEqual(['route', 'route']);
    expect(forwards('192.0.2.30')).toEqual(['tunnel', 'tunnel']);
    expect(forwards('192.0.2.10')?.map(forwardLabel)).toEqual(['Masq', 'Masq', 'Masq']);
  });
});

describe('/proc/net/ip_vs from the other captures', () => {
  it.each(procfsTrees().map((tree) => [tree.name, tree.dir]))('%s parses without issues', (_name, dir) => {
    const { value, issues } = parseIpVs(read(join(dir, 'net/ip_vs')), { hz: HZ });
    expect(issues).toEqual([]);
    expect(value.services.length).toBeGreaterThan(0);
  });

  it('keepalived-built table: FWM with persistence and DR', () => {
    const { value } = parseIpVs(read(join(PROCFS, 'kernel-6.1-keepalived/net/ip_vs')), { hz: HZ });
    expect(value.services).toMatchObject([
      { kind: 'addr', proto: 'tcp', addr: { text: '192.0.2.10' }, port: 80, scheduler: 'wrr' },
      // `persistent 12500` ticks at HZ=250
      { kind: 'fwmark', mark: 1, scheduler: 'sh', persistence: { timeoutSeconds: 50 } },
    ]);
    expect(value.services[0]?.persistence).toBeUndefined();
    expect(value.services[1]?.destinations[0]?.forward).toBe('route');
  });

  it('node_exporter issue 1296: headerless FWM tail with trailing blanks', () => {
    const { value, issues } = parseIpVs(
      read(join(PROCFS, 'fragments/node_exporter_issue1296_ip_vs_fwm_tail')),
      { hz: HZ },
    );
    expect(issues).toEqual([]);
    const marks = value.services.map((s) => (s.kind === 'fwmark' ? s.mark : undefined));
    expect(marks).toEqual([0x3da3, 0x8b, 0x1cfb, 0xda]);
    expect(marks.map((mark) => markLabel(mark!))).toEqual(['00003DA3', '0000008B', '00001CFB', '000000DA']);
    expect(value.services[1]?.destinations).toEqual([
      {
        addr: ip('100.99.4.80'),
        port: 5191,
        forward: 'tunnel',
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
    const { value, issues } = parseIpVs(text, { hz: HZ });
    expect(issues).toEqual([{ line: 5, field: 'Weight', message: 'expected an integer, got "1x0"' }]);
    expect(value.services[0]?.destinations.map((d) => d.addr.text)).toEqual(['192.168.83.24']);
  });

  it('reports the destinations of an unparsable service, and recovers at the next service', () => {
    const text = `${header}TCP  C0A8001:0CEA wlc\n  -> C0A85216:0CEA Tunnel 1 0 0\nUDP  C0A80016:0035 rr\n  -> C0A85216:0035 Masq 1 0 0\n`;
    const { value, issues } = parseIpVs(text, { hz: HZ });
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [4, 'LocalAddress:Port'],
      [5, 'RemoteAddress:Port'],
    ]);
    expect(issues[1]?.message).toBe('belongs to the unparsable service on line 4');
    expect(value.services).toMatchObject([
      { kind: 'addr', proto: 'udp', addr: { text: '192.168.0.22' }, port: 53 },
    ]);
  });

  it('reports a service of an unknown protocol with its destinations, and keeps the rest of the table', () => {
    const text = `${header}TCP  C0A80016:0CEA wlc\n  -> C0A85216:0CEA Tunnel 1 0 0\nDCCP  C0A80016:0CEB rr\n  -> C0A85216:0CEB Masq 1 0 0\n  -> C0A85217:0CEB Masq 1 0 0\nUDP  C0A80016:0035 rr\n  -> C0A85216:0035 Masq 1 0 0\n`;
    const { value, issues } = parseIpVs(text, { hz: HZ });
    expect(issues).toEqual([
      { line: 6, field: 'Prot', message: 'unknown protocol "DCCP"' },
      { line: 7, field: 'RemoteAddress:Port', message: 'belongs to the unparsable service on line 6' },
      { line: 8, field: 'RemoteAddress:Port', message: 'belongs to the unparsable service on line 6' },
    ]);
    expect(value.services).toMatchObject([
      { kind: 'addr', proto: 'tcp', port: 3306, destinations: [{ addr: { text: '192.168.82.22' } }] },
      { kind: 'addr', proto: 'udp', port: 53, destinations: [{ addr: { text: '192.168.82.22' } }] },
    ]);
  });

  it('reports a destination of an unknown forwarding method, and keeps its service and the other destinations', () => {
    const text = `${header}TCP  C0A80016:0CEA wlc\n  -> C0A85216:0CEA Masq 1 0 0\n  -> C0A85217:0CEA Bounce 2 0 0\n  -> C0A85218:0CEA Route 3 0 0\nUDP  C0A80016:0035 rr\n  -> C0A85216:0035 Masq 1 0 0\n`;
    const { value, issues } = parseIpVs(text, { hz: HZ });
    expect(issues).toEqual([{ line: 6, field: 'Forward', message: 'unknown forwarding method "Bounce"' }]);
    expect(value.services.map((s) => s.destinations.map((d) => [d.addr.text, d.forward]))).toEqual([
      [
        ['192.168.82.22', 'masq'],
        ['192.168.82.24', 'route'],
      ],
      [['192.168.82.22', 'masq']],
    ]);
  });

  it('tolerates unknown future tokens, the scheduler "none" and a bad persistence suffix', () => {
    const text = `${header}TCP  C0A80016:0CEA none ops shiny-new-flag\nTCP  C0A80017:0CEA rr persistent x FFFFFFFF\n`;
    const { value, issues } = parseIpVs(text, { hz: HZ });
    expect(value.services[0]).toMatchObject({ scheduler: 'none', flags: ['ops', 'shiny-new-flag'] });
    expect(issues).toEqual([
      { line: 5, field: 'persistent', message: 'expected "persistent TICKS HEXMASK"' },
    ]);
  });

  it('reads an empty table (module loaded, nothing configured)', () => {
    expect(parseIpVs(header, { hz: HZ })).toEqual({
      value: { connTableSize: 4096, services: [] },
      issues: [],
    });
  });
});
