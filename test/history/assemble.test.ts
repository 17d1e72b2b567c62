/**
 * The pieces both history readers share: label forms → the pool's services and real servers, the
 * selectors sent to the stores, and the builder that merges samples into observations. Pure.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { parseIp } from '../../common/net/ip.js';
import { HistoryBuilder } from '../../analyzer/inputs/history/assemble.js';
import {
  influxServiceCondition,
  promServiceMatchers,
  serviceIdOfLabels,
  vipOfLabel,
} from '../../analyzer/inputs/history/labels.js';
import { POOL_FAMILIES, VRRP_FAMILIES, type Target } from '../../analyzer/inputs/history/schema.js';

const V6: ServiceKey = { kind: 'addr', proto: 'tcp', addr: parseIp('2001:db8:f::10')!, port: 80 };
const V4: ServiceKey = { kind: 'addr', proto: 'udp', addr: parseIp('192.0.2.1')!, port: 53 };
const MARK: ServiceKey = { kind: 'fwmark', mark: 0x10001000, family: 4 };

const target = (name: string): Target => POOL_FAMILIES.get(name) ?? VRRP_FAMILIES.get(name)!;

describe('labels', () => {
  it('reads a service from its labels in any text form, and refuses what is not one', () => {
    const v6 = { proto: 'TCP', local_address: '2001:DB8:F:0:0:0:0:10', local_port: '80' };
    expect(serviceIdOfLabels(v6)).toBe('TCP 2001:db8:f::10 80 ');
    expect(serviceIdOfLabels({ proto: 'FWM', local_port: '0', local_mark: '10001000' })).toBe(
      'FWM  0 10001000',
    );
    expect(serviceIdOfLabels({ proto: 'FWM', local_mark: 'nope' })).toBeUndefined();
    expect(serviceIdOfLabels({ proto: 'ICMP', local_address: '192.0.2.1', local_port: '0' })).toBeUndefined();
    expect(
      serviceIdOfLabels({ proto: 'TCP', local_address: '192.0.2.1', local_port: '70000' }),
    ).toBeUndefined();
    expect(vipOfLabel('10.250.0.201/24')?.text).toBe('10.250.0.201');
  });

  it('builds exact selectors for Prometheus and InfluxDB', () => {
    expect(promServiceMatchers([V4])).toEqual([
      'proto="UDP"',
      'local_address="192.0.2.1"',
      'local_port="53"',
      'local_mark=""',
    ]);
    expect(promServiceMatchers([V6, MARK])).toEqual([
      'proto=~"FWM|TCP"',
      'local_address=~"|2001:db8:f::10"',
      'local_port=~"0|80"',
      'local_mark=~"|10001000"',
    ]);
    expect(influxServiceCondition([V4, MARK])).toBe(
      `(("proto" = 'UDP' AND "local_address" = '192.0.2.1' AND "local_port" = '53' AND "local_mark" = '') OR ` +
        `("proto" = 'FWM' AND "local_address" = '' AND "local_port" = '0' AND "local_mark" = '10001000'))`,
    );
  });
});

describe('HistoryBuilder', () => {
  const labels = { instance: 'lb1', proto: 'TCP', local_address: '2001:db8:f::10', local_port: '80' };
  const rs = { ...labels, remote_address: '2001:db8:1::7', remote_port: '8080' };
  const builder = () => new HistoryBuilder({ services: [V6] }, (l) => l.instance ?? '');

  it('merges the samples of one scrape into one observation and reads the info labels', () => {
    const b = builder();
    const info = {
      ...labels,
      scheduler: 'mh',
      flags: 'mh-fallback,mh-port',
      persistence_timeout: '300',
      persistence_netmask: '64',
    };
    b.add(target('ipvs_service_info'), info, 1000, 1);
    b.add(target('ipvs_service_connections_total'), labels, 1000, 12);
    b.add(target('ipvs_service_incoming_bytes_per_second'), labels, 1000, -0);
    b.add(target('ipvs_destination_info'), { ...rs, forward: 'Tunnel' }, 1000, 1);
    b.add(target('ipvs_destination_weight'), rs, 1000, 5);
    b.add(target('ipvs_connection_table_entries'), { ...rs, state: 'SYN_RECV' }, 1000, 2);
    // Not the pool's: another service, another address family's form of nothing, a NaN.
    expect(b.add(target('ipvs_destination_weight'), { ...rs, local_port: '81' }, 1000, 5)).toBe(false);
    expect(b.add(target('ipvs_destination_weight'), rs, 2000, NaN)).toBe(false);
    b.add(
      target('lvscope_keepalived_vip_present'),
      { instance: 'lb1', iname: 'VI_6', ip_address: '2001:db8:f::10' },
      1000,
      1,
    );
    b.add(
      target('lvscope_keepalived_vip_present'),
      { instance: 'lb1', iname: 'VI_9', ip_address: '198.51.100.1' },
      1000,
      1,
    );
    b.add(target('lvscope_keepalived_vrrp_state'), { instance: 'lb1', iname: 'VI_6' }, 1000, 2);
    b.add(target('lvscope_keepalived_vrrp_state'), { instance: 'lb1', iname: 'VI_9' }, 1000, 2);
    const history = b.build('test', { start: 0, end: 5000 });
    const service = history.services[0]!;
    expect(service.observations).toEqual([
      {
        t: 1000,
        director: 'lb1',
        scheduler: 'mh',
        flags: ['mh-fallback', 'mh-port'],
        persistenceSeconds: 300,
        persistenceNetmask: 64,
        counters: { conns: 12 },
        rates: { inBps: 0 },
      },
    ]);
    expect(Object.is(service.observations[0]?.rates?.inBps, 0)).toBe(true);
    expect(service.destinations).toEqual([
      {
        addr: parseIp('2001:db8:1::7'),
        port: 8080,
        observations: [{ t: 1000, director: 'lb1', forward: 'tunnel', weight: 5, states: { SYN_RECV: 2 } }],
      },
    ]);
    // Only the VRRP data about the pool's VIP: VI_6 (tied to it by vip_present), not VI_9.
    expect(history.vrrp.map((o) => o.iname)).toEqual(['VI_6', 'VI_6']);
    expect(history).toMatchObject({ start: 1000, end: 1000, directors: ['lb1'], notes: [] });
  });

  it('keeps the last observation of each step per director when a step is asked for', () => {
    const b = new HistoryBuilder({ services: [V6], stepMs: 5000 }, (l) => l.instance ?? '');
    for (let t = 1000; t <= 12_000; t += 1000) {
      b.add(target('ipvs_destination_weight'), rs, t, t / 1000);
      b.add(target('ipvs_destination_weight'), { ...rs, instance: 'lb2' }, t + 500, t / 1000);
    }
    const observations = b.build('test', { start: 0, end: 20_000 }).services[0]?.destinations[0]
      ?.observations;
    expect(observations?.map((o) => [o.t, o.director, o.weight])).toEqual([
      [4000, 'lb1', 4],
      [4500, 'lb2', 4],
      [9000, 'lb1', 9],
      [9500, 'lb2', 9],
      [12_000, 'lb1', 12],
      [12_500, 'lb2', 12],
    ]);
  });

  it('notes a service it never saw', () => {
    const history = builder().build('test', { start: 0, end: 1000 });
    expect(history.services).toEqual([{ key: V6, observations: [], destinations: [] }]);
    expect(history.notes).toEqual([
      {
        kind: 'missing',
        message:
          'no observation of [2001:db8:f::10]:80 between 1970-01-01T00:00:00.000Z and 1970-01-01T00:00:01.000Z',
      },
    ]);
  });
});
