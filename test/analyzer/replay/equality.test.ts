/**
 * The lean engine against `simulate`: for every scheduler, the sh/mh flags, persistence on and
 * off, NAT, DR and TUN, thresholds, port reuse modes and expire_quiescent_template, on generated
 * timelines of several thousand connections whose lifetimes cross every expiry timer, the engine's
 * pick for every connection equals the real server simulate prints for it (the rows of the
 * timeline's trace, replayed by the same reader and Replay the CLI uses), and the per-server
 * counters after the last event are equal too. One case also runs the built CLI.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEDULER_NAMES, type SchedulerName } from '../../../common/ipvs/vocabulary.js';
import {
  type Candidate,
  candidate,
  simulateArgs,
  type ServiceSpec,
} from '../../../analyzer/replay/candidate.js';
import { prepareTimeline } from '../../../analyzer/replay/events.js';
import { replayCandidate } from '../../../analyzer/replay/engine.js';
import { toTrace } from '../../../analyzer/replay/timeline.js';
import { SCHED_FLAG_1, SCHED_FLAG_2 } from '../../../analyzer/kernel/schedulers/scheduler.js';
import { run } from '../../support/process.js';
import { WEB, compareWithSimulate, impliedRows, testTimeline, tieTimeline } from './support.js';

const base = testTimeline(11);
const prepared = prepareTimeline(base);
const withKeepalive = prepareTimeline(testTimeline(12, { keepaliveMs: 25_000 }));
const slowKeepalive = prepareTimeline(testTimeline(13, { keepaliveMs: 70_000 }));

const TIMEOUTS = { tcpS: 60, tcpFinS: 20, udpS: 300 };

type Fwd = 'route' | 'masq' | 'tunnel';

/** Four servers per service with unequal weights; `x`/`y` thresholds on all of them. */
function servers(net: string, port: number, fwd: Fwd | Fwd[], weights = [5, 3, 2, 1], thresholds = false) {
  return weights.map((w, i) => ({
    server: `${net}.${i + 1}:${port}`,
    weight: w,
    forward: Array.isArray(fwd) ? (fwd[i % fwd.length] as Fwd) : fwd,
    ...(thresholds ? { uThreshold: 30 + 8 * i, lThreshold: i % 2 === 0 ? 20 + i : 0 } : {}),
  }));
}

interface Variant {
  readonly persistence?: boolean;
  readonly thresholds?: boolean;
  readonly nat?: boolean;
  readonly flags?: number;
  readonly weights?: number[];
  readonly director?: Candidate['director'];
}

function config(s: SchedulerName, v: Variant = {}): Candidate {
  const sched = (flags = v.flags ?? 0) => ({
    scheduler: s,
    schedFlags: s === 'sh' || s === 'mh' ? flags : 0,
  });
  const specs: ServiceSpec[] = [
    {
      ...sched(),
      persistenceS: v.persistence ? 120 : null,
      netmask: 0xffffff00,
      servers: servers('10.0.1', 80, v.nat ? 'masq' : 'route', v.weights, v.thresholds),
    },
    {
      ...sched(),
      servers: servers('10.0.2', 8443, v.nat ? ['masq', 'route'] : 'masq', v.weights, v.thresholds),
    },
    {
      ...sched(),
      persistenceS: v.persistence ? 60 : null,
      servers: servers('10.0.3', 8080, v.nat ? 'masq' : 'tunnel', v.weights, v.thresholds),
    },
  ];
  return candidate(base, specs, {
    name: `${s} ${JSON.stringify(v)}`,
    timeouts: TIMEOUTS,
    director: { seed: 5, lblcExpirationMs: 600_000, lblcrExpirationMs: 300_000, ...v.director },
  });
}

const cases: [string, Candidate][] = [];
for (const s of SCHEDULER_NAMES) {
  cases.push([`${s} DR/TUN`, config(s)]);
  cases.push([
    `${s} NAT, persistence, thresholds`,
    config(s, { nat: true, persistence: true, thresholds: true }),
  ]);
  cases.push([`${s} DR, persistence`, config(s, { persistence: true })]);
  cases.push([`${s} NAT, thresholds`, config(s, { nat: true, thresholds: true })]);
}
for (const s of ['sh', 'mh'] as const) {
  for (const [name, flags] of [
    ['fallback', SCHED_FLAG_1],
    ['port', SCHED_FLAG_2],
    ['fallback+port', SCHED_FLAG_1 | SCHED_FLAG_2],
  ] as const) {
    cases.push([
      `${s}-${name}, weight 0, thresholds`,
      config(s, { flags, thresholds: true, weights: [4, 0, 2, 1] }),
    ]);
    cases.push([`${s}-${name}, NAT persistence`, config(s, { flags, nat: true, persistence: true })]);
  }
}
for (const s of ['wlc', 'rr', 'sh'] as const) {
  cases.push([`${s} conn_reuse_mode 0`, config(s, { director: { connReuseMode: 0 } })]);
  cases.push([`${s} conn_reuse_mode 3 (DR FIN_WAIT reused)`, config(s, { director: { connReuseMode: 3 } })]);
  cases.push([
    `${s} expire_quiescent_template, weight 0, persistence`,
    config(s, { persistence: true, weights: [3, 0, 2, 0], director: { expireQuiescentTemplate: true } }),
  ]);
}
cases.push(['twos, another seed', config('twos', { director: { seed: 99 } })]);
cases.push(['sh legacy hash', config('sh', { director: { hashVariant: 'legacy' } })]);
cases.push([
  'lblcr legacy hash, persistence',
  config('lblcr', { persistence: true, director: { hashVariant: 'legacy' } }),
]);

