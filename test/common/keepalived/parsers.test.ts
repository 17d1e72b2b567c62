import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { serviceLabels } from '../../../common/ipvs/vocabulary.js';
import { vrrpView } from '../../../common/keepalived/merge.js';
import type { KeepalivedDaemon, VrrpInstance } from '../../../common/keepalived/model.js';
import { parseCheckData } from '../../../common/keepalived/parse-check-data.js';
import { parseDataDump } from '../../../common/keepalived/parse-data.js';
import { parseIpAddrJson } from '../../../common/keepalived/parse-ip-addr.js';
import { parseJsonDump } from '../../../common/keepalived/parse-json.js';
import { parseStatsDump } from '../../../common/keepalived/parse-stats.js';
import { parseVip } from '../../../common/keepalived/vip.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/keepalived/${name}`, import.meta.url), 'utf8');
const pub = (name: string) => fixture(`public/${name}`);

/** What a text (data + stats) dump yields, through the same merge the families use. */
function textView(dataName: string, statsName: string) {
  const data = parseDataDump(fixture(dataName), dataName);
  const stats = parseStatsDump(fixture(statsName), statsName);
  const daemon: KeepalivedDaemon = {
    name: 'k',
    vrrpFormat: 'text',
    data: { value: data.value, mtimeMs: 1 },
    stats: { value: stats.value, mtimeMs: 1 },
  };
  return { view: vrrpView(daemon), issues: [...data.issues, ...stats.issues] };
}

const essentials = (i: VrrpInstance) => ({
  iname: i.iname,
  intf: i.intf,
  vrid: i.vrid,
  state: i.state,
  wantState: i.wantState,
  basePriority: i.basePriority,
  effectivePriority: i.effectivePriority,
  lastTransition: i.lastTransition,
  advertIntervalSeconds: i.advertIntervalSeconds,
  version: i.version,
  nopreempt: i.nopreempt,
  vips: i.vips.map((v) => v.raw),
  excludedVips: i.excludedVips.map((v) => v.raw),
  stats: i.stats,
});

describe('JSON dump (keepalived 2.2.7 capture, json_version 1 and 2)', () => {
  it('reads state, priorities, VIPs and counters of both instances', () => {
    const { value, issues } = parseJsonDump(
      fixture('2.2.7-vrrp/steady-a-master.json'),
      'steady-a-master.json',
    );
    expect(issues).toEqual([]);
    const [vi1, vi2] = value.instances;
    expect(vi1).toMatchObject({
      iname: 'VI_1',
      intf: 'eth0',
      vrid: 61,
      state: 2,
      wantState: 2,
      basePriority: 150,
      effectivePriority: 150,
      version: 2,
      nopreempt: false,
    });
    expect(vi1?.vips.map((v) => [v.raw, v.address, v.dev])).toEqual([
      ['10.250.0.201/24', '10.250.0.201', 'eth0'],
      ['10.250.0.202', '10.250.0.202', 'eth0'],
    ]);
    expect(vi1?.excludedVips.map((v) => v.raw)).toEqual(['10.250.0.203']);
    expect(vi1?.stats).toMatchObject({ becomeMaster: 1, releaseMaster: 0, authFailure: 0 });
    expect(vi2).toMatchObject({ iname: 'VI_2', vrid: 62, state: 1, masterPriority: 150, version: 3 });
  });

  it('json_version 2 ({"vrrp": [...]}) gives the same instances as version 1', () => {
    const v1 = parseJsonDump(fixture('2.2.7-vrrp/steady-a-master.json'), 'v1');
    const v2 = parseJsonDump(fixture('derived/json-v2-steady-a-master.json'), 'v2');
    expect(v2.issues).toEqual([]);
    expect(v2.value.instances).toEqual(v1.value.instances);
  });

  it('reads FAULT and a build without auth counters (public nser77 sample)', () => {
    const { value, issues } = parseJsonDump(pub('nser77_keepalived-wrapper_keepalived.json'), 'nser77');
    expect(issues).toEqual([]);
    expect(value.instances[0]).toMatchObject({
      iname: 'VI_1',
      vrid: 99,
      state: 3,
      version: 3,
      nopreempt: true,
    });
    expect(value.instances[0]?.stats?.authFailure).toBeUndefined();
  });

  it('keeps the good instances of a damaged dump and names what is wrong', () => {
    const entries = JSON.parse(fixture('2.2.7-vrrp/trackfail-a-fault.json')) as {
      data: Record<string, unknown>;
    }[];
    delete entries[0]?.data.vrid;
    const { value, issues } = parseJsonDump(JSON.stringify(entries), 'broken.json');
    expect(value.instances.map((i) => i.iname)).toEqual(['VI_2']);
    expect(issues[0]).toMatchObject({ file: 'broken.json', field: '[0].data', message: 'missing vrid' });
    const torn = parseJsonDump(fixture('2.2.7-vrrp/steady-a-master.json').slice(0, 700), 'torn.json');
    expect(torn.value.instances).toEqual([]);
    expect(torn.issues[0]?.message).toMatch(/not valid JSON/);
  });
});

