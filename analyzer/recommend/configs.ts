/**
 * Configurations to replay: the running one (the baseline, from the workload model and the pool
 * sources), and a candidate per kernel scheduler and per sh/mh flag variant; plus the mapping of
 * a Configuration onto the replay engine's candidate.
 */
import {
  SCHEDULER_NAMES,
  type ForwardMethod,
  type SchedulerName,
  isSchedulerName,
} from '../../common/ipvs/vocabulary.js';
import type { Pool } from '../inputs/pools/model.js';
import { SCHED_FLAG_1, SCHED_FLAG_2 } from '../kernel/schedulers/scheduler.js';
import { type Candidate, candidate } from '../replay/candidate.js';
import type { Timeline } from '../replay/timeline.js';
import type { ServiceModel } from '../workload/model.js';
import { addressOf } from './capacity.js';
import type { Configuration, ServerConfig, Warning } from './types.js';

/** Schedulers whose decisions depend on the weights' ratios (not only on weight > 0). */
export const WEIGHTED: ReadonlySet<SchedulerName> = new Set([
  'wrr',
  'wlc',
  'sed',
  'nq',
  'lblc',
  'lblcr',
  'mh',
  'twos',
  'sh',
]);

/** The sh/mh flag variants replayed besides the plain scheduler. */
const FLAG_VARIANTS: Readonly<Partial<Record<SchedulerName, readonly (readonly string[])[]>>> = {
  sh: [['sh-port'], ['sh-fallback'], ['sh-fallback', 'sh-port']],
  mh: [['mh-port'], ['mh-fallback'], ['mh-fallback', 'mh-port']],
};

export function flagBits(flags: readonly string[]): number {
  let bits = 0;
  for (const f of flags) {
    if (f.endsWith('-fallback')) bits |= SCHED_FLAG_1;
    if (f.endsWith('-port')) bits |= SCHED_FLAG_2;
  }
  return bits;
}

/** Only the flags the scheduler knows (sh-* for sh, mh-* for mh). */
const flagsFor = (scheduler: SchedulerName, flags: readonly string[]): string[] =>
  flags.filter((f) => f.startsWith(`${scheduler}-`));

export function configName(c: Configuration): string {
  const flags = c.flags.length > 0 ? ` (${c.flags.join(',')})` : '';
  const weights =
    WEIGHTED.has(c.scheduler) || c.scheduler === 'fo' || c.scheduler === 'ovf'
      ? ` ${c.servers.map((s) => s.weight).join(':')}`
      : '';
  return `${c.scheduler}${flags}${weights}`;
}

/** The running configuration: the history's last state, completed from the pool sources. */
export function baselineConfig(
  service: ServiceModel,
  pool: Pool | undefined,
  warnings: Warning[],
): Configuration {
  let scheduler: SchedulerName;
  if (service.scheduler !== undefined && isSchedulerName(service.scheduler)) scheduler = service.scheduler;
  else if (pool?.scheduler) scheduler = pool.scheduler;
  else {
    scheduler = 'wlc';
    warnings.push({
      kind: 'model',
      message: `${service.service}: the history does not say the scheduler; wlc (ipvsadm's default) assumed as the baseline`,
    });
  }
  const servers: ServerConfig[] = service.servers.map((s) => {
    const p = pool?.servers?.find((x) => x.addr.text === addressOf(s.server));
    const forward: ForwardMethod =
      (s.forward as ForwardMethod | undefined) ?? p?.forward ?? pool?.forward ?? 'route';
    return {
      server: s.server,
      weight: s.weight ?? p?.weight ?? 1,
      forward: forward === 'local' ? 'route' : forward,
      uThreshold: p?.upperThreshold ?? 0,
      lThreshold: p?.lowerThreshold ?? 0,
    };
  });
  return {
    scheduler,
    flags: flagsFor(scheduler, service.flags),
    persistenceSeconds: service.persistenceSeconds,
    servers,
  };
}

/** The baseline with another scheduler, flags and weights (persistence, forwarding, thresholds kept). */
export function variant(
  base: Configuration,
  scheduler: SchedulerName,
  weights: readonly number[],
  flags: readonly string[] = [],
): Configuration {
  return {
    ...base,
    scheduler,
    flags: [...flags],
    servers: base.servers.map((s, i) => ({ ...s, weight: weights[i] ?? s.weight })),
  };
}

/** Every scheduler once (and sh/mh with each flag variant) at the given weights. */
export function schedulerCandidates(
  base: Configuration,
  weights: readonly number[],
  ovfWeights: readonly number[],
): Configuration[] {
  const out: Configuration[] = [];
  for (const s of SCHEDULER_NAMES) {
    const w = s === 'ovf' ? ovfWeights : weights;
    out.push(variant(base, s, w));
    for (const flags of FLAG_VARIANTS[s] ?? []) out.push(variant(base, s, w, flags));
  }
  return out;
}

/** The replay engine's candidate for a one-service timeline. */
export function toCandidate(t: Pick<Timeline, 'services'>, c: Configuration, seed: number): Candidate {
  return candidate(
    t,
    [
      {
        scheduler: c.scheduler,
        schedFlags: flagBits(c.flags),
        persistenceS: c.persistenceSeconds > 0 ? c.persistenceSeconds : null,
        servers: c.servers.map((s) => ({
          server: s.server,
          weight: s.weight,
          forward: s.forward,
          uThreshold: s.uThreshold,
          lThreshold: s.lThreshold,
        })),
      },
    ],
    { name: configName(c), director: { seed } },
  );
}