describe('replay engine = simulate, pick for pick', () => {
  it('the test timelines exercise what they should', () => {
    expect(base.count).toBeGreaterThan(5000);
    const r = replayCandidate(prepared, config('wlc', { persistence: true, thresholds: true, nat: true }), {
      stepMs: 0,
    });
    expect(r.joinedCount).toBeGreaterThan(0);
    expect(r.dropped).toBeGreaterThan(0);
    const reuse = replayCandidate(prepared, config('wlc'), { stepMs: 0 });
    // Port reuse within the linger: some SYNs reschedule over a finished entry, some join one.
    expect(impliedRows(base, reuse).length).toBeLessThan(base.count);
    let long = 0;
    for (let c = 0; c < base.count; c++) if ((base.lifetimeMs[c] as number) > 60_000) long++;
    expect(long).toBeGreaterThan(300);
  });

  it.each(cases)('%s', async (_name, cand) => {
    const cmp = await compareWithSimulate(prepared, cand);
    expect(cmp.rows).toBeGreaterThan(4000);
    expect(cmp.first).toBeNull();
    expect(cmp.mismatches).toBe(0);
    expect(cmp.counters).toBeNull();
  });

  it.each([
    ['keepalive 25 s (entries survive ESTABLISHED)', withKeepalive],
    ['keepalive 70 s (longer than ESTABLISHED)', slowKeepalive],
  ])('%s: every scheduler, persistence and NAT', async (_name, p) => {
    for (const s of SCHEDULER_NAMES) {
      for (const v of [{}, { persistence: true, nat: true, thresholds: true }]) {
        const cmp = await compareWithSimulate(p, config(s, v));
        expect(cmp.first, `${s} ${JSON.stringify(v)}`).toBeNull();
        expect(cmp.counters, `${s} ${JSON.stringify(v)}`).toBeNull();
      }
    }
  });
});

describe('persistence timers in the same ms as their connections', () => {
  const ties = prepareTimeline(tieTimeline(3));
  const webOnly = (s: SchedulerName, fwd: Fwd, persistenceS: number, timeouts?: typeof TIMEOUTS) =>
    candidate(
      { services: [{ key: WEB, target: { addr: WEB.addr, port: WEB.port } }] },
      [{ scheduler: s, persistenceS, servers: servers('10.0.1', 80, fwd) }],
      { name: `${s} ${fwd} -p ${persistenceS}`, ...(timeouts ? { timeouts } : {}) },
    );
  it.each([
    ['rr', 'route', 120],
    ['rr', 'masq', 120],
    ['rr', 'route', 60],
    ['rr', 'masq', 60],
    ['wrr', 'masq', 120],
    ['lc', 'route', 120],
  ] as const)('%s %s -p %d, default and --set 60 20 timeouts', async (s, fwd, p) => {
    for (const timeouts of [undefined, TIMEOUTS]) {
      const cmp = await compareWithSimulate(ties, webOnly(s, fwd, p, timeouts));
      expect(cmp.rows).toBeGreaterThan(2000);
      expect(cmp.first).toBeNull();
      expect(cmp.counters).toBeNull();
    }
  });
});

describe('against the built CLI', () => {
  const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-replay-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lvs-analyze simulate prints the engine’s picks (mh-port, NAT persistence, thresholds)', async () => {
    const cand = config('mh', { flags: SCHED_FLAG_2, persistence: true, nat: true, thresholds: true });
    const file = join(dir, 'timeline.trace');
    writeFileSync(file, toTrace(base, cand, prepared));
    // The dev build (npx tsc -p tsconfig.json), else the package build.
    const main = [join(ROOT, 'build/analyzer/main.js'), join(ROOT, 'dist/analyzer/main.js')].find((f) =>
      existsSync(f),
    );
    expect(main, 'a built lvs-analyze (build/ or dist/)').toBeDefined();
    const out = await run(
      process.execPath,
      [main as string, 'simulate', '--trace', file, ...simulateArgs(cand)],
      { cwd: ROOT, timeoutMs: 60_000 },
    );
    expect(out.code).toBe(0);
    const r = replayCandidate(prepared, cand, { stepMs: 0 });
    const expected = impliedRows(base, r).map(
      (row) => `${row.timeMs},${row.proto},${row.client},${row.service},${row.realServer}`,
    );
    expect(out.stdout.trimEnd().split('\n')).toEqual([
      'time_ms,proto,client,service,real_server',
      ...expected,
    ]);
  });
});