describe('text dumps', () => {
  it.each([
    'steady-a-master',
    'steady-b-backup',
    'trackfail-a-fault',
    'trackfail-b-master',
    'killed-peer-b-master',
  ])('2.2.7 %s: data + stats give exactly what the JSON dump of the same moment says', (name) => {
    const { view, issues } = textView(`2.2.7-vrrp/${name}.data`, `2.2.7-vrrp/${name}.stats`);
    expect(issues).toEqual([]);
    expect(view?.up).toBe(true);
    const json = parseJsonDump(fixture(`2.2.7-vrrp/${name}.json`), name).value.instances;
    // The dumps were requested one after the other: advert counters may have moved on.
    const strip = (i: VrrpInstance) => ({
      ...essentials(i),
      stats: { ...i.stats, advertRcvd: 0, advertSent: 0 },
    });
    expect(view?.instances.map(strip)).toEqual(json.map(strip));
  });

  it('2.2.7 track script failing: FAULT, weighted priority and script status BAD', () => {
    const { view } = textView('2.2.7-vrrp/trackfail-a-fault.data', '2.2.7-vrrp/trackfail-a-fault.stats');
    expect(view?.instances.map((i) => [i.iname, i.state, i.basePriority, i.effectivePriority])).toEqual([
      ['VI_1', 3, 150, 150],
      ['VI_2', 1, 100, 40],
    ]);
    expect(view?.scripts).toEqual([{ name: 'chk_health', status: 'BAD', state: 'idle' }]);
  });

  it('1.3.5 layout: Listening device, instance-level VRRP Version, nested tracked script', () => {
    const { view, issues } = textView(
      'public/mehdy_keepalived-exporter_v1.3.5_keepalived.data',
      'public/mehdy_keepalived-exporter_v1.3.5_keepalived.stats',
    );
    expect(issues).toEqual([]);
    const [vi] = view?.instances ?? [];
    expect(vi).toMatchObject({
      iname: 'VI_1',
      intf: 'eth0',
      vrid: 51,
      state: 2,
      version: 2,
      basePriority: 150,
      advertIntervalSeconds: 1,
      lastTransition: 1596892296,
    });
    expect(vi?.vips.map((v) => [v.raw, v.dev])).toEqual([['10.32.75.200/32', 'eth0']]);
    expect(vi?.stats).toEqual({
      advertRcvd: 1,
      advertSent: 17,
      becomeMaster: 1,
      releaseMaster: 1,
      packetLenErr: 10,
      ipTtlErr: 1,
      invalidTypeRcvd: 5,
      advertIntervalErr: 4,
      addrListErr: 3,
      invalidAuthtype: 3,
      authtypeMismatch: 6,
      authFailure: 7,
      priZeroRcvd: 9,
      priZeroSent: 2,
    });
    expect(view?.scripts).toEqual([{ name: 'check_haproxy', status: 'BAD' }]);
  });

  it('2.0.10 layout: Virtual IP = N, script section with State', () => {
    const { value, issues } = parseDataDump(
      pub('mehdy_keepalived-exporter_v2.0.10_keepalived.data'),
      '2.0.10',
    );
    expect(issues).toEqual([]);
    expect(value.instances.map(essentials)[0]).toMatchObject({
      iname: 'VI_1',
      intf: 'ens192',
      vrid: 52,
      state: 2,
      wantState: 2,
      basePriority: 50,
      effectivePriority: 50,
      vips: ['2.2.2.2/32'],
    });
    expect(value.scripts).toEqual([{ name: 'chk_service', status: 'GOOD', state: 'idle' }]);
  });

  it('2.1.5 layout: three instances, "Virtual IP :", unicast peers, error counters', () => {
    const { view, issues } = textView(
      'public/mehdy_keepalived-exporter_v2.1.5_keepalived.data',
      'public/mehdy_keepalived-exporter_v2.1.5_keepalived.stats',
    );
    expect(issues).toEqual([]);
    expect(
      view?.instances.map((i) => [i.iname, i.vrid, i.state, i.masterPriority, i.vips.map((v) => v.raw)]),
    ).toEqual([
      ['VI_EXT_1', 10, 2, undefined, ['192.168.2.1']],
      ['VI_EXT_2', 20, 1, 100, ['192.168.2.2']],
      ['VI_EXT_3', 30, 1, 100, ['192.168.2.3']],
    ]);
    expect(view?.instances[1]?.stats).toMatchObject({
      advertSent: 158,
      authtypeMismatch: 20,
      priZeroRcvd: 12,
    });
  });

  it('2.2.7 public layout: "Virtual IP (1):", excluded VIPs, milli-sec advert interval', () => {
    const { value, issues } = parseDataDump(pub('mehdy_keepalived-exporter_v2.2.7_keepalived.data'), '2.2.7');
    expect(issues).toEqual([]);
    expect(essentials(value.instances[0] as VrrpInstance)).toMatchObject({
      iname: 'VI_227_1',
      intf: 'ens3',
      vrid: 52,
      state: 2,
      basePriority: 50,
      effectivePriority: 150,
      advertIntervalSeconds: 4,
      version: 3,
      vips: ['10.1.0.1/24'],
      excludedVips: ['10.10.0.1'],
    });
    expect(value.scripts).toEqual([{ name: 'check_script', status: 'GOOD', state: 'idle' }]);
  });

  it('a torn data dump never yields vrid 0 or a half instance; data/stats mismatch is down', () => {
    const full = fixture('2.2.7-vrrp/steady-a-master.data');
    const cut = full.slice(0, full.indexOf('Virtual Router ID = 62'));
    const { value, issues } = parseDataDump(cut, 'torn.data');
    expect(value.instances.map((i) => i.iname)).toEqual(['VI_1']);
    expect(issues).toEqual([
      {
        file: 'torn.data',
        line: expect.any(Number) as number,
        field: 'VRRP Instance VI_2',
        message: 'incomplete block (no Virtual Router ID)',
      },
    ]);
    const daemon: KeepalivedDaemon = {
      name: 'k',
      vrrpFormat: 'text',
      data: { value, mtimeMs: 1 },
      stats: { value: parseStatsDump(fixture('2.2.7-vrrp/steady-a-master.stats'), 's').value, mtimeMs: 2 },
    };
    expect(vrrpView(daemon)).toMatchObject({
      up: false,
      instances: [],
      mtimeMs: 2,
      error: expect.stringMatching(/1 instances, stats dump 2/) as string,
    });
  });

  it('one malformed line is reported with file, line and field; the rest is kept', () => {
    const text = fixture('2.2.7-vrrp/steady-a-master.data').replace('State = MASTER', 'State = SPLIT');
    const { value, issues } = parseDataDump(text, 'bad.data');
    expect(issues).toEqual([
      { file: 'bad.data', line: 79, field: 'State', message: 'unknown state "SPLIT"' },
      { file: 'bad.data', line: 77, field: 'VRRP Instance VI_1', message: 'incomplete block (no State)' },
    ]);
    expect(value.instances.map((i) => i.iname)).toEqual(['VI_2']);
    const stats = parseStatsDump(
      fixture('2.2.7-vrrp/steady-a-master.stats').replace('Sent: 3', 'Sent: x'),
      'bad.stats',
    );
    expect(stats.issues[0]).toMatchObject({
      file: 'bad.stats',
      field: 'Advertisements Sent',
      message: 'not a counter below 2^64',
    });
    expect(stats.value.map((s) => s.iname)).toEqual(['VI_2']);
  });
});

