/**
 * The closed loop of issue 10 §9 on the two-speeds recordings: from the workload fitted on the
 * wrr 1:1 recording, the replay engine predicts each server's load under wrr weights proportional
 * to the fitted capacities; the same scenario recorded on the real kernel with those weights
 * (fixtures/recordings/two-speeds-reweighted) is what it is checked against.
 *
 * What the replay predicts and what it cannot: the generated timeline draws each connection's
 * lifetime before the scheduler picks its server (the workload's lifetime mixture), so the
 * replay's own ActiveConn per server is λᵢ × W̄, the same W for both. The share of new
 * connections is the scheduler's decision and needs no lifetime. The concurrency each server
 * gets is predicted by Little's law per server: the replay's λᵢ times the fitted Wᵢ of that
 * server (its lifetime does not depend on its weight while it is not saturated).
 */
import { capacitiesFromWorkload, paramsFromWorkload } from '../../../analyzer/replay/from-workload.js';
import { candidate } from '../../../analyzer/replay/candidate.js';
import { replayCandidate } from '../../../analyzer/replay/engine.js';
import { prepareTimeline } from '../../../analyzer/replay/events.js';
import { generateTimeline } from '../../../analyzer/replay/generate.js';
import { measureCandidate } from '../../../analyzer/replay/measures.js';
import type { ServiceModel, WorkloadModel } from '../../../analyzer/workload/model.js';

/** The smallest integer weights (1–`max`) whose ratios are within `tolerance` of the capacities'. */
export function weightsForCapacities(relative: readonly number[], max = 20, tolerance = 0.05): number[] {
  const fastest = Math.max(...relative);
  let best: { weights: number[]; error: number } | undefined;
  for (let scale = 1; scale <= max; scale++) {
    const weights = relative.map((r) => Math.max(1, Math.round((r / fastest) * scale)));
    if (Math.max(...weights) > max) break;
    const top = Math.max(...weights);
    const error = Math.max(...relative.map((r, i) => Math.abs(weights[i]! / top / (r / fastest) - 1)));
    if (!best || error < best.error - 1e-9) best = { weights, error };
    if (error <= tolerance) return weights;
  }
  return best!.weights;
}

export interface ServerPrediction {
  readonly server: string;
  readonly weight: number;
  /** Share of new connections the replay's wrr gave it. */
  readonly connShare: number;
  /** New connections per second it got in the replay. */
  readonly connsPerSecond: number;
  /** The replay's mean ActiveConn (the lifetime mixture: see the file comment). */
  readonly replayMeanActive: number;
  /** λᵢ (replay) × Wᵢ (fitted): the concurrency predicted for it. */
  readonly meanActive: number;
}

export interface Prediction {
  readonly weights: readonly number[];
  readonly servers: readonly ServerPrediction[];
  /** meanActive of each server ÷ their sum. */
  readonly activeShares: readonly number[];
  readonly connections: number;
}

/** Replays the fitted workload of `service` under wrr `weights` (servers in the model's order). */
export function predictWrr(
  model: WorkloadModel,
  service: ServiceModel,
  weights: readonly number[],
  seed = 7,
): Prediction {
  const { params } = paramsFromWorkload(model, { seed });
  const timeline = generateTimeline(params);
  const cand = candidate(timeline, [
    {
      scheduler: 'wrr',
      servers: service.servers.map((s, i) => ({
        server: s.server,
        weight: weights[i]!,
        forward: 'route' as const,
      })),
    },
  ]);
  const result = replayCandidate(prepareTimeline(timeline), cand);
  const measures = measureCandidate(timeline, result, { capacities: capacitiesFromWorkload(model) });
  const seconds = timeline.durationMs / 1000;
  const servers = service.servers.map((s, i) => {
    const addr = s.server.split(':')[0]!;
    const m = measures.servers.find((x) => x.server === addr);
    if (!m) throw new Error(`the replay has no server ${addr}`);
    const little = s.lifetime.littleSeconds?.value;
    if (little === undefined) throw new Error(`${s.server}: no fitted lifetime`);
    return {
      server: s.server,
      weight: weights[i]!,
      connShare: m.connShare,
      connsPerSecond: m.conns / seconds,
      replayMeanActive: m.meanActive,
      meanActive: (m.conns / seconds) * little,
    };
  });
  const total = servers.reduce((sum, s) => sum + s.meanActive, 0);
  return {
    weights,
    servers,
    activeShares: servers.map((s) => s.meanActive / total),
    connections: measures.connections,
  };
}
