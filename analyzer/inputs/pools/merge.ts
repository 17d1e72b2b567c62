/**
 * One pool described by several sources becomes one pool. Two descriptions are of the same pool
 * when they list the same set of services: a pools-file entry `mysql` with the service keepalived
 * calls `172.16.1.18:3306` is that virtual server, with capacities added. Within one source, two
 * pools with the same services are kept apart (the operator named them apart on purpose, or it
 * is a mistake `--pool` will report), and so is a set that one source lists twice.
 *
 * What the merged pool takes from whom (sources in this order of precedence):
 * - name, and the service order: pools file, then keepalived.conf, `ipvsadm -S`, `--pool`; the
 *   other names become aliases, which `--pool` accepts too;
 * - capacities and bytes per connection: the pools file, the only source that has them;
 * - configured state (scheduler, forwarding, persistence, weights, thresholds): keepalived.conf,
 *   then `ipvsadm -S`. keepalived.conf is what the operator edits and what a recommendation is
 *   compared with; `ipvsadm -S` shows the kernel, where a failed check may have zeroed a weight.
 * Servers are matched by address, and by port when both sides give one.
 */
import type { Pool, PoolServer, PoolSource } from './model.js';
import { serviceSpec } from './service-spec.js';

const PRECEDENCE: readonly PoolSource[] = ['pools-file', 'keepalived', 'ipvsadm-save', 'flag'];
const CONFIG_PRECEDENCE: readonly PoolSource[] = ['keepalived', 'ipvsadm-save'];

/** A pool's services as a set, in one text (sorted canonical specs). */
export function serviceSetId(pool: Pick<Pool, 'services'>): string {
  return [...new Set(pool.services.map(serviceSpec))].sort().join(' ');
}

const sourceOf = (pool: Pool): PoolSource => pool.sources[0] ?? 'flag';
const rank = (pool: Pool): number => PRECEDENCE.indexOf(sourceOf(pool));

function sameServer(a: PoolServer, b: PoolServer): boolean {
  return a.addr.text === b.addr.text && (a.port === undefined || b.port === undefined || a.port === b.port);
}

function mergeServers(ordered: readonly Pool[]): PoolServer[] | undefined {
  if (ordered.every((p) => p.servers === undefined)) return undefined;
  const isConfig = (p: Pool) => CONFIG_PRECEDENCE.includes(sourceOf(p));
  // Configuration sources list the servers IPVS has: their order leads, the others' extras follow.
  // The sort is stable, so keepalived.conf still comes before ipvsadm -S.
  const configFirst = [...ordered].sort((a, b) => Number(!isConfig(a)) - Number(!isConfig(b)));
  const merged: PoolServer[] = [];
  for (const pool of configFirst) {
    for (const server of pool.servers ?? []) {
      const at = merged.findIndex((m) => sameServer(m, server));
      const current = merged[at];
      if (!current) {
        merged.push(server);
        continue;
      }
      // What is set came from a source of higher precedence: fill in only what is missing.
      merged[at] = definedOnly({
        ...current,
        port: current.port ?? server.port,
        capacity: current.capacity ?? server.capacity,
        weight: current.weight ?? server.weight,
        forward: current.forward ?? server.forward,
        upperThreshold: current.upperThreshold ?? server.upperThreshold,
        lowerThreshold: current.lowerThreshold ?? server.lowerThreshold,
      });
    }
  }
  return merged;
}

/** Without the keys whose value is undefined, so merged pools compare like parsed ones. */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function combine(group: readonly Pool[]): Pool {
  const ordered = [...group].sort((a, b) => rank(a) - rank(b));
  const lead = ordered[0] as Pool;
  const file = ordered.find((p) => sourceOf(p) === 'pools-file');
  const config = CONFIG_PRECEDENCE.flatMap((source) => ordered.filter((p) => sourceOf(p) === source));
  const first = <K extends keyof Pool>(from: readonly Pool[], key: K): Pool[K] | undefined =>
    from.find((p) => p[key] !== undefined)?.[key];
  const names = [...new Set(ordered.flatMap((p) => [p.name, ...p.aliases]))];
  const servers = mergeServers(ordered);
  const merged: Pool = {
    name: lead.name,
    aliases: names.filter((n) => n !== lead.name),
    services: lead.services,
    origin: lead.origin,
    origins: ordered.flatMap((p) => p.origins),
    sources: ordered.flatMap((p) => p.sources),
    ...(servers ? { servers } : {}),
    responseBytesPerConn: file?.responseBytesPerConn,
    requestBytesPerConn: file?.requestBytesPerConn,
    scheduler: first(config, 'scheduler'),
    forward: first(config, 'forward'),
    persistenceSeconds: first(config, 'persistenceSeconds'),
    persistenceNetmask: first(config, 'persistenceNetmask'),
  };
  return definedOnly(merged);
}

/**
 * Merges the pools of several sources (each list from one source) as described above. The
 * result keeps the order in which pools first appear across the lists.
 */
export function mergePools(lists: readonly (readonly Pool[])[]): Pool[] {
  const all = lists.flat();
  const bySet = new Map<string, Pool[]>();
  for (const pool of all) {
    const id = serviceSetId(pool);
    bySet.set(id, [...(bySet.get(id) ?? []), pool]);
  }
  const out: Pool[] = [];
  const done = new Set<string>();
  for (const pool of all) {
    const id = serviceSetId(pool);
    const group = bySet.get(id) ?? [pool];
    const sources = group.map(sourceOf);
    if (group.length === 1 || new Set(sources).size !== sources.length) {
      out.push(pool);
      continue;
    }
    if (done.has(id)) continue;
    done.add(id);
    out.push(combine(group));
  }
  return out;
}
