/**
 * The cost model against modes-and-capacity.md §4: its worked illustration reproduced from a
 * service model shaped like the fitter's, each mode's packets, bytes, cores, table memory and
 * headroom from the formulas by hand, the unknowns a DR recording leaves, tunnel MSS, DR's port
 * rule, FULLNAT's overhead parameter and local-address space, and the recommendation's choices.
 */
import { describe, expect, it } from 'vitest';
import {
  CostInputError,
  costInputFromWorkload,
  costModes,
  DEFAULT_COST_PROFILE,
  type CostProfile,
  type ForwardingMode,
  MODES,
  type ModeCost,
  type ModeCostReport,
} from '../../../analyzer/cost/index.js';
import { BIN, BOUT, exampleService, MEAN_RATE, PEAK_RATE } from './support.js';

const mode = (report: ModeCostReport, m: ForwardingMode): ModeCost => {
  const found = report.modes.find((c) => c.mode === m);
  if (!found) throw new Error(`no ${m} in the report`);
  return found;
};

const withConstants = (overrides: Partial<Record<keyof CostProfile, number | boolean>>): CostProfile => {
  const changed = Object.fromEntries(
    Object.entries(overrides).map(([key, value]) => [key, { value, source: 'test' }]),
  );
  return { ...DEFAULT_COST_PROFILE, ...changed, origin: 'test profile' };
};

const natReport = (profile?: CostProfile) => costModes(costInputFromWorkload(exampleService(), {}), profile);