describe('keepalived_check.data (2.2.7 on a real IPVS kernel)', () => {
  it('reads virtual servers, quorum state and real servers alive/weight', () => {
    const { value, issues } = parseCheckData(fixture('2.2.7-checker/keepalived_check.data'), 'check');
    expect(issues).toEqual([]);
    expect(
      value.map((vs) => [
        ...(vs.service ? serviceLabels(vs.service) : []),
        vs.scheduler,
        vs.quorum,
        vs.quorumUp,
        vs.alive,
      ]),
    ).toEqual([
      ['TCP', '192.0.2.10', '80', '', 'wrr', 2, true, true],
      ['FWM', '', '0', '00000007', 'sh', 1, false, true],
      ['TCP', '192.0.2.10', '443', '', 'rr', 1, true, true],
    ]);
    expect(
      value[0]?.realServers.map((rs) => [rs.addr.text, rs.port, rs.weight, rs.effectiveWeight, rs.alive]),
    ).toEqual([
      ['198.18.1.2', 80, 3, 3, true],
      ['198.18.2.2', 80, 2, 2, true],
      ['198.18.1.77', 80, 1, 1, false],
    ]);
    expect(value[1]?.realServers[0]).toMatchObject({
      addr: { text: '198.18.2.77' },
      alive: false,
      inhibitOnFailure: true,
      failedCheckers: 1,
    });
  });
});

