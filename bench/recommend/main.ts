/**
 * bench:recommend — the replay engine as the recommender uses it: a synthetic 1,000,000-
 * connection recording (bench/recommend/workload.ts), all 14 schedulers, then the recommender's
 * weight search (analyzer/recommend/search.ts) for wrr and wlc from their first replays
 * (`--search` replays each, default 6, as many per round as workers), every candidate replayed
 * as the recommender replays a day (its series step, measures only) and measured (utilisation,
 * imbalance, M/M/c waits) on worker threads (default 2). The whole run is
 * timed, wall and CPU, and each candidate by the CPU time of the thread that replayed it (on a
 * shared machine wall time measures the other jobs too): the run's time on two free cores is
 * then extrapolated, and printed apart from what was measured.
 *
 * The in-run peer is `lvs-analyze simulate` (the built CLI: build/, else dist/) on the same timeline's trace:
 * on 1 M connections it takes minutes per candidate, so it runs on the first
 * `--peer-connections` (default 100,000) connections, per scheduler, next to the engine on the
 * same subset in this process; both must pick the same server for every connection.
 *
 *   node build/bench/recommend/main.js [--connections N] [--workers N] [--peer-connections N] [--search N] [--no-full-peer]
 *
 * Then, unless --no-full-peer, simulate once (wlc) on the whole timeline, for the ratio at full size.
 */
import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { SCHEDULER_NAMES, type SchedulerName } from '../../common/ipvs/vocabulary.js';
import { type Candidate, candidate, simulateArgs } from '../../analyzer/replay/candidate.js';
import { replayCandidate } from '../../analyzer/replay/engine.js';
import { prepareTimeline } from '../../analyzer/replay/events.js';
import type { CandidateMeasures, MeasureOptions } from '../../analyzer/replay/measures.js';
import { type ReplayOutcome, ReplayPool, type ReplayRequest } from '../../analyzer/replay/pool.js';
import { type Timeline, headOf, traceChunks } from '../../analyzer/replay/timeline.js';
import { seriesStepMs } from '../../analyzer/recommend/engine.js';
import { type SearchResult, searchWeights } from '../../analyzer/recommend/search.js';
import { reduceWeights, searchStart } from '../../analyzer/recommend/weights.js';
import { APP, SERVER_ADDRS, SPEEDS, WEB, benchTimeline, capacities } from './workload.js';

