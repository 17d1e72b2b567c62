/**
 * The passive VRRP listener's pure parts against real captures (fixtures/keepalived/vrrp-wire:
 * a keepalived 2.2.7 pair, VRRPv2 with PASS auth, VRRPv3 over IPv4 and IPv6, a graceful resign),
 * and its process handling with a tcpdump stand-in that replays one of them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AdvertiserTable, masterDownSeconds } from '../../exporter/keepalived/wire/advertisers.js';
import { VrrpCapture } from '../../exporter/keepalived/wire/capture.js';
import { vrrpWireFamilies } from '../../exporter/keepalived/wire/families.js';
import type { WireCapture } from '../../common/vrrp/model.js';
import { ipPacket, LINKTYPE, parseVrrpPacket, type VrrpAdvert } from '../../common/vrrp/parse-vrrp.js';
import { PcapStream, type PcapRecord } from '../../common/pcap/pcap-stream.js';
import { VrrpWireSource } from '../../exporter/keepalived/wire/source.js';
import { emptyDraft } from '../../exporter/core/draft.js';
import { renderExposition } from '../../exporter/outputs/prometheus/render.js';
import { collectFamilies } from '../../exporter/tools/collect-families.js';
import { familyTable, unmappedLabels } from '../../exporter/tools/mapping-doc.js';
import { installed, tempDir, waitFor } from '../support/process.js';

const DIR = path.resolve(import.meta.dirname, '../../fixtures/keepalived/vrrp-wire');
const REPLAY = path.resolve(import.meta.dirname, 'tcpdump-replay.sh');
const PASSWORD = 'lab-vrrp';
const A = '10.249.0.11';
const B = '10.249.0.12';
const A6 = 'fe80::94c9:8cff:fe88:c60';
const B6 = 'fe80::9089:9cff:fe90:d705';

const FILES = {
  'eth0.pcap': LINKTYPE.EN10MB,
  'eth0-big-endian.pcap': LINKTYPE.EN10MB,
  'any-sll.pcap': LINKTYPE.LINUX_SLL,
  'any-sll2-nano.pcap': LINKTYPE.LINUX_SLL2,
} as const;

const bytes = (file: string) => readFileSync(path.join(DIR, file));

/** Records of a capture, each pushed in chunks of the given sizes. */
function records(data: Buffer, chunkSizes: (i: number) => number = () => data.length): PcapRecord[] {
  const stream = new PcapStream();
  const out: PcapRecord[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = Math.max(1, chunkSizes(i));
    stream.push(data.subarray(at, at + size), (r) => out.push({ ...r, data: Buffer.from(r.data) }));
    at += size;
  }
  const issue = stream.end();
  if (issue) throw new Error(`${issue.field}: ${issue.message}`);
  return out;
}

function decode(record: PcapRecord): VrrpAdvert {
  const packet = ipPacket(record.linkType, record.data);
  if (typeof packet === 'string') throw new Error(packet);
  const result = parseVrrpPacket(packet);
  if ('error' in result) throw new Error(result.error);
  return result.advert;
}

