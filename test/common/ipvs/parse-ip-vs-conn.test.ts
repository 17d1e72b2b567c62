import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnTableSummary } from '../../../common/ipvs/model.js';
import { ConnTableSummarizer, type ConnParsed } from '../../../common/ipvs/parse-ip-vs-conn.js';
import { parseIpvsadmPersistentConns } from '../../../common/ipvs/parse-ipvsadm.js';
import { TopK } from '../../../common/ipvs/top-k.js';
import { IPVSADM_FIXTURES, T1 } from '../../exporter/helpers.js';
import { ip, keyText } from './keys.js';

const text = readFileSync(join(T1, 'net/ip_vs_conn'), 'latin1');

function summarize(
  input: string,
  chunkSizes: readonly number[] = [input.length],
  topClients = 0,
): ConnParsed {
  const summarizer = new ConnTableSummarizer({ topClients });
  let at = 0;
  for (let i = 0; at < input.length; i++) {
    const size = Math.max(1, chunkSizes[i % chunkSizes.length]!);
    summarizer.push(input.slice(at, at + size));
    at += size;
  }
  return summarizer.finish();
}

/** Order-independent view of a summary, for comparing runs. */
function canonical(summary: ConnTableSummary) {
  const key = (t: object) => JSON.stringify(t);
  return {
    entries: summary.entries,
    byState: summary.byState.map((r) => `${key(r.target)} ${r.state} ${r.count}`).sort(),
    templates: summary.templates.map((r) => `${key(r.target)} ${r.count}`).sort(),
    topClients: summary.topClients,
  };
}

describe('/proc/net/ip_vs_conn of the 6.1 capture', () => {
  const { value, issues, issueCount } = summarize(text, [text.length], 3);

  it('counts every entry, by state, templates apart', () => {
    expect(issues).toEqual([]);
    expect(issueCount).toBe(0);
    expect(value.entries).toBe(436);
    const byState: Record<string, number> = {};
    for (const row of value.byState) byState[row.state] = (byState[row.state] ?? 0) + row.count;
    expect(byState).toEqual({ TIME_WAIT: 408, ESTABLISHED: 10, UDP: 8, SYN_RECV: 3, CLOSE: 3 });
    expect(value.templates.reduce((sum, row) => sum + row.count, 0)).toBe(4);
  });

  it('attributes connections to service and real server, IPv6 included', () => {
    const row = (address: string, port: number, remote: string, state: string) =>
      value.byState.find(
        ({ target: { service, remote: real }, state: rowState }) =>
          service.kind === 'addr' &&
          service.addr.text === address &&
          service.port === port &&
          real.text === remote &&
          rowState === state,
      )?.count;
    expect(row('192.0.2.50', 80, '198.18.1.77', 'SYN_RECV')).toBe(3); // dead real server
    expect(row('192.0.2.51', 81, '198.18.1.2', 'CLOSE')).toBe(3); // RST from a closed port
    expect(row('2001:db8:f::10', 80, '2001:db8:2::2', 'ESTABLISHED')).toBe(1);
  });

  it('turns FWM templates (protocol IP) into the mark of their service', () => {
    expect(value.templates).toContainEqual({
      target: {
        service: { kind: 'fwmark', mark: 1, family: 4 },
        remote: ip('198.18.4.2'),
        remotePort: 0,
      },
      count: 1,
    });
  });

  it('agrees with ipvsadm --persistent-conn of the same capture, destination by destination', () => {
    const listing = parseIpvsadmPersistentConns(
      readFileSync(join(IPVSADM_FIXTURES, 'kernel-6.1-t1/ipvsadm-Ln--persistent-conn.txt'), 'latin1'),
    ).value;
    const fromIpvsadm = listing.services
      .flatMap((s) =>
        s.destinations.map(
          (d) => [`${keyText(s)} ${d.addr.text} ${d.port}`, d.values.persistentConns] as const,
        ),
      )
      .filter(([, count]) => count > 0)
      .sort();
    const fromConn = value.templates
      .map(
        ({ target: t, count }) => [`${keyText(t.service)} ${t.remote.text} ${t.remotePort}`, count] as const,
      )
      .sort();
    expect(fromConn).toEqual(fromIpvsadm);
  });

  it('reports the busiest clients, exactly while they fit the tracker', () => {
    expect(value.topClients).toEqual([
      { addr: ip('203.0.113.10'), count: 224, overcount: 0 },
      { addr: ip('203.0.113.11'), count: 13, overcount: 0 },
      { addr: ip('203.0.113.12'), count: 13, overcount: 0 },
    ]);
  });

  it('gives the same summary however the text is cut into chunks', () => {
    const whole = canonical(summarize(text, [text.length], 5).value);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }), (sizes) => {
        expect(canonical(summarize(text, sizes, 5).value)).toEqual(whole);
      }),
      { numRuns: 50 },
    );
  });
});

