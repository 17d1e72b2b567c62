import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../../analyzer/inputs/trace/read.js';
import { candidate } from '../../../analyzer/replay/candidate.js';
import { EV_ARRIVAL, EV_CLOSE, EV_KEEPALIVE, prepareTimeline } from '../../../analyzer/replay/events.js';
import { generateTimeline } from '../../../analyzer/replay/generate.js';
import { CLOSE_RST, buildTimeline, headOf, toTrace } from '../../../analyzer/replay/timeline.js';
import { WEB, ip, testTimeline } from './support.js';

describe('timeline generator', () => {
  it('is seeded: the same parameters give the same columns, another seed others', () => {
    const a = testTimeline(1);
    const b = testTimeline(1);
    const c = testTimeline(2);
    expect(a.count).toBe(b.count);
    expect(Array.from(a.startMs)).toEqual(Array.from(b.startMs));
    expect(Array.from(a.port)).toEqual(Array.from(b.port));
    expect(Array.from(a.client)).toEqual(Array.from(b.client));
    expect(Array.from(c.startMs.subarray(0, 50))).not.toEqual(Array.from(a.startMs.subarray(0, 50)));
  });

  it('follows the rate windows, the lifetime classes and the RST share', () => {
    const t = generateTimeline({
      seed: 7,
      durationMs: 600_000,
      services: [
        {
          key: WEB,
          rate: [
            { startMs: 0, perSecond: 10 },
            { startMs: 300_000, perSecond: 40 },
          ],
          lifetimes: [
            { weight: 3, lifetime: { kind: 'fixed', ms: 100 } },
            { weight: 1, lifetime: { kind: 'exponential', meanMs: 10_000 }, rstShare: 1 },
          ],
        },
      ],
      clients: { others: { count: 5000, weight: 1 } },
    });
    let first = 0;
    let fixed = 0;
    let rst = 0;
    for (let i = 0; i < t.count; i++) {
      if ((t.startMs[i] as number) < 300_000) first++;
      if (t.lifetimeMs[i] === 100) fixed++;
      if (t.close[i] === CLOSE_RST) rst++;
    }
    // Poisson: 3,000 and 12,000 expected.
    expect(first).toBeGreaterThan(2800);
    expect(first).toBeLessThan(3200);
    expect(t.count - first).toBeGreaterThan(11_600);
    expect(t.count - first).toBeLessThan(12_400);
    expect(fixed / t.count).toBeCloseTo(0.75, 1);
    expect(rst / t.count).toBeCloseTo(0.25, 1);
    for (let i = 1; i < t.count; i++) expect(t.startMs[i]).toBeGreaterThanOrEqual(t.startMs[i - 1] as number);
  });

  it('allocates client ports like connect(): even ports first, stepping forward, never one still open', () => {
    const t = generateTimeline({
      seed: 3,
      durationMs: 120_000,
      services: [
        {
          key: WEB,
          rate: [{ startMs: 0, perSecond: 50 }],
          lifetimes: [{ weight: 1, lifetime: { kind: 'fixed', ms: 5000 } }],
        },
      ],
      clients: { weighted: [{ addr: ip('203.0.113.5'), weight: 1 }] },
      portRange: [40000, 40999],
      clientTimeWaitMs: 1000,
    });
    const ports = Array.from(t.port.subarray(0, 200));
    expect(ports.every((p) => p >= 40000 && p <= 40999)).toBe(true);
    expect(ports.slice(0, 100).filter((p) => p % 2 === 0).length).toBeGreaterThan(90);
    // Preparing checks that no port is reused while its connection is open (6 s busy, 1,000 ports).
    expect(() => prepareTimeline(t)).not.toThrow();
  });
});

describe('prepared event order and the trace', () => {
  const t = buildTimeline(
    {
      services: [{ key: WEB, target: { addr: WEB.addr, port: WEB.port } }],
      clients: [ip('203.0.113.1'), ip('203.0.113.2')],
      keepaliveMs: 1000,
    },
    [
      { startMs: 5, lifetimeMs: 0, client: 0, port: 40000, service: 0 },
      { startMs: 0, lifetimeMs: 2500, client: 1, port: 40001, service: 0, close: CLOSE_RST },
      { startMs: 5, lifetimeMs: 0, client: 0, port: 40000, service: 0 },
    ],
  );

  it('sorts connections by start, events by (time, connection, arrival < keepalive < close)', () => {
    expect(Array.from(t.startMs)).toEqual([0, 5, 5]);
    const p = prepareTimeline(t);
    const ev = Array.from(p.events, (e, i) => [p.times[i], e >> 2, e & 3]);
    expect(ev).toEqual([
      [0, 0, EV_ARRIVAL],
      [5, 1, EV_ARRIVAL],
      [5, 1, EV_CLOSE],
      [5, 2, EV_ARRIVAL],
      [5, 2, EV_CLOSE],
      [1000, 0, EV_KEEPALIVE],
      [2000, 0, EV_KEEPALIVE],
      [2500, 0, EV_CLOSE],
    ]);
    expect(Array.from(p.prevSame)).toEqual([-1, -1, 1]);
  });

  it('writes a trace the simulate reader parses, in the same order', async () => {
    const c = candidate(t, [{ scheduler: 'rr', servers: [{ server: '10.0.0.1:80', weight: 1 }] }], {
      timeouts: { tcpS: 60, tcpFinS: 20, udpS: 300 },
      director: { connReuseMode: 0 },
    });
    const text = toTrace(t, c);
    expect(text.split('\n').slice(1, 5)).toEqual([
      '0 sysctl -w net.ipv4.vs.conn_reuse_mode=0',
      '0 ipvsadm --set 60 20 300',
      '0 ipvsadm -A -t 192.0.2.10:80 -s rr',
      '0 ipvsadm -a -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 1',
    ]);
    const kinds: string[] = [];
    for await (const batch of readTrace(Readable.from([text]), 't')) {
      for (const r of batch) {
        expect(r.ok).toBe(true);
        if (r.ok && r.line.item.type === 'event')
          kinds.push(`${r.line.timeMs} ${r.line.item.event.kind} ${r.line.item.event.client.port}`);
      }
    }
    expect(kinds).toEqual([
      '0 syn 40001',
      '0 est 40001',
      '5 syn 40000',
      '5 est 40000',
      '5 fin 40000',
      '5 syn 40000',
      '5 est 40000',
      '5 fin 40000',
      '1000 est 40001',
      '2000 est 40001',
      '2500 rst 40001',
    ]);
  });

  it('refuses a client port reused while its connection is open', () => {
    const bad = buildTimeline({ services: t.services, clients: t.clients }, [
      { startMs: 0, lifetimeMs: 100, client: 0, port: 40000, service: 0 },
      { startMs: 50, lifetimeMs: 100, client: 0, port: 40000, service: 0 },
    ]);
    expect(() => prepareTimeline(bad)).toThrow(/at once/);
  });

  it('headOf takes the first connections without copying', () => {
    const h = headOf(t, 2);
    expect(h.count).toBe(2);
    expect(h.startMs.buffer).toBe(t.startMs.buffer);
  });
});