const summary = (adverts: readonly VrrpAdvert[]) => {
  const counts: Record<string, number> = {};
  for (const a of adverts) {
    const key = `v${a.version} vrid ${a.vrid} ${a.source} prio ${a.priority}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

describe('pcap stream', () => {
  it.each(Object.entries(FILES))('%s: 45 records of link type %i', (file, linkType) => {
    const list = records(bytes(file));
    expect(list).toHaveLength(45);
    expect(new Set(list.map((r) => r.linkType))).toEqual(new Set([linkType]));
    // Captured on 2026-11-25 between 02:59:37 and 02:59:49 UTC.
    for (const r of list) {
      expect(r.timestampMs).toBeGreaterThan(Date.UTC(2026, 10, 25, 2, 59, 37));
      expect(r.timestampMs).toBeLessThan(Date.UTC(2026, 10, 25, 2, 59, 49));
      expect(r.data.length).toBe(r.originalLength);
    }
  });

  it('the big-endian copy yields the very same records; nanosecond and microsecond stamps agree', () => {
    expect(records(bytes('eth0-big-endian.pcap'))).toEqual(records(bytes('eth0.pcap')));
    // Both taken in b's namespace: the kernel stamps each packet once for every capture.
    const nano = records(bytes('any-sll2-nano.pcap')).map((r) => r.timestampMs);
    const micro = records(bytes('any-sll.pcap')).map((r) => r.timestampMs);
    nano.forEach((ms, i) => expect(Math.abs(ms - micro[i]!)).toBeLessThan(0.002));
  });

  it('records split across chunks of any size come out the same, with bounded buffering', () => {
    const data = bytes('eth0.pcap');
    const whole = records(data);
    expect(records(data, () => 1)).toEqual(whole);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 97;
    expect(records(data, random)).toEqual(whole);
    const stream = new PcapStream();
    let most = 0;
    for (let at = 0; at < data.length; at += 5) {
      stream.push(data.subarray(at, at + 5), () => undefined);
      most = Math.max(most, stream.buffered);
    }
    expect(most).toBeLessThanOrEqual(16 + 256);
  });

  it('an impossible record length stops the stream with one issue, keeping the records before it', () => {
    const data = Buffer.from(bytes('eth0.pcap'));
    const first = records(data).slice(0, 2);
    // Third record header: after the global header and two records.
    const third = 24 + first.reduce((sum, r) => sum + 16 + r.data.length, 0);
    data.writeUInt32LE(0x7fff_ffff, third + 8);
    const stream = new PcapStream();
    const seen: number[] = [];
    stream.push(data, (r) => seen.push(r.timestampMs));
    expect(seen).toEqual(first.map((r) => r.timestampMs));
    expect(stream.issue).toMatchObject({ file: 'pcap', line: 3, field: 'incl_len' });
    stream.push(bytes('eth0.pcap'), (r) => seen.push(r.timestampMs));
    expect(seen).toHaveLength(2);
    expect(stream.buffered).toBe(0);
  });

  it('rejects a stream that is not pcap, and reports a record cut off at the end', () => {
    const text = new PcapStream();
    text.push(Buffer.from('tcpdump: eth9: No such device exists\n'), () => undefined);
    expect(text.issue?.message).toMatch(/not a pcap stream/);
    const cut = new PcapStream();
    const data = bytes('eth0.pcap');
    let n = 0;
    cut.push(data.subarray(0, data.length - 10), () => n++);
    expect(n).toBe(44);
    expect(cut.end()).toMatchObject({ line: 45, field: 'record' });
  });
});

describe('VRRP packets', () => {
  it.each(Object.keys(FILES))('%s: every record is a valid advert, as tcpdump decodes them', (file) => {
    const adverts = records(bytes(file)).map(decode);
    expect(summary(adverts)).toEqual({
      [`v2 vrid 71 ${A} prio 150`]: 5,
      [`v2 vrid 71 ${A} prio 0`]: 1,
      [`v2 vrid 71 ${B} prio 100`]: 5,
      [`v3 vrid 72 ${B} prio 150`]: 10,
      [`v3 vrid 73 ${A6} prio 150`]: 13,
      [`v3 vrid 73 ${A6} prio 0`]: 1,
      [`v3 vrid 73 ${B6} prio 100`]: 10,
    });
  });

  it('decodes v2 (auth type, seconds), v3 IPv4 and v3 IPv6 (centiseconds) fields', () => {
    const adverts = records(bytes('eth0.pcap')).map(decode);
    expect(adverts.find((a) => a.vrid === 71)).toEqual({
      version: 2,
      addressFamily: 'ipv4',
      source: A,
      destination: '224.0.0.18',
      vrid: 71,
      priority: 150,
      addressCount: 2,
      advertIntervalSeconds: 1,
      authType: 1,
      addresses: ['10.249.0.201', '10.249.0.202'],
    });
    expect(adverts.find((a) => a.vrid === 72)).toEqual({
      version: 3,
      addressFamily: 'ipv4',
      source: B,
      destination: '224.0.0.18',
      vrid: 72,
      priority: 150,
      addressCount: 1,
      advertIntervalSeconds: 1,
      addresses: ['10.249.0.204'],
    });
    expect(adverts.find((a) => a.vrid === 73)).toMatchObject({
      version: 3,
      addressFamily: 'ipv6',
      destination: 'ff02::12',
      advertIntervalSeconds: 0.5,
      addresses: ['fd00:249::201'],
    });
  });

  it('RAW link type: the same IP packets without their Ethernet header decode the same', () => {
    for (const r of records(bytes('eth0.pcap'))) {
      const raw = { ...r, linkType: LINKTYPE.RAW, data: r.data.subarray(14) };
      expect(decode(raw)).toEqual(decode(r));
    }
  });

  it('the v2 password is on the wire but in no decoded advert, and a bad one only fails the checksum', () => {
    const data = bytes('eth0.pcap');
    expect(data.includes(PASSWORD)).toBe(true);
    const list = records(data);
    expect(JSON.stringify(list.map(decode))).not.toContain(PASSWORD);
    const v2 = list.find((r) => decode(r).version === 2)!;
    const tampered = Buffer.from(v2.data);
    const at = tampered.indexOf(PASSWORD);
    tampered.write('LAB', at);
    const result = parseVrrpPacket(ipPacket(LINKTYPE.EN10MB, tampered) as Buffer);
    expect(result).toEqual({ error: 'VRRPv2 checksum mismatch' });
  });

  it('rejects a changed field (checksum), TTL below 255, a truncated message and a non-advert type', () => {
    const [r] = records(bytes('eth0.pcap')).filter((x) => decode(x).vrid === 72);
    const ip = () => Buffer.from(ipPacket(r!.linkType, r!.data) as Buffer);
    const priority = ip();
    priority[20 + 2] = 200;
    expect(parseVrrpPacket(priority)).toEqual({ error: 'VRRPv3 checksum mismatch' });
    const ttl = ip();
    ttl[8] = 254;
    expect(parseVrrpPacket(ttl)).toEqual({ error: 'TTL 254 is not 255' });
    const short = ip();
    short.writeUInt16BE(20 + 10, 2);
    expect(parseVrrpPacket(short.subarray(0, 30))).toEqual({
      error: 'VRRP message of 10 bytes is shorter than 12 for 1 addresses',
    });
    const type = ip();
    type[20] = 0x32;
    expect(parseVrrpPacket(type)).toEqual({ error: 'VRRP type 2 is not ADVERTISEMENT' });
    expect(ipPacket(LINKTYPE.EN10MB, Buffer.alloc(10))).toBe('truncated Ethernet header');
    expect(ipPacket(228, r!.data)).toBe('link type 228 is not supported');
  });
});

/** The capture's adverts fed to a table as they were captured, stopping at `untilMs`. */
function tableAt(untilMs: number, capacity?: number): AdvertiserTable {
  const table = new AdvertiserTable(capacity);
  for (const r of records(bytes('eth0.pcap')))
    if (r.timestampMs <= untilMs) table.observe('eth0', decode(r), r.timestampMs);
  return table;
}

const list = records(bytes('eth0.pcap'));
const resignMs = list.find((r) => decode(r).priority === 0)!.timestampMs;
const lastMs = list.at(-1)!.timestampMs;
const capture = (table: AdvertiserTable, nowMs: number): WireCapture => ({
  intf: 'eth0',
  capturing: true,
  advertisers: table.current(nowMs),
  dropped: table.dropped,
});
const samples = (families: ReturnType<typeof vrrpWireFamilies>, name: string) =>
  families.find((f) => f.name === name)?.samples.map((s) => [...s.labels, s.value].join(' ')) ?? [];

describe('advertisers and their families', () => {
  it('steady state: one router per VRID', () => {
    const families = vrrpWireFamilies({ captures: [capture(tableAt(resignMs - 1), resignMs - 1)] });
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_advertisers')).toEqual([
      'eth0 71 ipv4 1',
      'eth0 72 ipv4 1',
      'eth0 73 ipv6 1',
    ]);
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_priority')).toEqual([
      `eth0 71 2 ${A} 150`,
      `eth0 72 3 ${B} 150`,
      `eth0 73 3 ${A6} 150`,
    ]);
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_advert_interval_seconds')).toEqual([
      `eth0 71 2 ${A} 1`,
      `eth0 72 3 ${B} 1`,
      `eth0 73 3 ${A6} 0.5`,
    ]);
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_packets_total')).toEqual([
      `eth0 71 2 ${A} 5`,
      `eth0 72 3 ${B} 5`,
      `eth0 73 3 ${A6} 13`,
    ]);
    expect(unmappedLabels(families)).toEqual([]);
  });

  it('a resigning master (priority 0) stays visible but is not counted; it drops out after its master-down interval', () => {
    const during = resignMs + 700; // b has sent its first VI_1 advert by then
    const families = vrrpWireFamilies({ captures: [capture(tableAt(during), during)] });
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_priority')).toContain(`eth0 71 2 ${A} 0`);
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_priority')).toContain(`eth0 71 2 ${B} 100`);
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_advertisers')).toContain('eth0 71 ipv4 1');
    // Priority 0, 1 s interval: 3 s + 256/256 s; the capture ends later than that.
    expect(masterDownSeconds(1, 0)).toBe(4);
    expect(lastMs - resignMs).toBeGreaterThan(4000);
    const end = vrrpWireFamilies({ captures: [capture(tableAt(lastMs), lastMs)] });
    expect(samples(end, 'lvscope_keepalived_vrrp_wire_priority')).toEqual([
      `eth0 71 2 ${B} 100`,
      `eth0 72 3 ${B} 150`,
      `eth0 73 3 ${B6} 100`,
    ]);
  });

  it('a router that stops advertising drops out after 3 intervals plus skew; a second live one is counted', () => {
    const table = tableAt(resignMs - 1);
    const a71 = table.current(resignMs - 1).find((e) => e.vrid === 71)!;
    const down = masterDownSeconds(1, 150) * 1000;
    expect(table.current(a71.lastSeenMs + down - 1).some((e) => e.vrid === 71)).toBe(true);
    expect(table.current(a71.lastSeenMs + down + 1).some((e) => e.vrid === 71)).toBe(false);
    // b advertising VI_1 while a still does: two masters.
    const twoMasters = tableAt(resignMs - 1);
    const b71 = records(bytes('eth0.pcap'))
      .map(decode)
      .find((x) => x.vrid === 71 && x.source === B)!;
    twoMasters.observe('eth0', b71, resignMs - 1);
    const families = vrrpWireFamilies({ captures: [capture(twoMasters, resignMs)] });
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_advertisers')).toContain('eth0 71 ipv4 2');
  });

  it('the table is bounded: routers beyond its capacity are counted as dropped', () => {
    const table = tableAt(resignMs - 1, 2);
    // a's VI_3 and VI_1 came first; b's 5 VI_2 adverts before the resign found the table full.
    expect(table.current(resignMs - 1).map((e) => e.vrid)).toEqual([71, 73]);
    expect(table.dropped).toBe(5);
    const families = vrrpWireFamilies({ captures: [capture(table, resignMs - 1)] });
    expect(samples(families, 'lvscope_keepalived_vrrp_wire_dropped_total')).toEqual(['eth0 5']);
  });

  it("the README's name mapping lists the listener's families as they are yielded", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const during = resignMs + 700;
    const rows = familyTable(vrrpWireFamilies({ captures: [capture(tableAt(during), during)] }))
      .split('\n')
      .filter((row) => row.startsWith('| `'));
    expect(rows).toHaveLength(8);
    // regenerate: print familyTable(...) of this very collection
    expect(rows.filter((row) => !readme.includes(row))).toEqual([]);
  });

  it('the exposition never holds the password', async () => {
    const text = await renderExposition(
      vrrpWireFamilies({ captures: [capture(tableAt(lastMs), resignMs + 700)] }),
    );
    expect(text).toMatch(
      /lvscope_keepalived_vrrp_wire_advertisers\{intf="eth0",vrid="71",address_family="ipv4"\} 1/,
    );
    expect(text).not.toContain(PASSWORD);
  });
});