function argValue(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} wants a positive integer`);
  return value;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = [join(ROOT, 'build/analyzer/main.js'), join(ROOT, 'dist/analyzer/main.js')].find((f) =>
  existsSync(f),
);

const BASE_WEIGHTS = SPEEDS.map((s) => Math.round(4 * s));

/** Both services on the same six servers: WEB by DR, APP by NAT with 300 s persistence. */
function config(t: Timeline, scheduler: SchedulerName, weights: readonly number[], name?: string): Candidate {
  const servers = (port: number, forward: 'route' | 'masq') =>
    SERVER_ADDRS.map((a, i) => ({ server: `${a}:${port}`, weight: weights[i] as number, forward }));
  return candidate(
    t,
    [
      { scheduler, servers: servers(WEB.kind === 'addr' ? WEB.port : 0, 'route') },
      { scheduler, persistenceS: 300, servers: servers(APP.kind === 'addr' ? APP.port : 0, 'masq') },
    ],
    { name: name ?? `${scheduler} ${weights.join(',')}` },
  );
}

const MEASURES: MeasureOptions = {
  capacities: Object.fromEntries(SERVER_ADDRS.map((a, i) => [a, capacities()[i] ?? { relative: 1 }])),
  windowMs: 60_000,
};

/** As the recommender replays a history this long: its series step (a day: 5 s), only measures kept. */
function request(t: Timeline, c: Candidate): ReplayRequest {
  return {
    candidate: c,
    options: { stepMs: seriesStepMs(t.durationMs), picks: false },
    measures: MEASURES,
    keep: { picks: false, series: false },
  };
}

/** The objective of the weight search: the busiest server's worst 60 s window, then the peak. */
function score(m: CandidateMeasures): number {
  return m.worstWindowUtilisation + 1e-3 * m.peakUtilisation + (m.dropped > 0 ? 1e3 : 0);
}

/** Every outcome of the run, for the CPU figures. */
const outcomes: ReplayOutcome[] = [];

/** Per weight: its server's utilisation in its worst window (what the score is made of). */
function loads(m: CandidateMeasures): number[] {
  return SERVER_ADDRS.map((a) => m.servers.find((s) => s.server === a)?.utilisation.worstWindow ?? 0);
}

/** The recommender's weight search (analyzer/recommend/search.ts) from a scheduler's first-round replay. */
function weightSearch(
  pool: ReplayPool,
  t: Timeline,
  scheduler: SchedulerName,
  first: CandidateMeasures,
  budget: number,
  perRound: number,
): Promise<SearchResult<CandidateMeasures>> {
  const start = { weights: BASE_WEIGHTS, value: first, score: score(first) };
  return searchWeights(start, searchStart(BASE_WEIGHTS), {
    budget,
    minGain: 0,
    perRound,
    score,
    loads,
    async evaluate(ws) {
      const out = await pool.run(ws.map((w) => request(t, config(t, scheduler, w))));
      outcomes.push(...out);
      return out.map((o) => o.measures as CandidateMeasures);
    },
  });
}

function run(cmd: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 30, timeout: 1_800_000 }, (error, stdout) => {
      if (error) reject(new Error(`${cmd} ${args.join(' ')}: ${error.message}`));
      else resolve({ ms: performance.now() - started, stdout });
    });
  });
}

async function writeTrace(file: string, t: Timeline, c: Candidate): Promise<void> {
  const out = createWriteStream(file);
  for (const chunk of traceChunks(t, c)) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

const fmt = (x: number, digits = 0): string =>
  x.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const rate = (x: number): string => (x >= 1e6 ? `${fmt(x / 1e6, 1)} M/s` : `${fmt(x / 1e3, 0)} k/s`);

async function main(): Promise<void> {
  const n = argValue('--connections', 1_000_000);
  const workers = argValue('--workers', 2);
  const peerN = argValue('--peer-connections', 100_000);
  const budget = argValue('--search', 6);
  console.log(
    `lvscope bench:recommend — node ${process.version}, ${cpus().length} CPUs (${workers} workers), load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  let started = performance.now();
  const timeline = benchTimeline(n);
  const genMs = performance.now() - started;
  console.log(
    `timeline: ${fmt(timeline.count)} connections over 24 h, 2 services × ${SERVER_ADDRS.length} servers, ${fmt(timeline.clients.length)} clients, generated in ${fmt(genMs)} ms`,
  );

  // The run: prepare, start workers, 14 schedulers, weight search.
  const cpu0 = process.cpuUsage();
  started = performance.now();
  const pool = ReplayPool.open(timeline, { workers });
  const prepMs = performance.now() - started;
  const t1 = performance.now();
  // Every scheduler at the base weights, one request each: a search starts from its scheduler's
  // replay as soon as it is in, its rounds queued behind the rest, so no worker waits for a round.
  let schedMs = 0;
  const firsts = SCHEDULER_NAMES.map((s) =>
    pool.run([request(timeline, config(timeline, s, BASE_WEIGHTS, s))]).then(([o]) => o as ReplayOutcome),
  );
  const round = Promise.all(firsts).then((os) => {
    schedMs = performance.now() - t1;
    return os;
  });
  const searching = Promise.all(
    (['wrr', 'wlc'] as const).map(async (scheduler) => {
      const first = (await firsts[SCHEDULER_NAMES.indexOf(scheduler)])?.measures as CandidateMeasures;
      return { scheduler, first, ...(await weightSearch(pool, timeline, scheduler, first, budget, workers)) };
    }),
  );
  const [all, searches] = await Promise.all([round, searching]);
  outcomes.push(...all);
  const searchMs = performance.now() - t1;
  const totalMs = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  await pool.close();
  const candidates = SCHEDULER_NAMES.length + searches.reduce((s, x) => s + x.evaluated, 0);
  if (outcomes.length !== candidates) throw new Error('bench: a replay was not counted');
  const perCandidate = all.map((o) => o.result.elapsedMs);
  const meanEngineMs = perCandidate.reduce((a, b) => a + b, 0) / perCandidate.length;
  const loadAfter = loadavg();
  const cpuMs = outcomes.map((o) => o.cpuMs).filter((x): x is number => typeof x === 'number');

  console.log('');
  console.log(
    `| scheduler | replay (1 M), wall | replay + measure, thread CPU | dropped | conn share min/max | Jain (util) | worst 60 s window ρ | peak ρ | p99 wait, worst server |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  all.forEach((o, i) => {
    const m = o.measures as CandidateMeasures;
    const worstP99 = m.servers
      .map((s) => s.queue?.waitP99Ms ?? 0)
      .reduce<number | 'overloaded'>(
        (a, b) => (a === 'overloaded' || b === 'overloaded' ? 'overloaded' : Math.max(a, b)),
        0,
      );
    console.log(
      `| ${SCHEDULER_NAMES[i]} | ${fmt(o.result.elapsedMs)} ms | ${typeof o.cpuMs === 'number' ? `${fmt(o.cpuMs)} ms` : 'n/a'} | ${fmt(m.dropped)} | ${fmt(m.newConnections.minToMax, 2)} | ${fmt(m.utilisation.jain, 3)} | ${fmt(m.worstWindowUtilisation, 2)} | ${fmt(m.peakUtilisation, 2)} | ${worstP99 === 'overloaded' ? 'overloaded' : `${fmt(worstP99, 0)} ms`} |`,
    );
  });
  console.log('');
  for (const s of searches)
    console.log(
      `weight search ${s.scheduler}: ${s.evaluated} candidates in ${s.rounds} rounds, ${BASE_WEIGHTS.join(',')} (worst-window ρ ${fmt(score(s.first), 3)}) → ${reduceWeights(s.best.weights).join(',')} (${fmt(s.best.score, 3)})`,
    );
  console.log('');
  console.log(
    `run: ${candidates} candidates × ${fmt(timeline.count)} connections in ${fmt(totalMs / 1000, 2)} s wall (prepare + share ${fmt(prepMs)} ms; from the first replay: 14 schedulers done at ${fmt(schedMs / 1000, 2)} s, weight searches at ${fmt(searchMs / 1000, 2)} s), process CPU (all threads) ${fmt((cpu.user + cpu.system) / 1e6, 2)} s`,
  );
  console.log(
    `     ${rate((candidates * timeline.count) / (totalMs / 1000))} connections replayed (decisions), ${fmt(candidates / (totalMs / 1000), 1)} candidates/s; one candidate on one thread: ${fmt(meanEngineMs)} ms mean wall (${rate(timeline.count / (meanEngineMs / 1000))}), target ≤ 10 s for the run: ${totalMs <= 10_000 ? 'met' : 'not met'} (measured, load average ${loadAfter.map((x) => x.toFixed(1)).join(' ')} at the end)`,
  );
  if (cpuMs.length === candidates) {
    const sum = cpuMs.reduce((a, b) => a + b, 0);
    const sorted = [...cpuMs].sort((a, b) => a - b);
    // Two free cores: the candidates split over the workers, after the preparation in this thread.
    const extrapolatedMs = prepMs + sum / Math.min(workers, cpus().length);
    console.log(
      `     CPU per candidate (replay + measure, the worker thread's own): ${fmt(sum / candidates)} ms mean, ${fmt(sorted[0] ?? 0)}–${fmt(sorted[sorted.length - 1] ?? 0)} ms, ${fmt(sum / 1000, 2)} s in all`,
    );
    console.log(
      `     extrapolated, not measured: preparation + that CPU over ${Math.min(workers, cpus().length)} free cores = ${fmt(extrapolatedMs / 1000, 2)} s (target ≤ 10 s: ${extrapolatedMs <= 10_000 ? 'met' : 'not met'})`,
    );
  }

  // The peer: simulate on a subset, the engine on the same subset.
  if (CLI === undefined) {
    console.log('\n(no built CLI in dist/ or build/: skipping the simulate peer; run npm run build first)');
    return;
  }
  const sub = headOf(timeline, peerN);
  const prepared = prepareTimeline(sub);
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-bench-recommend-'));
  console.log('');
  console.log(
    `Peer: lvs-analyze simulate on the first ${fmt(sub.count)} connections (a subset: on all ${fmt(timeline.count)} it takes minutes per candidate), the engine on the same subset, one thread each:`,
  );
  console.log('');
  console.log('| scheduler | engine | simulate (CLI, wall) | ratio | same picks |');
  console.log('|---|---|---|---|---|');
  const ratios: number[] = [];
  try {
    for (const s of SCHEDULER_NAMES) {
      const c = config(sub, s, BASE_WEIGHTS, s);
      const file = join(dir, `${s}.trace`);
      await writeTrace(file, sub, c);
      const engineRuns = [0, 1, 2].map(() => replayCandidate(prepared, c, { stepMs: 1000 }));
      const engineMs = Math.min(...engineRuns.map((r) => r.elapsedMs));
      const r = engineRuns[0] as ReturnType<typeof replayCandidate>;
      const sim = await run(process.execPath, [CLI, 'simulate', '--trace', file, ...simulateArgs(c)]);
      const rows = sim.stdout.trimEnd().split('\n').slice(1);
      let k = 0;
      let same = 0;
      let total = 0;
      for (let conn = 0; conn < sub.count; conn++) {
        if (r.joined?.[conn] === 1) continue;
        const g = r.picks?.[conn] ?? -1;
        const label = g < 0 ? '-' : (r.servers[g]?.label ?? '?');
        total++;
        if ((rows[k++] ?? '').endsWith(`,${label}`)) same++;
      }
      if (rows.length !== total) same = Math.min(same, total - Math.abs(rows.length - total));
      ratios.push(sim.ms / engineMs);
      console.log(
        `| ${s} | ${fmt(engineMs, 1)} ms | ${fmt(sim.ms)} ms | ${fmt(sim.ms / engineMs, 0)}× | ${same === total ? `${fmt(same)}/${fmt(total)}` : `${fmt(total - same)} DIFFER`} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // One candidate on the whole timeline, like for like with the run above.
  if (!process.argv.includes('--no-full-peer')) {
    const dirFull = mkdtempSync(join(tmpdir(), 'lvscope-bench-recommend-'));
    try {
      const c = config(timeline, 'wlc', BASE_WEIGHTS, 'wlc');
      const file = join(dirFull, 'wlc.trace');
      await writeTrace(file, timeline, c);
      const full = prepareTimeline(timeline);
      const engineMs = Math.min(...[0, 1, 2].map(() => replayCandidate(full, c, { stepMs: 1000 }).elapsedMs));
      const sim = await run(process.execPath, [
        CLI,
        'simulate',
        '--trace',
        file,
        '--output',
        '/dev/null',
        ...simulateArgs(c),
      ]);
      console.log('');
      console.log(
        `whole timeline, wlc: engine ${fmt(engineMs)} ms, lvs-analyze simulate ${fmt(sim.ms / 1000, 1)} s (${fmt(sim.ms / engineMs, 0)}×)`,
      );
    } finally {
      rmSync(dirFull, { recursive: true, force: true });
    }
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log('');
  console.log(
    `engine vs simulate per candidate: ${fmt(sorted[0] ?? 0)}× to ${fmt(sorted[sorted.length - 1] ?? 0)}× (median ${fmt(sorted[Math.floor(sorted.length / 2)] ?? 0)}×), target ≥ 10×: ${(sorted[0] ?? 0) >= 10 ? 'met' : 'not met'}`,
  );
}

await main();
