/**
 * The forwarding modes for the recorded traffic (analyzer/cost): the cost report, and the mode
 * change it implies for the commands. A recording the cost model cannot read at all gives a
 * warning, not a failure: the scheduling advice stands without it.
 */
import type { ForwardMethod } from '../../common/ipvs/vocabulary.js';
import {
  CostInputError,
  type CostProfile,
  DEFAULT_COST_PROFILE,
  type ForwardingMode,
  type ModeCostReport,
  costInputFromWorkload,
  costModes,
  modeOfForward,
} from '../cost/index.js';
import type { Pool } from '../inputs/pools/model.js';
import type { ServiceModel } from '../workload/model.js';
import type { Configuration, Warning } from './types.js';

export interface ModeOptions {
  readonly costProfile?: CostProfile;
  /** Server→client bytes per connection (`--response-bytes`), over the pools file's. */
  readonly responseBytes?: number;
}

export function costOf(
  service: ServiceModel,
  base: Configuration,
  pool: Pool | undefined,
  o: ModeOptions,
  warnings: Warning[],
): ModeCostReport | undefined {
  const forwards = [...new Set(base.servers.map((s) => s.forward))];
  const currentMode = forwards.length === 1 ? modeOfForward(forwards[0] as string) : undefined;
  const responseBytes = o.responseBytes ?? pool?.responseBytesPerConn;
  try {
    const input = costInputFromWorkload(service, {
      ...(currentMode !== undefined && { currentMode }),
      ...(responseBytes !== undefined && {
        responseBytes,
        responseBytesFrom:
          o.responseBytes !== undefined ? '--response-bytes' : `the pools file (${pool?.origin ?? ''})`,
      }),
      ...(pool?.requestBytesPerConn !== undefined && { requestBytes: pool.requestBytesPerConn }),
    });
    return costModes(input, o.costProfile ?? DEFAULT_COST_PROFILE);
  } catch (e) {
    if (!(e instanceof CostInputError)) throw e;
    warnings.push({
      kind: 'model',
      message: `${service.service}: forwarding modes not costed: ${e.message}`,
    });
    return undefined;
  }
}

/** The mode the cost report recommends when it differs from the running one, else undefined. */
export function modeChange(report: ModeCostReport | undefined): ForwardingMode | undefined {
  if (report === undefined || report.current === undefined || report.recommended === report.current)
    return undefined;
  return report.recommended;
}

/** The kernel forwarding method of a mode; FULLNAT has none in mainline IPVS. */
export function forwardOfMode(mode: ForwardingMode): ForwardMethod | undefined {
  if (mode === 'nat') return 'masq';
  if (mode === 'dr') return 'route';
  if (mode === 'fullnat') return undefined;
  return 'tunnel';
}
