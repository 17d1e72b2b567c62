/**
 * Issue 12 §3/§4: values no kernel or keepalived prints went out as data (309-digit weights as
 * +Inf, negative ActiveConn, 2^64 counters, a 100 kB scheduler name, NaN advert interval,
 * vrid outside 1-255, negative keepalived counters). Each is now an issue naming line and field.
 */
import { describe, expect, it } from 'vitest';
import { parseIpVs } from '../../common/ipvs/parse-ip-vs.js';
import { parseIpVsStats } from '../../common/ipvs/parse-ip-vs-stats.js';
import { parseIpvsadmStats } from '../../common/ipvs/parse-ipvsadm.js';
import { parseDataDump } from '../../common/keepalived/parse-data.js';
import { FifoTracker } from '../../common/keepalived/parse-fifo.js';
import { parseJsonDump } from '../../common/keepalived/parse-json.js';

const IP_VS_HEAD =
  'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n';

describe('values no kernel prints are refused', () => {
  it('ip_vs: a 309-digit weight, a negative ActiveConn, a 100 kB scheduler, a 2^64 table size', () => {
    const text =
      IP_VS_HEAD.replace('4096', '18446744073709551616') +
      'TCP  C0A80016:0CEA wlc\n' +
      `  -> C0A85216:0CEA      Tunnel  ${'9'.repeat(309)}    248        2\n` +
      '  -> C0A85318:0CEA      Tunnel  100    -1        2\n' +
      '  -> C0A85319:0CEA      Tunnel  100    1        2\n' +
      `TCP  C0A80017:0CEA ${'w'.repeat(100_000)}\n`;
    const { value, issues } = parseIpVs(text, { hz: 250 });
    expect(value.connTableSize).toBeUndefined();
    expect(value.services).toHaveLength(1);
    expect(value.services[0]?.destinations.map((d) => d.weight)).toEqual([100]);
    expect(issues.map((i) => [i.line, i.field])).toEqual([
      [5, 'Weight'],
      [6, 'ActiveConn'],
      [8, 'Scheduler'],
    ]);
    expect(issues.every((i) => i.message.length < 300)).toBe(true);
  });

  it('ip_vs_stats: a counter of 17 hex digits (2^64) is not data', () => {
    const text =
      '   Total Incoming Outgoing         Incoming         Outgoing\n   Conns  Packets  Packets            Bytes            Bytes\n' +
      '      10000000000000000       9B        0             18EC                0\n\n' +
      ' Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s\n       3        A        0              1AE                0\n';
    const { issues } = parseIpVsStats(text);
    expect(issues[0]).toMatchObject({ line: 3, field: 'Conns' });
  });

  it('ipvsadm: a counter of 2^64 and a K-suffixed number past it', () => {
    const text =
      'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n  -> RemoteAddress:Port\n' +
      'TCP  172.16.1.18:3306                   18446744073709551616      155        0     6380        0\n';
    expect(parseIpvsadmStats(text).issues[0]).toMatchObject({ line: 4, field: 'Conns' });
  });

  it('keepalived: NaN advert interval, vrid 300, priority 1e309 in the FIFO, negative JSON counters', () => {
    const data = parseDataDump(
      '------< VRRP Topology >------\n VRRP Instance = VI_1\n   State = MASTER\n   Interface = eth0\n   Virtual Router ID = 300\n   Advert interval = 1.2.3 sec\n',
      'k.data',
    );
    expect(data.issues.map((i) => [i.line, i.field])).toEqual([
      [5, 'Virtual Router ID'],
      [6, 'Advert interval'],
      [2, 'VRRP Instance VI_1'],
    ]);
    const fifo = new FifoTracker();
    expect(fifo.apply(`INSTANCE "VI_1" MASTER ${'9'.repeat(309)}`, 0)).toBe(false);
    const json = parseJsonDump(
      JSON.stringify([{ data: { iname: 'VI_1', vrid: 51, state: 2 }, stats: { advert_rcvd: -1 } }]),
      'k.json',
    );
    expect(json.value.instances[0]?.stats).toBeUndefined();
    expect(json.issues[0]).toMatchObject({ field: '[0](VI_1).stats.advert_rcvd' });
  });
});
