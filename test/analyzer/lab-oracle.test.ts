import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replayText } from './replay-helpers.js';

// The shared lab's "scheduler oracle" on a real 6.1 kernel (fixtures/traces/lab-6.1/MANIFEST.md):
// each row is one service, its weights for rs1..rs4 (added in that order), whether each
// connection was held open or closed before the next, how many, the client (one address, or
// 32 cycling ones), and for firewall marks the destination addresses cycled through.
interface Oracle {
  readonly sched: string;
  readonly target: string;
  readonly weights: readonly number[];
  readonly mode: 'held' | 'closed';
  readonly n: number;
  readonly clients: 'one' | 'cycle';
  readonly dst: readonly [number, number] | null;
  readonly sportBase: number;
}

const O = (
  sched: string,
  target: string,
  weights: number[],
  mode: 'held' | 'closed',
  n: number,
  clients: 'one' | 'cycle',
  dst: [number, number] | null,
  sportBase: number,
): Oracle => ({ sched, target, weights, mode, n, clients, dst, sportBase });

const ORACLES: readonly Oracle[] = [
  O('rr', '-t 192.0.2.101:80', [1, 2, 0, 1], 'closed', 12, 'one', null, 40100),
  O('wrr', '-t 192.0.2.102:80', [5, 3, 1, 0], 'closed', 20, 'one', null, 40200),
  O('wrr', '-t 192.0.2.103:80', [4, 6, 2, 8], 'closed', 20, 'one', null, 40300),
  O('wlc', '-t 192.0.2.104:80', [3, 2, 1, 1], 'held', 14, 'one', null, 40400),
  O('wlc', '-t 192.0.2.105:80', [3, 2, 1, 1], 'closed', 14, 'one', null, 40500),
  O('lc', '-t 192.0.2.106:80', [1, 1, 1, 0], 'held', 7, 'one', null, 40600),
  O('sed', '-t 192.0.2.107:80', [3, 2, 1, 1], 'held', 14, 'one', null, 40700),
  O('nq', '-t 192.0.2.108:80', [3, 2, 1, 1], 'held', 10, 'one', null, 40800),
  O('sh', '-t 192.0.2.109:80', [1, 1, 1, 1], 'closed', 40, 'cycle', null, 40900),
  O('sh', '-t 192.0.2.110:80', [3, 1, 2, 1], 'closed', 32, 'cycle', null, 41000),
  O('mh', '-t 192.0.2.111:80', [1, 1, 1, 1], 'closed', 40, 'cycle', null, 41100),
  O('mh', '-t 192.0.2.112:80', [3, 1, 2, 1], 'closed', 32, 'cycle', null, 41200),
  O('fo', '-t 192.0.2.113:80', [1, 3, 2, 3], 'held', 4, 'one', null, 41300),
  O('ovf', '-t 192.0.2.114:80', [2, 1, 1, 1], 'held', 6, 'one', null, 41400),
  O('dh', '-f 2', [1, 1, 1, 1], 'closed', 32, 'one', [1, 32], 41500),
  O('lblc', '-f 3', [1, 1, 1, 1], 'closed', 24, 'one', [2, 12], 41600),
  O('lblcr', '-f 4', [1, 1, 1, 1], 'closed', 24, 'one', [3, 12], 41700),
];

function oracleTrace(o: Oracle): string {
  const fwmark = o.target.startsWith('-f') ? Number(o.target.slice(3)) : 0;
  const vip = fwmark ? '' : o.target.slice(3);
  const lines = [`ipvsadm -A ${o.target} -s ${o.sched}`];
  o.weights.forEach((w, k) =>
    lines.push(`ipvsadm -a ${o.target} -r 198.18.${k + 1}.2${fwmark ? '' : ':80'} -m -w ${w}`),
  );
  for (let i = 1; i <= o.n; i++) {
    const src = o.clients === 'one' ? '203.0.113.10' : `203.0.113.${10 + ((i - 1) % 32)}`;
    const dst = o.dst ? `198.51.10${o.dst[0]}.${1 + ((i - 1) % o.dst[1])}:80` : vip;
    const flow = `tcp ${src}:${o.sportBase + i} ${dst}${fwmark ? ` fwmark=${fwmark}` : ''}`;
    const t = 1000 + i * 100;
    lines.push(`${t} syn ${flow}`, `${t + 1} est ${flow}`);
    if (o.mode === 'closed') lines.push(`${t + 50} fin ${flow}`);
  }
  return lines.join('\n');
}

/** `ipvsadm -Ln` style listing → service label → [dest label, first number column][]. */
function listing(file: string): Map<string, [string, number][]> {
  const services = new Map<string, [string, number][]>();
  let current: [string, number][] | null = null;
  for (const line of readFileSync(
    new URL(`../../fixtures/traces/lab-6.1/${file}`, import.meta.url),
    'utf8',
  ).split('\n')) {
    const svc = /^(TCP|UDP|SCTP|FWM)\s+(\S+)/.exec(line);
    if (svc) {
      current = [];
      services.set(svc[1] === 'FWM' ? `fwm:${svc[2]}` : (svc[2] ?? ''), current);
      continue;
    }
    const dest = /^\s+->\s+(\S+)\s+(\S+)/.exec(line);
    if (dest && current && dest[1] !== 'RemoteAddress:Port') {
      current.push([dest[1] ?? '', /^\d+$/.test(dest[2] ?? '') ? Number(dest[2]) : NaN]);
    }
  }
  return services;
}

describe('the lab oracle on a real 6.1 kernel: connections per real server', () => {
  const stats = listing('ipvsadm-Ln--stats--exact.txt');
  const nosort = listing('ipvsadm-Ln--nosort.txt');
  for (const o of ORACLES) {
    const label = o.target.startsWith('-f') ? `fwm:${o.target.slice(3)}` : o.target.slice(3);
    it(`${o.sched} ${label}: weights ${o.weights.join(',')}, ${o.n} ${o.mode} connections`, async () => {
      const { replay } = await replayText(oracleTrace(o));
      const svc = replay.counters().find((s) => s.service === label);
      const simulated = new Map(svc?.destinations.map((d) => [d.realServer, d.conns]));
      const kernel = new Map(stats.get(label));
      expect(simulated).toEqual(kernel);
      // Kernel list order (most recently added first), as --nosort shows it.
      expect(svc?.destinations.map((d) => d.realServer)).toEqual(nosort.get(label)?.map(([d]) => d));
    });
  }
});

describe('ipvsadm -S output from the real kernel replays as a trace head', () => {
  it('accepts every line and rebuilds every service with the kernel’s dest order', async () => {
    const text = readFileSync(
      new URL('../../fixtures/traces/lab-6.1/ipvsadm-S-n.txt', import.meta.url),
      'utf8',
    );
    const { replay } = await replayText(text);
    expect(replay.warnings).toEqual([]);
    const nosort = listing('ipvsadm-Ln--nosort.txt');
    const rebuilt = new Map(
      replay.counters().map((s) => [s.service, s.destinations.map((d) => d.realServer)]),
    );
    expect(rebuilt.size).toBe(nosort.size);
    for (const [service, dests] of nosort) expect(rebuilt.get(service)).toEqual(dests.map(([d]) => d));
  });
});