describe('capture process (tcpdump stand-in replaying eth0.pcap)', () => {
  const work = tempDir('vrrp-wire');
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reads adverts from the pipe, reports itself up, and stops the process', async () => {
    const log = path.join(work, 'calls.txt');
    process.env.TCPDUMP_REPLAY_PCAP = path.join(DIR, 'eth0.pcap');
    process.env.TCPDUMP_REPLAY_LOG = log;
    const c = new VrrpCapture('eth0', { tcpdump: REPLAY });
    const source = new VrrpWireSource(c);
    c.start();
    try {
      // All 45 read: b's 5 + 10 + 10 adverts are what is left at the capture's end.
      const packets = () => c.table.current(lastMs).reduce((sum, e) => sum + e.packets, 0);
      await waitFor('capture listening with all adverts read', 5000, () => c.capturing && packets() === 25);
      const draft = emptyDraft();
      expect(await source.collect(draft)).toEqual({ up: true, parseErrors: 0 });
      // The replayed capture is old: at collection time every router has expired.
      expect(draft.vrrpWire[0]).toMatchObject({
        intf: 'eth0',
        capturing: true,
        advertisers: [],
      });
      expect(readFileSync(log, 'utf8')).toBe(
        '-i eth0 -w - -U -n -s 512 --immediate-mode ip proto 112 or ip6 proto 112\n',
      );
    } finally {
      await c.stop();
    }
    expect(c.capturing).toBe(false);
  });

  it('a packet that is not a valid advert is a parse error naming the record, the rest is kept', async () => {
    const data = Buffer.from(bytes('eth0.pcap'));
    // Record 1 is an IPv6 advert: its hop limit is byte 7 of the IP header, after 14 of Ethernet.
    data[24 + 16 + 14 + 7] = 254;
    const pcap = path.join(work, 'hop-limit.pcap');
    writeFileSync(pcap, data);
    process.env.TCPDUMP_REPLAY_PCAP = pcap;
    const c = new VrrpCapture('eth0', { tcpdump: REPLAY });
    c.start();
    try {
      const packets = () => c.table.current(lastMs).reduce((sum, e) => sum + e.packets, 0);
      await waitFor('all adverts read', 5000, () => c.capturing && packets() === 25);
      const source = new VrrpWireSource(c);
      expect(await source.collect(emptyDraft())).toEqual({
        up: true,
        parseErrors: 1,
        error: 'tcpdump -i eth0:1: packet: hop limit 254 is not 255',
      });
      // Reported once: the next collection starts from zero.
      expect(await source.collect(emptyDraft())).toEqual({ up: true, parseErrors: 0 });
    } finally {
      await c.stop();
    }
  });

  const asRoot = process.getuid?.() === 0 && installed('ip');
  if (!asRoot) console.warn('network namespace capture test skipped: needs root and ip');
  it.skipIf(!asRoot)(
    '--keepalived.vrrp-listen-netns: tcpdump runs inside the namespace through ip netns exec',
    async () => {
      const ns = `lvsk-wire-${process.pid}`;
      execFileSync('ip', ['netns', 'add', ns], { timeout: 10_000 });
      const nsLog = path.join(work, 'netns.txt');
      process.env.TCPDUMP_REPLAY_PCAP = path.join(DIR, 'eth0.pcap');
      process.env.TCPDUMP_REPLAY_NETNS_LOG = nsLog;
      const c = new VrrpCapture('eth0', { tcpdump: REPLAY, netns: ns, ip: 'ip' });
      c.start();
      try {
        const packets = () => c.table.current(lastMs).reduce((sum, e) => sum + e.packets, 0);
        await waitFor('all adverts read', 5000, () => c.capturing && packets() === 25);
        expect(readFileSync(nsLog, 'utf8')).toBe(`net:[${statSync(`/run/netns/${ns}`).ino}]\n`);
      } finally {
        await c.stop();
        delete process.env.TCPDUMP_REPLAY_NETNS_LOG;
        execFileSync('ip', ['netns', 'del', ns], { timeout: 10_000 });
      }
    },
  );

  it('a failing tcpdump is down with its one-line reason, and restarted', async () => {
    const log = path.join(work, 'failing.txt');
    process.env.TCPDUMP_REPLAY_LOG = log;
    process.env.TCPDUMP_REPLAY_FAIL = '1';
    const c = new VrrpCapture('eth9', { tcpdump: REPLAY });
    c.start();
    try {
      await waitFor(
        'two starts',
        5000,
        () => existsSync(log) && readFileSync(log, 'utf8').split('\n').length > 2,
        100,
      );
      const outcome = await new VrrpWireSource(c).collect(emptyDraft());
      expect(outcome.up).toBe(false);
      expect(outcome.error).toBe('tcpdump -i eth9 exited (exit 1): tcpdump: eth9: No such device exists');
    } finally {
      await c.stop();
      delete process.env.TCPDUMP_REPLAY_FAIL;
    }
  });

  it('a missing tcpdump is reported with the flag that names it', async () => {
    const c = new VrrpCapture('eth0', { tcpdump: path.join(work, 'no-tcpdump') });
    c.start();
    try {
      await waitFor('spawn error', 2000, () => c.lastError);
      expect(c.lastError).toBe(`${path.join(work, 'no-tcpdump')}: not found (--keepalived.tcpdump-path)`);
    } finally {
      await c.stop();
    }
  });
});

