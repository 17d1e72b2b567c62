/**
 * Pools from keepalived.conf: one per `virtual_server` block, named by the
 * `virtual_server_group` it uses (whose members are its services) or by its address
 * (`172.16.1.18:3306`, `fwm:7`). Its real servers, with their configured weights, are the pool's
 * servers; `lb_algo`, `lb_kind`, `persistence_timeout` and `persistence_granularity` its configured
 * state. The keepalived.conf reading itself (common/keepalived/conf-virtual-servers.ts) is shared.
 */
import { virtualServersFromConfig } from '../../../common/keepalived/conf-virtual-servers.js';
import type { ConfigLine } from '../../../common/keepalived/parse-conf.js';
import type { Parsed } from '../../../common/parse/issue.js';
import type { Pool } from './model.js';
import { servicePoolName } from './service-spec.js';

/** The pools of an expanded keepalived.conf (expandConfig's lines). */
export function poolsFromKeepalived(lines: readonly ConfigLine[]): Parsed<Pool[]> {
  const { value, issues } = virtualServersFromConfig(lines);
  const pools = value.flatMap((vs): Pool[] => {
    const first = vs.services[0];
    if (!first) return [];
    const origin = `${vs.file}:${vs.line}`;
    const fwmark = first.kind === 'fwmark';
    return [
      {
        name: vs.group ?? servicePoolName(first),
        aliases: [],
        services: vs.services,
        origin,
        origins: [origin],
        sources: ['keepalived'],
        servers: vs.realServers.map((rs) => ({
          addr: rs.addr,
          // A group's real server without a port, or one of a mark service, is matched by address.
          ...(rs.port !== 0 || (!fwmark && vs.group === undefined) ? { port: rs.port } : {}),
          weight: rs.weight,
          forward: rs.forward,
          upperThreshold: rs.upperThreshold,
          lowerThreshold: rs.lowerThreshold,
          origin: `${rs.file}:${rs.line}`,
        })),
        scheduler: vs.scheduler,
        ...(vs.forward !== undefined ? { forward: vs.forward } : {}),
        persistenceSeconds: vs.persistenceSeconds,
        ...(vs.persistenceNetmask !== undefined ? { persistenceNetmask: vs.persistenceNetmask } : {}),
      },
    ];
  });
  return { value: pools, issues };
}
