/**
 * What can make a recommendation wrong or useless, said before anyone applies it
 * (modes-and-capacity.md §5, §10): persistence with few clients, a hash scheduler with a skewed
 * client mix, a server too slow to matter, evidence too thin to trust.
 */
import type { ServiceModel, WorkloadModel } from '../workload/model.js';
import type { CandidateResult, DelayMs, Warning } from './types.js';

/** Below these the evidence is thin. */
export const THIN = { records: 30, windowSeconds: 3600, connections: 1000 } as const;
/** A server below this share of the pool's capacity hardly matters. */
const TOO_SLOW_SHARE = 0.05;
/** Distinct clients per server below which persistence (or hashing) decides the placement. */
const FEW_CLIENTS_PER_SERVER = 10;

const pct = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)} %`;
const HASHED = new Set(['sh', 'dh', 'mh']);

function delayOf(d: DelayMs): string {
  if (d === null) return '';
  if (d === 'overloaded') return 'p99 overloaded, ';
  return `p99 ${d < 10 ? d.toFixed(2) : Math.round(d)} ms, `;
}

export function evidenceWarnings(model: WorkloadModel): Warning[] {
  const out: Warning[] = [];
  const windowSeconds = (model.end - model.start) / 1000;
  const connections = model.services.reduce((n, s) => n + s.arrivals.connections, 0);
  const thin: string[] = [];
  if (model.observations < THIN.records)
    thin.push(`${model.observations} records (fewer than ${THIN.records})`);
  if (windowSeconds < THIN.windowSeconds)
    thin.push(`a ${Math.round(windowSeconds)} s window (shorter than ${THIN.windowSeconds / 3600} h)`);
  if (connections < THIN.connections)
    thin.push(`${connections} new connections (fewer than ${THIN.connections})`);
  if (thin.length > 0)
    out.push({
      kind: 'thin-evidence',
      message: `thin evidence: ${thin.join(', ')}; the figures below rest on a short sample`,
      alternative: 'record longer (lvs-exporter --capture.dir for a day, or a wider --range) before acting',
    });
  return out;
}

export function serviceWarnings(
  service: ServiceModel,
  baseline: CandidateResult,
  recommended: CandidateResult,
  bestUnhashed: CandidateResult | undefined,
): Warning[] {
  const out: Warning[] = [];
  const n = service.servers.length;
  const distinct = service.clients?.distinct ?? service.clients?.top.length;
  if (service.persistenceSeconds > 0 && distinct !== undefined && distinct < FEW_CLIENTS_PER_SERVER * n)
    out.push({
      kind: 'persistence-few-clients',
      message: `persistence (-p ${service.persistenceSeconds}) with ${distinct} distinct clients for ${n} servers: each client sticks to one server for ${service.persistenceSeconds} s after its last connection, so the clients, not the scheduler, decide the balance and weights move little`,
      alternative:
        'drop -p if the application keeps no per-client state on the server, or shorten it; group clients with -M only if they share state',
    });
  const top = service.clients?.top[0];
  for (const c of [baseline, recommended]) {
    if (!HASHED.has(c.config.scheduler) || top === undefined) continue;
    // Its server gets at least share + (1 − share)/n of the connections: flag when that is 25 % over the fair 1/n.
    if (n < 2 || top.share < Math.max(0.1, 0.25 / (n - 1))) continue;
    const alt = bestUnhashed
      ? `${bestUnhashed.name} (${delayOf(bestUnhashed.outcome.delayP99Ms)}peak ${pct(bestUnhashed.outcome.peakUtilisation)} in the replay)`
      : 'a connection-counting scheduler (wlc)';
    out.push({
      kind: 'hash-skewed-clients',
      message: `${c === baseline ? 'the running' : 'the recommended'} ${c.config.scheduler} hashes the client address, and client ${top.client} sends ${pct(top.share)} of the connections: all of them land on one server whatever the weights`,
      alternative: `${alt}; or ${c.config.scheduler}-port to hash the source port too`,
    });
    break;
  }
  const caps = recommended.outcome.servers;
  const total = caps.reduce((s, x) => s + x.capacity, 0);
  for (const s of caps) {
    if (total > 0 && s.capacity / total < TOO_SLOW_SHARE)
      out.push({
        kind: 'server-too-slow',
        message: `${s.server} has ${pct(s.capacity / total)} of the pool's capacity: even at weight 1 it takes ${pct(s.connectionShare)} of the connections, and its queue dominates the p99`,
        alternative: `quiesce it (weight 0) or replace it; the pool without it loses only ${pct(s.capacity / total)} of its capacity`,
      });
  }
  return out;
}