describe('addresses', () => {
  it('parses VIP lines and canonicalises IPv6', () => {
    expect(parseVip('10.1.0.1/24 dev ens3 scope global set')).toEqual({
      raw: '10.1.0.1/24',
      address: '10.1.0.1',
      prefixLength: 24,
      dev: 'ens3',
    });
    expect(parseVip('2001:DB8:0:0:0:0:0:10/64 dev eth0')?.address).toBe('2001:db8::10');
    expect(parseVip('eth0 is not an address')).toBeUndefined();
    expect(parseVip('fe80:0:0:1:0:0:0:1 dev eth0')?.address).toBe('fe80:0:0:1::1');
    expect(parseVip('1::2::3 dev eth0')).toBeUndefined();
  });

  it('reads ip -j addr output', () => {
    const json = JSON.stringify([
      {
        ifname: 'eth0',
        addr_info: [
          { local: '10.250.0.11' },
          { local: '10.250.0.201', label: 'eth0:v1' },
          { local: 'fe80::1' },
        ],
      },
      { ifname: 'lo', addr_info: [{}] },
    ]);
    const { value, issues } = parseIpAddrJson(json, 'ip');
    expect(value).toEqual([
      { address: '10.250.0.11', intf: 'eth0' },
      { address: '10.250.0.201', intf: 'eth0' },
      { address: 'fe80::1', intf: 'eth0' },
    ]);
    expect(issues).toHaveLength(1);
  });
});