describe('the worked illustration of §4 (λ = 500/s, 10 queries, 200 B / 8 KB)', () => {
  const report = natReport();
  const nat = mode(report, 'nat');
  const dr = mode(report, 'dr');

  it('NAT: ≈ 56 k packets/s and ≈ 350 Mb/s each way through the director', () => {
    expect(nat.packetsPerSecond.in + (nat.packetsPerSecond.out ?? 0)).toBe(56_000);
    expect(nat.packetsPerSecond.out).toBe(35_000);
    expect(nat.nicBitsPerSecond.rx).toBe(8 * MEAN_RATE * (BIN + BOUT));
    expect(nat.nicBitsPerSecond.rx! / 350e6).toBeCloseTo(1, 1);
    expect(nat.nicBitsPerSecond.tx).toBe(nat.nicBitsPerSecond.rx);
  });

  it('DR: ≈ 21 k packets/s and ≈ 17 Mb/s in and out, none of the replies', () => {
    expect(dr.packetsPerSecond).toEqual({ in: 21_000, out: 0, peakTotal: 42 * PEAK_RATE });
    expect(dr.nicBitsPerSecond.rx! / 1e6).toBeCloseTo(16.7, 1);
    expect(dr.nicBitsPerSecond.tx).toBe(dr.nicBitsPerSecond.rx);
  });

  it('cores are k · (pps · t_pkt · f_m + λ · t_conn), at the mean and at the peak rate', () => {
    const perConn = 2.9e-6 * 5;
    expect(nat.cores).toBeCloseTo(56_000 * 0.17e-6 * 5 * 1.2 + MEAN_RATE * perConn, 12);
    expect(dr.cores).toBeCloseTo(21_000 * 0.17e-6 * 5 * 1.0 + MEAN_RATE * perConn, 12);
    expect(nat.peakCores! / nat.cores!).toBeCloseTo(PEAK_RATE / MEAN_RATE, 12);
    // Both far below one core, as the illustration says.
    expect(nat.peakCores).toBeLessThan(0.2);
  });

  it('headroom is the least of cores, line rate (framing included) and packet rate, at the peak rate', () => {
    const peakWire = 8 * PEAK_RATE * (BIN + BOUT + 112 * 38);
    expect(nat.headroomBy.lineRate).toBeCloseTo(10e9 / peakWire, 9);
    expect(nat.headroomBy.cores).toBeCloseTo(1 / nat.peakCores!, 9);
    expect(nat.headroomBy.nicPackets).toBeCloseTo(14_880_952 / (112 * PEAK_RATE), 9);
    expect(nat.headroom).toBe(
      Math.min(nat.headroomBy.cores!, nat.headroomBy.lineRate!, nat.headroomBy.nicPackets!),
    );
    expect(nat.bindingResource).toBe('cores');
    // A NIC half as fast makes the line rate bind first.
    const slowNic = mode(natReport(withConstants({ lineRateGbps: 1 })), 'nat');
    expect(slowNic.bindingResource).toBe('NIC line rate');
    expect(slowNic.bindingConstraint).toMatch(/^NIC line rate: headroom 1\.\d× at peak$/);
  });

  it('connection table: λ · (lifetime + linger) entries at 320 B, the linger taken from the inactive entries', () => {
    expect(report.shared.lingerSeconds.value).toBeCloseTo(120, 9);
    expect(report.shared.lingerSeconds.source).toMatch(/recorded/);
    expect(nat.connTableBytes).toBeCloseTo(MEAN_RATE * (0.2 + 120) * 320, 3);
    expect(nat.peakConnTableBytes).toBeCloseTo(PEAK_RATE * (0.2 + 120) * 320, 3);
    expect(dr.connTableBytes).toBe(nat.connTableBytes);
  });

  it('lists all six modes, simplest first, and takes the current mode from the forward method', () => {
    expect(report.modes.map((m) => m.mode)).toEqual([
      'dr',
      'tun-ipip',
      'tun-gre',
      'tun-gue',
      'nat',
      'fullnat',
    ]);
    expect(report.modes.map((m) => m.mode)).toEqual(MODES);
    expect(report.current).toBe('nat');
    expect(report.profile).toBe('built-in defaults');
  });

  it('recommends DR with the saving in numbers, and names what to confirm', () => {
    expect(report.recommended).toBe('dr');
    expect(report.why).toMatch(/^DR would take 95 % of the director's bytes off: 359 Mb\/s → 16\.7 Mb\/s/);
    expect(report.why).toMatch(/84\.0 k → 31\.5 k packets\/s/);
    expect(report.why).toMatch(/To confirm first: L2 adjacency/);
    expect(report.unknowns.some((u) => u.startsWith('DR L2 adjacency'))).toBe(true);
  });
});

describe('FULLNAT against NAT', () => {
  it('costs NAT × (1 + fullnatOverhead), 10 % by default, and says so', () => {
    for (const overhead of [undefined, 0, 0.05, 0.3]) {
      const profile = overhead === undefined ? undefined : withConstants({ fullnatOverhead: overhead });
      const report = natReport(profile);
      const nat = mode(report, 'nat');
      const fullnat = mode(report, 'fullnat');
      const expected = 1 + (overhead ?? 0.1);
      expect(fullnat.cores! / nat.cores!).toBeCloseTo(expected, 12);
      expect(fullnat.peakCores! / nat.peakCores!).toBeCloseTo(expected, 12);
      expect(fullnat.versusNat).toBeCloseTo(expected, 12);
      expect(fullnat.packetsPerSecond).toEqual(nat.packetsPerSecond);
      expect(fullnat.notes.join(' ')).toContain(`NAT's × ${expected.toFixed(2)}`);
    }
  });

  it('adds the 8-byte TOA option once per connection to what it sends', () => {
    const report = natReport();
    expect(mode(report, 'fullnat').nicBitsPerSecond.tx! - mode(report, 'nat').nicBitsPerSecond.tx!).toBe(
      8 * 8 * MEAN_RATE,
    );
  });

  it('needs ⌈peak entries on the busiest server ÷ usable ports⌉ local addresses', () => {
    // Busiest server: half of 750/s × 120.2 s = 45,075 entries ⇒ 2 LIPs of 28,232 ports.
    const report = natReport();
    const fullnat = mode(report, 'fullnat');
    expect(fullnat.lipsNeeded).toBe(2);
    const lip = fullnat.constraints.find((c) => c.name === 'LIP port space');
    expect(lip?.ok).toBe(false);
    expect(lip?.detail).toBe(
      '45,075 entries at peak on the busiest real server (172.16.1.7:3306) ÷ 28,232 usable ports per local address → 2 LIPs needed, 1 configured',
    );
    expect(fullnat.bindingConstraint).toMatch(/^LIP port space: /);
    expect(fullnat.headroomBy.lipPorts).toBeCloseTo(28_232 / 45_075, 9);
    const enough = mode(natReport(withConstants({ lipCount: 2 })), 'fullnat');
    expect(enough.constraints.find((c) => c.name === 'LIP port space')?.ok).toBe(true);
    const widePorts = mode(natReport(withConstants({ usablePortsPerLip: 64_000 })), 'fullnat');
    expect(widePorts.lipsNeeded).toBe(1);
    // Recorded concurrency above the share of the peak (long-lived pooled connections) counts.
    const pooled = costModes(costInputFromWorkload(exampleService({ peakActivePerServer: 60_000 }), {}));
    expect(mode(pooled, 'fullnat').lipsNeeded).toBe(Math.ceil(90_000 / 28_232));
  });

  it('refuses FULLNAT when the application needs client addresses', () => {
    const report = costModes(costInputFromWorkload(exampleService(), { clientIpNeeded: true }));
    const c = mode(report, 'fullnat').constraints.find((x) => x.name === 'client IP visibility');
    expect(c?.ok).toBe(false);
    expect(c?.detail).toMatch(/TOA .* PROXY protocol/);
    const fine = costModes(costInputFromWorkload(exampleService(), { clientIpNeeded: false }));
    expect(mode(fine, 'fullnat').constraints.find((x) => x.name === 'client IP visibility')?.ok).toBe(true);
  });
});

describe('what a DR recording cannot see', () => {
  const dr = exampleService({ forward: 'route' });

  it('without a response size: NAT/FULLNAT outbound unknown (not zero) and listed', () => {
    const report = costModes(costInputFromWorkload(dr, {}));
    expect(report.current).toBe('dr');
    for (const m of ['nat', 'fullnat'] as const) {
      const c = mode(report, m);
      expect(c.packetsPerSecond.in).toBe(21_000);
      expect(c.packetsPerSecond.out).toBeNull();
      expect(c.packetsPerSecond.peakTotal).toBeNull();
      expect(c.nicBitsPerSecond).toEqual({ rx: null, tx: null, peakRx: null, peakTx: null });
      expect(c.cores).toBeNull();
      expect(c.headroom).toBeNull();
    }
    // DR itself carries none of the replies whatever their size.
    expect(mode(report, 'dr').packetsPerSecond.out).toBe(0);
    expect(mode(report, 'dr').headroom).toBeGreaterThan(2);
    expect(report.unknowns).toContain(
      'server→client bytes (DR/TUN replies bypass the director, which sees only inbound): give --response-bytes or response_bytes_per_conn in the pools file',
    );
    expect(report.recommended).toBe('dr');
    expect(report.why).toMatch(/^Keep DR: headroom \d+× at peak/);
    expect(report.why).toMatch(
      /NAT and FULLNAT not costed: the response size is unknown \(give --response-bytes\)/,
    );
    expect(report.shared.outSource).toBe('unknown');
  });

  it('with --response-bytes: figures, packets estimated from the bytes', () => {
    const report = costModes(costInputFromWorkload(dr, { responseBytes: BOUT }));
    const nat = mode(report, 'nat');
    // ⌈85,560 / 1500⌉ = 58 data segments + ⌈⌈4,184 / 1500⌉ / 2⌉ = 2 ACKs + 3 control packets.
    expect(nat.packetsPerSecond.out).toBe(63 * MEAN_RATE);
    expect(nat.nicBitsPerSecond.rx).toBe(8 * MEAN_RATE * (BIN + BOUT));
    expect(nat.cores).not.toBeNull();
    expect(report.unknowns.some((u) => u.startsWith('server→client'))).toBe(false);
    expect(report.shared.outSource).toMatch(/^--response-bytes; packets estimated/);
    const fromPool = costModes(
      costInputFromWorkload(dr, { responseBytes: BOUT, responseBytesFrom: 'pools.yml:7' }),
    );
    expect(fromPool.shared.outSource).toMatch(/^pools\.yml:7;/);
  });

  it('a recording that sees replies keeps its own figures over a given size', () => {
    const report = costModes(costInputFromWorkload(exampleService(), { responseBytes: 1 }));
    expect(mode(report, 'nat').packetsPerSecond.out).toBe(35_000);
    expect(report.shared.outSource).toMatch(/^recorded \(--response-bytes 1 B is for recordings/);
  });
});

describe('tunnels', () => {
  it('MSS to clamp to: MTU − tunnel header − 40 (IPv4), for IPIP, GRE and GUE', () => {
    const report = natReport();
    expect(mode(report, 'tun-ipip').mssClamp).toBe(1440);
    expect(mode(report, 'tun-gre').mssClamp).toBe(1436);
    expect(mode(report, 'tun-gue').mssClamp).toBe(1428);
    expect(mode(report, 'dr').mssClamp).toBeUndefined();
    const mtu = mode(report, 'tun-gue').constraints.find((c) => c.name === 'MTU/MSS');
    expect(mtu?.ok).toBeNull();
    expect(mtu?.detail).toMatch(/tunnel MTU 1468 B .* advertised MSS to 1428 .* underlay MTU to 1532/);
  });

  it('checksum options and IPv6 outer headers grow the header', () => {
    const sums = natReport(withConstants({ greChecksum: true, gueRemoteChecksum: true, mtu: 9000 }));
    expect(mode(sums, 'tun-gre').headerBytes).toBe(28);
    expect(mode(sums, 'tun-gre').mssClamp).toBe(9000 - 28 - 40);
    expect(mode(sums, 'tun-gue').headerBytes).toBe(40);
    const v6 = costModes(costInputFromWorkload(exampleService({ vip: '[2001:db8::18]:3306' }), {}));
    expect(mode(v6, 'tun-ipip').headerBytes).toBe(40);
    expect(mode(v6, 'tun-ipip').mssClamp).toBe(1500 - 40 - 60);
    expect(mode(v6, 'tun-gue').headerBytes).toBe(52);
  });

  it('decapsulation is known for the tunnel type in use only', () => {
    const report = costModes(costInputFromWorkload(exampleService({ forward: 'tunnel' }), {}));
    expect(report.current).toBe('tun-ipip');
    const decap = (m: ForwardingMode) =>
      mode(report, m).constraints.find((c) => c.name === 'tunnel decapsulation');
    expect(decap('tun-ipip')?.ok).toBe(true);
    expect(decap('tun-gre')).toEqual({
      name: 'tunnel decapsulation',
      ok: null,
      detail:
        'the real servers decapsulate TUN/IPIP today; TUN/GRE needs its own tunnel device with the VIP on it',
    });
  });

  it('sends Pin · H bytes more than it receives', () => {
    const ipip = mode(natReport(), 'tun-ipip');
    expect(ipip.nicBitsPerSecond.tx! - ipip.nicBitsPerSecond.rx!).toBe(8 * MEAN_RATE * 42 * 20);
  });

  it('refuses a tunnel when even the mean inbound packet does not fit', () => {
    const bulk = exampleService({
      traffic: {
        inPacketsPerConn: 10,
        inBytesPerConn: 14_900,
        outPacketsPerConn: 5,
        outBytesPerConn: 300,
        visibility: 'both',
      },
    });
    const report = costModes(costInputFromWorkload(bulk, {}));
    expect(mode(report, 'tun-ipip').constraints.find((c) => c.name === 'MTU/MSS')?.ok).toBe(false);
    expect(mode(report, 'tun-ipip').bindingConstraint).toMatch(/^MTU\/MSS: /);
  });
});

describe('DR and TUN need vport = rport', () => {
  const ported = exampleService({ port: 3307 });

  it('refuses them when the real servers listen on another port, and keeps NAT', () => {
    const report = costModes(costInputFromWorkload(ported, {}));
    for (const m of ['dr', 'tun-ipip', 'tun-gre', 'tun-gue'] as const) {
      const c = mode(report, m).constraints.find((x) => x.name === 'vport = rport');
      expect(c).toEqual({
        name: 'vport = rport',
        ok: false,
        detail: 'virtual port 3306, real servers on port 3307',
      });
      expect(mode(report, m).bindingConstraint).toMatch(/^vport = rport: /);
    }
    expect(report.recommended).toBe('nat');
    expect(report.why).toMatch(/^Keep NAT: headroom/);
  });

  it('takes the operator’s word over the ports, and leaves a firewall-mark service undecided', () => {
    const given = costModes(costInputFromWorkload(ported, { vportEqualsRport: true }));
    expect(mode(given, 'dr').constraints.find((c) => c.name === 'vport = rport')?.ok).toBe(true);
    const fwm = costModes(costInputFromWorkload(exampleService({ vip: 'fwm:7' }), {}));
    const c = mode(fwm, 'dr').constraints.find((x) => x.name === 'vport = rport');
    expect(c?.ok).toBeNull();
    expect(c?.detail).toMatch(/firewall-mark service/);
  });
});

describe('the recommendation', () => {
  it('keeps a fitting current mode when the simpler one saves too little', () => {
    const small = exampleService({
      traffic: {
        inPacketsPerConn: 42,
        inBytesPerConn: BIN,
        outPacketsPerConn: 10,
        outBytesPerConn: 600,
        visibility: 'both',
      },
    });
    const report = costModes(costInputFromWorkload(small, {}));
    expect(report.recommended).toBe('nat');
    expect(report.why).toMatch(
      /^Keep NAT: .*DR would take 13 % of the director's bytes off.*under the 50 % worth a change/,
    );
    // The same saving is enough when the threshold is lower.
    const eager = costModes(costInputFromWorkload(small, {}), withConstants({ switchSaving: 0.1 }));
    expect(eager.recommended).toBe('dr');
  });

  it('moves off a current mode that misses the headroom target, saying why', () => {
    const report = natReport(withConstants({ lineRateGbps: 0.5 }));
    expect(report.recommended).toBe('dr');
    expect(report.why).toMatch(
      /^NAT leaves only 0\.\d× headroom at peak \(target 2\.0×; limited by NIC line rate\)\. DR would take/,
    );
  });

  it('skips a mode whose constraint fails (DR off the L2 segment → a tunnel)', () => {
    const report = costModes(
      costInputFromWorkload(exampleService(), { l2Adjacent: false, tunnelDecap: true }),
    );
    expect(mode(report, 'dr').constraints[0]).toEqual({
      name: 'L2 adjacency',
      ok: false,
      detail: 'l2Adjacent no (given)',
    });
    expect(report.recommended).toBe('tun-ipip');
    expect(report.why).toMatch(/To confirm first: MTU\/MSS\./);
  });

  it('says when no mode reaches the target, and picks the one closest', () => {
    const report = natReport(withConstants({ coresAvailable: 0.01 }));
    expect(report.modes.every((m) => m.headroom === null || m.headroom < 2)).toBe(true);
    expect(report.recommended).toBe('dr');
    expect(report.why).toMatch(
      /^No mode reaches the 2\.0× headroom target; DR comes closest with headroom 0\.\d× at peak \(limited by cores\)/,
    );
  });

  it('without a current mode, the simplest that fits', () => {
    const mixed = {
      ...exampleService(),
      servers: exampleService().servers.map((s, i) => ({ ...s, forward: i ? 'route' : 'masq' })),
    };
    const report = costModes(costInputFromWorkload(mixed, {}));
    expect(report.current).toBeUndefined();
    expect(report.recommended).toBe('dr');
    expect(report.why).toMatch(
      /^DR: headroom \d+× at peak \(limited by cores\), the simplest mode that fits/,
    );
  });

  it('keeps what runs when no mode can be judged, and says what is missing', () => {
    const report = costModes(costInputFromWorkload(exampleService({ forward: 'route', port: 3307 }), {}));
    expect(report.recommended).toBe('dr');
    expect(report.why).toMatch(
      /^Cannot judge the modes, so keep DR for now: DR vport = rport fails \(virtual port 3306, real servers on port 3307\);.* NAT cannot be costed \(its load is unknown\);/,
    );
    expect(report.why).toMatch(
      /NAT and FULLNAT not costed: the response size is unknown \(give --response-bytes\)\.$/,
    );
  });

  it('an explicit current mode wins over the forward method', () => {
    const report = costModes(costInputFromWorkload(exampleService(), { currentMode: 'fullnat' }));
    expect(report.current).toBe('fullnat');
    expect(mode(report, 'fullnat').constraints.find((c) => c.name === 'director software')?.ok).toBe(true);
  });
});

describe('persistence templates', () => {
  it('counts the recorded templates, else one per distinct client, in the table memory', () => {
    const base = exampleService();
    const recorded = costModes(
      costInputFromWorkload({ ...base, persistenceSeconds: 20, persistence: { meanTemplates: 1000 } }, {}),
    );
    expect(recorded.shared.templates).toEqual({ count: 1000, detail: 'recorded mean' });
    expect(mode(recorded, 'dr').connTableBytes).toBeCloseTo((MEAN_RATE * 120.2 + 1000) * 320, 3);
    const clients = costModes(
      costInputFromWorkload(
        {
          ...base,
          persistenceSeconds: 20,
          clients: { distinct: 40, top: [], source: 'sampled connections' },
        },
        {},
      ),
    );
    expect(clients.shared.templates.count).toBe(40);
    const none = costModes(costInputFromWorkload({ ...base, persistenceSeconds: 20 }, {}));
    expect(none.shared.templates.count).toBe(PEAK_RATE * 20);
    expect(none.shared.templates.detail).toMatch(/client count unknown/);
  });
});

describe('inbound figures', () => {
  it('estimates packets from the request size when the recording counted none', () => {
    const base = exampleService();
    const noPackets = { ...base, traffic: { inBytesPerConn: 0, visibility: 'both' as const } };
    const input = costInputFromWorkload(noPackets, { requestBytes: 4000, responseBytes: 90_000 });
    // ⌈4000 / 1500⌉ = 3 data + ⌈⌈90,000 / 1500⌉ / 2⌉ = 30 ACKs + 4 handshake/teardown.
    expect(input.perConnection.inPackets).toBe(37);
    expect(input.perConnection.inBytes).toBe(4000);
    expect(input.unknowns.some((u) => u.startsWith('client→server packets (not in the recording)'))).toBe(
      true,
    );
    expect(() => costInputFromWorkload(noPackets, {})).toThrow(CostInputError);
    expect(() => costInputFromWorkload(noPackets, {})).toThrow(
      /^172\.16\.1\.18:3306: the recording has connections but no client→server packet or byte counters/,
    );
  });

  it('an idle service costs nothing and keeps its mode', () => {
    const base = exampleService();
    const idle = {
      ...base,
      arrivals: { ...base.arrivals, meanPerSecond: 0, peakPerSecond: 0, connections: 0 },
      traffic: { visibility: 'both' as const },
    };
    const report = costModes(costInputFromWorkload(idle, {}));
    expect(report.recommended).toBe('nat');
    expect(report.why).toMatch(/^No new connections in the recording/);
    expect(mode(report, 'nat').cores).toBe(0);
    expect(mode(report, 'nat').headroom).toBeNull();
  });

  it('a mixed pool says some servers use DR/TUN', () => {
    const mixed = exampleService({
      traffic: { inPacketsPerConn: 42, inBytesPerConn: BIN, visibility: 'mixed' },
    });
    const input = costInputFromWorkload(mixed, {});
    expect(input.unknowns[0]).toMatch(/^server→client bytes \(some servers use DR\/TUN: /);
  });
});
