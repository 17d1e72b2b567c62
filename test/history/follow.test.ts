/**
 * follow.ts on synthetic fleets: two directors reporting the same pool every second, keepalived
 * roles and VIP presence moving between them. Pure and fast: no programs, no clock.
 */
import { describe, expect, it } from 'vitest';
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { parseIp } from '../../common/net/ip.js';
import { FollowError, followHistory, followVip } from '../../analyzer/inputs/history/follow.js';
import type { History, ServiceHistory, VrrpRoleObservation } from '../../analyzer/inputs/history/model.js';

const ip = (text: string) =>
  parseIp(text) ??
  (() => {
    throw new Error(text);
  })();
const VIP = ip('192.0.2.10');
const VIP2 = ip('192.0.2.11');
const WEB: ServiceKey = { kind: 'addr', proto: 'tcp', addr: VIP, port: 80 };
const API: ServiceKey = { kind: 'addr', proto: 'tcp', addr: VIP2, port: 443 };
const MARK: ServiceKey = { kind: 'fwmark', mark: 7, family: 4 };
const BACKUP = 1;
const MASTER = 2;

const seconds = (from: number, to: number, phase = 0): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => (from + i) * 1000 + phase);

/** A service seen by each director at its own scrape times (one real server). */
function service(key: ServiceKey, times: Record<string, number[]>): ServiceHistory {
  const observations = Object.entries(times)
    .flatMap(([director, ts]) => ts.map((t) => ({ t, director, counters: { conns: t / 1000 } })))
    .sort((a, b) => a.t - b.t);
  return {
    key,
    observations,
    destinations: [
      {
        addr: ip('10.0.0.1'),
        port: 80,
        observations: observations.map(({ t, director }) => ({ t, director, weight: 1 })),
      },
    ],
  };
}

/** keepalived state of `iname` on `director` at each time: MASTER in [masterFrom, masterTo). */
function roles(
  director: string,
  iname: string,
  times: number[],
  master: (t: number) => boolean,
): VrrpRoleObservation[] {
  return times.map((t) => ({ t, director, iname, state: master(t) ? MASTER : BACKUP }));
}

function presence(
  director: string,
  iname: string,
  vip: typeof VIP,
  times: number[],
  present: (t: number) => boolean,
) {
  return times.map((t): VrrpRoleObservation => ({ t, director, iname, vip, vipPresent: present(t) }));
}

const only = <T>(list: readonly T[]): T => {
  expect(list).toHaveLength(1);
  return list[0]!;
};

const directorsAt = (s: ServiceHistory): [number, string][] => s.observations.map((o) => [o.t, o.director]);

