/**
 * The Recommendation's ready-to-apply section: report/apply.ts's lines for the running →
 * recommended change, in the forwarding mode the cost model recommends when that changes, with
 * what the real servers then need.
 */
import type { ServiceKey } from '../../common/ipvs/vocabulary.js';
import { parseEndpoint } from '../../common/net/ip.js';
import type { ForwardingMode } from '../cost/index.js';
import {
  type AppliedService,
  type TunnelType,
  ipvsadmEdits,
  ipvsadmRestore,
  keepalivedVirtualServer,
  realServerSteps,
} from '../report/apply.js';
import { forwardOfMode } from './modes.js';
import type { ApplyCommands, Configuration } from './types.js';

/** GUE's port when the director and the real servers are set up from these commands. */
const GUE_PORT = 6080;

function tunnelOf(mode: ForwardingMode | undefined): TunnelType | undefined {
  if (mode === 'tun-gre') return { type: 'gre' };
  if (mode === 'tun-gue') return { type: 'gue', port: GUE_PORT };
  return undefined;
}

export function appliedService(key: ServiceKey, c: Configuration, mode?: ForwardingMode): AppliedService {
  const forward = mode === undefined ? undefined : forwardOfMode(mode);
  const tunnel = tunnelOf(mode);
  return {
    key,
    scheduler: c.scheduler,
    flags: c.flags,
    persistenceSeconds: c.persistenceSeconds,
    servers: c.servers.map((s) => {
      const ep = parseEndpoint(s.server);
      if (typeof ep === 'string') throw new Error(`recommend: ${s.server}: ${ep}`);
      return {
        addr: ep.addr,
        port: ep.port,
        weight: s.weight,
        forward: forward ?? s.forward,
        ...(tunnel && { tunnel }),
        ...(s.uThreshold > 0 && { upperThreshold: s.uThreshold }),
        ...(s.lThreshold > 0 && { lowerThreshold: s.lThreshold }),
      };
    }),
  };
}

/** From the running configuration to the recommended one, in the mode the cost model recommends when it changes. */
export function applyCommands(
  key: ServiceKey,
  current: Configuration,
  next: Configuration,
  mode?: { readonly to: ForwardingMode; readonly mss?: number },
): ApplyCommands {
  const target = appliedService(key, next, mode?.to);
  return {
    ipvsadmEdits: ipvsadmEdits(appliedService(key, current), target),
    ipvsadmRestore: ipvsadmRestore(target),
    keepalived: keepalivedVirtualServer(target),
    ...(mode && {
      realServers: {
        mode: mode.to,
        steps: realServerSteps(mode.to, key, {
          ...(mode.mss !== undefined && { mss: mode.mss }),
          ...(mode.to === 'tun-gue' && { guePort: GUE_PORT }),
        }),
      },
    }),
  };
}
