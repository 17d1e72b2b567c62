/**
 * Each real server's capacity for the measures: its relative speed from the workload's evidence,
 * and an absolute size (workers, connections per second) from the pool file, else its upper
 * threshold (-x), else an assumption stated in the evidence: the size at which the recorded peak
 * concurrency, spread in proportion to capacity, would load every server to ASSUMED_PEAK.
 */
import type { Pool } from '../inputs/pools/model.js';
import { lifetimesScaled } from '../replay/from-workload.js';
import type { ServerCapacity } from '../replay/measures.js';
import type { ServiceModel } from '../workload/model.js';
import type { EstimatedFigure } from './types.js';

/** The utilisation the recorded peak is assumed to reach when no absolute capacity is known. */
export const ASSUMED_PEAK = 0.8;

export interface Capacities {
  /** Per server address. */
  readonly byAddress: Readonly<Record<string, ServerCapacity>>;
  readonly estimated: readonly EstimatedFigure[];
  /** True when the absolute sizes are assumed (utilisation is then relative to the recording). */
  readonly assumed: boolean;
}

/** `10.0.0.1` of `10.0.0.1:3306`, `2001:db8::1` of `[2001:db8::1]:3306`. */
export function addressOf(server: string): string {
  const v6 = /^\[(.*)\](?::\d+)?$/.exec(server);
  return v6 ? (v6[1] as string) : server.replace(/:\d+$/, '');
}

export function serverCapacities(service: ServiceModel, pool: Pool | undefined): Capacities {
  const estimated: EstimatedFigure[] = [];
  const poolServer = (addr: string) => pool?.servers?.find((p) => p.addr.text === addr);
  const relative = new Map<string, number>();
  for (const s of service.servers) {
    const addr = addressOf(s.server);
    const fromPool = poolServer(addr)?.capacity?.relative;
    const value = s.capacity?.relative.value ?? fromPool;
    relative.set(addr, value !== undefined && value > 0 ? value : 1);
    if (s.capacity)
      estimated.push({
        quantity: `capacity of ${addr}`,
        value: `${value} (relative, fastest = 1)`,
        from:
          s.capacity.evidence === 'pool-file'
            ? 'the pools file'
            : "the lifetimes its connections had (Little's law)",
      });
    else
      estimated.push({
        quantity: `capacity of ${addr}`,
        value: '1 (relative)',
        from: 'assumed: no evidence of a speed difference',
      });
  }
  // Normalise so the fastest is 1.
  const top = Math.max(...relative.values(), 0);
  for (const [a, r] of relative) relative.set(a, top > 0 ? r / top : 1);

  const byAddress: Record<string, ServerCapacity> = {};
  let allAbsolute = true;
  for (const s of service.servers) {
    const addr = addressOf(s.server);
    const p = poolServer(addr);
    const given = s.capacity?.workers ?? p?.capacity?.workers;
    const threshold = given === undefined && p?.upperThreshold ? p.upperThreshold : undefined;
    const cps = s.capacity?.connsPerSecond ?? p?.capacity?.connsPerSecond;
    const r = relative.get(addr) ?? 1;
    const workers = given ?? threshold;
    if (workers === undefined && cps === undefined) {
      allAbsolute = false;
      continue;
    }
    if (threshold !== undefined)
      estimated.push({
        quantity: `workers of ${addr}`,
        value: String(threshold),
        from: 'its upper threshold (-x)',
      });
    byAddress[addr] = {
      relative: r,
      ...(workers !== undefined && { workers }),
      ...(cps !== undefined && { connsPerSecond: cps }),
    };
  }
  if (allAbsolute) return { byAddress, estimated, assumed: false };

  // Assumed sizes: the recorded peak concurrency spread by capacity reaches ASSUMED_PEAK.
  const peak = service.servers.reduce(
    (sum, s) => sum + Math.max(s.concurrency.peakActive, s.concurrency.meanActive),
    0,
  );
  // When the replay holds a slow server's connections longer, its concurrency already shows its
  // speed: every server gets the same workers (else it would count twice).
  const scaled = lifetimesScaled(service);
  const totalRelative = scaled ? service.servers.length : [...relative.values()].reduce((a, b) => a + b, 0);
  for (const s of service.servers) {
    const addr = addressOf(s.server);
    if (byAddress[addr]) continue;
    const r = relative.get(addr) ?? 1;
    const workers = Math.max(
      1,
      Math.round((Math.max(1, peak) * (scaled ? 1 : r)) / totalRelative / ASSUMED_PEAK),
    );
    byAddress[addr] = { relative: r, workers };
    estimated.push({
      quantity: `workers of ${addr}`,
      value: String(workers),
      from: `assumed: no absolute capacity (pools file capacity.workers or conns_per_second, or -x); sized so the recorded peak of ${Math.round(peak)} active connections, spread by capacity, loads every server to ${ASSUMED_PEAK * 100} %`,
    });
  }
  return { byAddress, estimated, assumed: true };
}