describe('followVip', () => {
  it('keeps a single director as it is, with or without VRRP data', () => {
    const web = service(WEB, { lb1: seconds(0, 5) });
    const result = followVip({ services: [web], vrrp: [] });
    expect(result.services[0]).toEqual(web);
    expect(result.directors).toEqual(['lb1']);
    expect(result.notes).toEqual([]);
  });

  it('follows the MASTER through a failover and says when it happened', () => {
    // lb1 is MASTER until 10 s, lb2 from 10.5 s (its scrapes are 500 ms out of phase).
    const lb1 = seconds(0, 20);
    const lb2 = seconds(0, 19, 500);
    const web = service(WEB, { lb1, lb2 });
    const vrrp = [
      ...roles('lb1', 'VI_1', lb1, (t) => t < 10_000),
      ...roles('lb2', 'VI_1', lb2, (t) => t >= 10_500),
      // VIP presence ties VI_1 to the pool's VIP (and agrees with the state).
      ...presence('lb1', 'VI_1', VIP, lb1, (t) => t < 10_000),
      ...presence('lb2', 'VI_1', VIP, lb2, (t) => t >= 10_500),
    ];
    const result = followVip({ services: [web], vrrp });
    const kept = directorsAt(result.services[0]!);
    expect(kept.filter(([, d]) => d === 'lb1').map(([t]) => t)).toEqual(seconds(0, 10));
    expect(kept.filter(([, d]) => d === 'lb2').map(([t]) => t)).toEqual(seconds(10, 19, 500));
    expect(result.services[0]?.destinations[0]?.observations.map((o) => o.director)).toEqual(
      kept.map(([, d]) => d),
    );
    expect(result.directors).toEqual(['lb1', 'lb2']);
    const failovers = result.notes.filter((n) => n.kind === 'failover');
    expect(failovers).toHaveLength(1);
    expect(failovers[0]?.t).toBe(10_500);
    expect(failovers[0]?.message).toMatch(
      /^failover: VIP 192\.0\.2\.10 \(VI_1\) moved from lb1 to lb2 at .*\(no director held it for 500 ms before\)$/,
    );
  });

  it('drops the backup director when no failover happens', () => {
    const web = service(WEB, { lb1: seconds(0, 9), lb2: seconds(0, 9, 300) });
    const vrrp = [
      ...roles('lb1', 'VI_1', seconds(0, 9), () => true),
      ...roles('lb2', 'VI_1', seconds(0, 9, 300), () => false),
    ];
    const result = followVip({ services: [web], vrrp });
    expect(new Set(result.services[0]?.observations.map((o) => o.director))).toEqual(new Set(['lb1']));
    expect(result.directors).toEqual(['lb1']);
    expect(result.notes).toEqual([]);
  });

  it('says "split brain" when both are MASTER, and keeps both for that stretch', () => {
    const lb1 = seconds(0, 20);
    const lb2 = seconds(0, 20, 200);
    const web = service(WEB, { lb1, lb2 });
    const vrrp = [
      ...roles('lb1', 'VI_1', lb1, () => true),
      // lb2 stops hearing lb1 from 5 s to 12 s and takes the VIP too.
      ...roles('lb2', 'VI_1', lb2, (t) => t >= 5_000 && t < 12_000),
    ];
    const result = followVip({ services: [web], vrrp });
    const kept = directorsAt(result.services[0]!);
    expect(kept.filter(([, d]) => d === 'lb2').map(([t]) => t)).toEqual(seconds(5, 11, 200));
    expect(kept.filter(([, d]) => d === 'lb1')).toHaveLength(21);
    const split = result.notes.find((n) => n.message.startsWith('split brain:'));
    expect(split).toMatchObject({ kind: 'failover', t: 5_200 });
    expect(split?.message).toContain(
      'held by lb1 and lb2 at once from 1970-01-01T00:00:05.200Z to 1970-01-01T00:00:12.200Z',
    );
    expect(result.notes.find((n) => n.message.startsWith('split brain over'))?.message).toContain(
      'held by lb1 alone',
    );
  });

  it('prefers the VIP on the interfaces over the state keepalived reports', () => {
    // lb1's keepalived is frozen: its dump still says MASTER, but the VIP left it at 6 s.
    const lb1 = seconds(0, 12);
    const lb2 = seconds(0, 12, 100);
    const web = service(WEB, { lb1, lb2 });
    const vrrp = [
      ...roles('lb1', 'VI_1', lb1, () => true),
      ...presence('lb1', 'VI_1', VIP, lb1, (t) => t < 6_000),
      ...roles('lb2', 'VI_1', lb2, (t) => t >= 6_100),
      ...presence('lb2', 'VI_1', VIP, lb2, (t) => t >= 6_100),
    ];
    const result = followVip({ services: [web], vrrp });
    const kept = directorsAt(result.services[0]!);
    expect(kept.filter(([, d]) => d === 'lb2').map(([t]) => t)).toEqual(seconds(6, 12, 100));
    expect(result.notes.filter((n) => n.kind === 'failover')).toHaveLength(1);
  });

  it('keeps the last holder through a gap in the VRRP data, and notes the gap', () => {
    const lb1 = seconds(0, 20);
    const lb2 = seconds(0, 20, 400);
    const web = service(WEB, { lb1, lb2 });
    // No keepalived data at all from 6 s to 14 s (both exporters' keepalived sources down).
    const known = (ts: number[]) => ts.filter((t) => t < 6_000 || t >= 14_000);
    const vrrp = [
      ...roles('lb1', 'VI_1', known(lb1), () => true),
      ...roles('lb2', 'VI_1', known(lb2), () => false),
    ];
    const result = followVip({ services: [web], vrrp });
    expect(new Set(result.services[0]?.observations.map((o) => o.director))).toEqual(new Set(['lb1']));
    expect(result.services[0]?.observations).toHaveLength(21);
    const gap = result.notes.find((n) => n.kind === 'gap');
    // lb1's last role at 5 s stands for 2.5 intervals (until 7.5 s); lb2's (5.4 s) until 7.9 s.
    expect(gap?.t).toBe(7_900);
    expect(gap?.message).toMatch(
      /^no VRRP role known for VIP 192\.0\.2\.10 \(VI_1\) from .*:00:07\.900Z to .*:00:14\.000Z: kept lb1, the last known to hold it$/,
    );
  });

  it('before any VRRP data, keeps the first director known to hold the VIP, and says so', () => {
    const lb1 = seconds(0, 9);
    const lb2 = seconds(0, 9, 500);
    const late = (ts: number[]) => ts.filter((t) => t >= 5_000);
    const vrrp = [
      ...roles('lb1', 'VI_1', late(lb1), () => true),
      ...roles('lb2', 'VI_1', late(lb2), () => false),
    ];
    const result = followVip({ services: [service(WEB, { lb1, lb2 })], vrrp });
    expect(directorsAt(result.services[0]!).map(([, d]) => d)).toEqual(Array<string>(10).fill('lb1'));
    expect(result.notes).toHaveLength(1);
    expect(result.notes[0]?.message).toMatch(
      /^no VRRP role known for VIP 192\.0\.2\.10 \(VI_1\) until .*:00:05\.000Z: kept lb1, the first known to hold it$/,
    );
  });

  it('says when nobody held the VIP (every director BACKUP), keeping the last holder', () => {
    const lb1 = seconds(0, 9);
    const lb2 = seconds(0, 9, 500);
    const vrrp = [
      ...roles('lb1', 'VI_1', lb1, (t) => t < 4_000 || t >= 7_000),
      ...roles('lb2', 'VI_1', lb2, () => false),
    ];
    const result = followVip({ services: [service(WEB, { lb1, lb2 })], vrrp });
    expect(new Set(directorsAt(result.services[0]!).map(([, d]) => d))).toEqual(new Set(['lb1']));
    const gap = only(result.notes);
    expect(gap).toMatchObject({ kind: 'gap', t: 4_000 });
    expect(gap.message).toBe(
      'no director held VIP 192.0.2.10 (VI_1) from 1970-01-01T00:00:04.000Z to 1970-01-01T00:00:07.000Z ' +
        '(lb1 BACKUP, lb2 BACKUP): kept lb1, the last known to hold it',
    );
  });

  it('stops counting a director that stopped reporting (it died): no split brain', () => {
    const lb1 = seconds(0, 8);
    const lb2 = seconds(0, 20, 500);
    const web = service(WEB, { lb1, lb2 });
    const vrrp = [
      ...roles('lb1', 'VI_1', lb1, () => true),
      // lb2 takes over 3 s after lb1's last report (VRRP master-down interval).
      ...roles('lb2', 'VI_1', lb2, (t) => t >= 11_500),
    ];
    const result = followVip({ services: [web], vrrp });
    expect(result.notes.some((n) => n.message.startsWith('split brain'))).toBe(false);
    expect(result.notes.filter((n) => n.kind === 'failover').map((n) => n.t)).toEqual([11_500]);
    const kept = directorsAt(result.services[0]!);
    expect(kept.filter(([, d]) => d === 'lb2').map(([t]) => t)).toEqual(seconds(11, 20, 500));
  });

  it('follows each VIP of the pool on its own', () => {
    const lb1 = seconds(0, 5);
    const lb2 = seconds(0, 5, 250);
    const vrrp = [
      ...presence('lb1', 'VI_1', VIP, lb1, () => true),
      ...presence('lb2', 'VI_1', VIP, lb2, () => false),
      ...presence('lb1', 'VI_2', VIP2, lb1, () => false),
      ...presence('lb2', 'VI_2', VIP2, lb2, () => true),
    ];
    const result = followVip({
      services: [service(WEB, { lb1, lb2 }), service(API, { lb1, lb2 })],
      vrrp,
    });
    expect(new Set(result.services[0]?.observations.map((o) => o.director))).toEqual(new Set(['lb1']));
    expect(new Set(result.services[1]?.observations.map((o) => o.director))).toEqual(new Set(['lb2']));
  });

  it('asks for --director when several directors have the pool and there is no VRRP data', () => {
    const web = service(WEB, { 'lb1:14787': seconds(0, 3), 'lb2:14787': seconds(0, 3, 10) });
    expect(() => followVip({ services: [web], vrrp: [] })).toThrow(FollowError);
    try {
      followVip({ services: [web], vrrp: [] });
    } catch (error) {
      expect((error as FollowError).directors).toEqual(['lb1:14787', 'lb2:14787']);
      expect((error as Error).message).toBe(
        'the pool (VIP 192.0.2.10) was seen on several directors (lb1:14787, lb2:14787) and no VRRP data ' +
          '(lvscope_keepalived_vrrp_state, lvscope_keepalived_vip_present) says which one held it: ' +
          'pass --director with one of them',
      );
    }
  });

  it('refuses VRRP data from directors that are not the pool’s (different instance labels)', () => {
    const web = service(WEB, { 'lb1:14787': seconds(0, 3), 'lb2:14787': seconds(0, 3, 10) });
    const vrrp = roles('lb1:9165', 'VI_1', seconds(0, 3), () => true);
    expect(() => followVip({ services: [web], vrrp })).toThrow(
      /comes from lb1:9165 but the pool's observations from lb1:14787, lb2:14787/,
    );
  });

  it('refuses to guess which of several instances carries the VIP', () => {
    const web = service(WEB, { lb1: seconds(0, 3), lb2: seconds(0, 3, 10) });
    const vrrp = [
      ...roles('lb1', 'VI_1', seconds(0, 3), () => true),
      ...roles('lb1', 'VI_9', seconds(0, 3), () => false),
    ];
    expect(() => followVip({ services: [web], vrrp })).toThrow(/several keepalived instances \(VI_1, VI_9\)/);
  });

  it('lets firewall-mark services follow the pool’s only VIP', () => {
    const lb1 = seconds(0, 9);
    const lb2 = seconds(0, 9, 500);
    const vrrp = [
      ...presence('lb1', 'VI_1', VIP, lb1, (t) => t < 5_000),
      ...presence('lb2', 'VI_1', VIP, lb2, (t) => t >= 5_000),
    ];
    const result = followVip({ services: [service(WEB, { lb1, lb2 }), service(MARK, { lb1, lb2 })], vrrp });
    expect(directorsAt(result.services[1]!)).toEqual(directorsAt(result.services[0]!));
    expect(result.notes.filter((n) => n.kind === 'failover')).toHaveLength(1);
  });

  it('filters the client mix with the same holder, and followHistory adds the notes', () => {
    const lb1 = seconds(0, 9);
    const lb2 = seconds(0, 9, 500);
    const vrrp = [
      ...roles('lb1', 'VI_1', lb1, (t) => t < 5_000),
      ...roles('lb2', 'VI_1', lb2, (t) => t >= 5_000),
    ];
    const history: History = {
      source: 'test',
      start: 0,
      end: 9_500,
      directors: ['lb1', 'lb2'],
      services: [service(WEB, { lb1, lb2 })],
      clientMix: [...lb1, ...lb2]
        .sort((a, b) => a - b)
        .map((t) => ({ t, director: t % 1000 ? 'lb2' : 'lb1', entries: 1, topClients: [] })),
      vrrp,
      notes: [{ kind: 'source', message: 'synthetic' }],
    };
    const followed = followHistory(history);
    expect(followed.clientMix.map((m) => m.director)).toEqual([
      // lb1's report at 5 s already says BACKUP, lb2's MASTER comes at 5.5 s: lb1 is kept until then.
      ...Array<string>(6).fill('lb1'),
      ...Array<string>(5).fill('lb2'),
    ]);
    expect(followed.notes.map((n) => n.kind)).toEqual(['source', 'failover']);
    expect(followed.vrrp).toBe(history.vrrp);
  });
});