describe('--keepalived.vrrp-listen', () => {
  it('adds one source per interface, down and reported until its capture runs', async () => {
    // collectFamilies does not start modules: the captures exist but tcpdump was never run.
    const families = await collectFamilies([
      '--no-collector.ipvs',
      '--keepalived.vrrp-listen=eth0,eth1',
      `--keepalived.tcpdump-path=${REPLAY}`,
    ]);
    const values = (name: string) =>
      families.find((f) => f.name === name)?.samples.map((x) => `${x.labels.join(' ')} ${x.value}`);
    expect(values('lvscope_keepalived_vrrp_wire_listener_up')).toEqual(['eth0 0', 'eth1 0']);
    expect(values('lvscope_source_up')).toEqual([
      'keepalived_vrrp_wire:eth0 0',
      'keepalived_vrrp_wire:eth1 0',
    ]);
  });

  it('rejects what is not an interface name and a table without room', async () => {
    await expect(collectFamilies(['--keepalived.vrrp-listen=eth0 -w /tmp/x'])).rejects.toThrow(
      '--keepalived.vrrp-listen: "eth0 -w /tmp/x" is not an interface name',
    );
    await expect(
      collectFamilies(['--keepalived.vrrp-listen=eth0', '--keepalived.vrrp-listen-max-advertisers=0']),
    ).rejects.toThrow('--keepalived.vrrp-listen-max-advertisers must be a positive integer');
  });
});