describe('bad ip_vs_conn input', () => {
  it('skips malformed lines with line and column, keeps the rest, and caps what it keeps', () => {
    const lines = text.split('\n');
    lines[3] = 'TCP CB00710A A223 C633650 0050 C6120102 0050 TIME_WAIT        81';
    lines[4] = 'TCP CB00710A';
    lines[5] = 'TCP CB00710A 9D0E C0000266 00G0 C6120202 0050 TIME_WAIT        36';
    const { value, issues, issueCount } = summarize(lines.join('\n'));
    expect(issues).toEqual([
      { line: 4, field: 'ToIP', message: 'not a kernel address' },
      { line: 5, field: 'FPrt', message: 'missing (2 of 9 columns)' },
      { line: 6, field: 'TPrt', message: 'not a 4-digit hex port' },
    ]);
    expect(issueCount).toBe(3);
    expect(value.entries).toBe(433);

    // Found by `npm run fuzz`: a 4,097-character state token was learned as a state name.
    const long = summarize(
      `TCP CB00710A A223 C0000266 0050 C6120102 0050 ${'S'.repeat(4097)} 81\n` +
        `${'P'.repeat(300)} CB00710A A223 C0000266 0050 C6120102 0050 ESTABLISHED 81\n`,
    );
    expect(long.issues).toEqual([
      { line: 1, field: 'State', message: 'over 24 characters' },
      { line: 2, field: 'Pro', message: 'over 24 characters' },
    ]);
    expect(long.value.entries).toBe(0);

    const garbage = Array.from({ length: 1000 }, (_, i) => `garbage line ${i}`).join('\n');
    const flood = summarize(garbage);
    expect(flood.issueCount).toBe(1000);
    expect(flood.issues).toHaveLength(20);
  });

  it('counts entries of an unknown protocol in the issues, once per protocol, and keeps the rest', () => {
    const v6 = (group: string) => `2001:0db8:${group}:0000:0000:0000:0000:0010`;
    const input = [
      'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData',
      'TCP CB00710A A223 C0000266 0050 C6120102 0050 ESTABLISHED     81',
      'DCCP CB00710A A224 C0000266 0050 C6120102 0050 ESTABLISHED    81',
      'DCCP CB00710B A225 C0000267 0050 C6120202 0050 ESTABLISHED    81',
      `DCCP ${v6('000c')} A226 ${v6('000f')} 0050 ${v6('0002')} 0050 ESTABLISHED 81`,
      'ESP CB00710A A227 C0000266 0050 C6120102 0050 ESTABLISHED     81',
      '',
    ].join('\n');
    const { value, issues, issueCount } = summarize(input);
    expect([...issues].sort((a, b) => a.message.localeCompare(b.message))).toEqual([
      { line: 0, field: 'Pro', message: 'entries of unknown protocol "DCCP"' },
      { line: 0, field: 'Pro', message: 'entries of unknown protocol "ESP"' },
    ]);
    expect(issueCount).toBe(2);
    expect(value.byState).toEqual([
      {
        target: {
          service: { kind: 'addr', proto: 'tcp', addr: ip('192.0.2.102'), port: 80 },
          remote: ip('198.18.1.2'),
          remotePort: 80,
        },
        state: 'ESTABLISHED',
        count: 1,
      },
    ]);
    expect(value.templates).toEqual([]);
  });

  it('reads CRLF line ends and a last line without a newline', () => {
    const crlf = text.replace(/\n/g, '\r\n').trimEnd();
    expect(canonical(summarize(crlf).value)).toEqual(canonical(summarize(text).value));
  });
});

describe('TopK (Space-Saving)', () => {
  it('is exact while the distinct keys fit', () => {
    const top = new TopK<string>(10);
    for (const [key, n] of [
      ['a', 5],
      ['b', 3],
      ['c', 9],
    ] as const)
      for (let i = 0; i < n; i++) top.add(key);
    expect(top.top(2)).toEqual([
      { key: 'c', count: 9, overcount: 0 },
      { key: 'a', count: 5, overcount: 0 },
    ]);
  });

  it('keeps heavy hitters and bounds the error when keys overflow', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 3000 }), (noise) => {
        const top = new TopK<string>(20);
        const truth = new Map<string, number>();
        const add = (key: string) => {
          top.add(key);
          truth.set(key, (truth.get(key) ?? 0) + 1);
        };
        for (const [i, n] of noise.entries()) {
          add(`n${n}`);
          if (i % 3 === 0) add('heavy');
        }
        const reported = top.top(20);
        const total = [...truth.values()].reduce((a, b) => a + b, 0);
        for (const { key, count, overcount } of reported) {
          const exact = truth.get(key)!;
          expect(count - overcount).toBeLessThanOrEqual(exact);
          expect(count).toBeGreaterThanOrEqual(exact);
          expect(overcount).toBeLessThanOrEqual(total / 20);
        }
        // Anything with more than total/capacity occurrences is guaranteed to be tracked.
        if (truth.get('heavy')! > total / 20) expect(reported.map((r) => r.key)).toContain('heavy');
      }),
      { numRuns: 100 },
    );
  });

  it('counts every add once: tracked counts sum to the number of adds, the minimum is at most adds/capacity', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 2000 }), (keys) => {
        const top = new TopK<number>(16);
        for (const key of keys) top.add(key);
        const counts = top.top(16).map((entry) => entry.count);
        expect(counts.reduce((a, b) => a + b, 0)).toBe(keys.length);
        expect(Math.min(...counts)).toBeLessThanOrEqual(keys.length / Math.min(16, new Set(keys).size));
      }),
      { numRuns: 200 },
    );
  });
});
