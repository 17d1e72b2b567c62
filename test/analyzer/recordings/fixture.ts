/**
 * The committed real-kernel recordings (fixtures/recordings/NAME): the workload model fitted
 * from each one's capture through the same path as `lvs-analyze workload --capture`, and the
 * ground truth the lab's logs give (truth.json, written by test/kernel/workload/truth.js).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPoolHistory } from '../../../analyzer/cli/inputs.js';
import type { History } from '../../../analyzer/inputs/history/model.js';
import type { ServerModel, ServiceModel, WorkloadModel } from '../../../analyzer/workload/model.js';
import { fitWorkload } from '../../../analyzer/workload/fit.js';
import { ROOT } from '../../exporter/helpers.js';

export const RECORDINGS = join(ROOT, 'fixtures/recordings');

export interface ServerTruth {
  readonly connections: number;
  readonly share: number;
  readonly connsPerSecond: number;
  readonly lifetimeMs: number;
  readonly lifetimeSeMs: number;
  readonly meanOpen: number;
  readonly requests?: number;
  readonly serviceMs?: { readonly drawnMean: number; readonly realMean: number };
  readonly requestsPerConn?: number;
}

export interface Phase {
  readonly fromMs: number;
  readonly toMs: number;
  readonly servers: Readonly<Record<string, ServerTruth>>;
}

export interface Truth {
  readonly recording: {
    readonly scenario: string;
    readonly loadStartMs: number;
    readonly loadEndMs: number;
    /** Wall-clock ms of the guest's monotonic 0, as the capture was converted. */
    readonly epochMs: number;
  };
  readonly configuration: Readonly<Record<string, string>>;
  readonly servers: Readonly<Record<string, ServerTruth>>;
  readonly lifetimeRatio: {
    readonly slowest: string;
    readonly fastest: string;
    readonly value: number;
    readonly se: number;
  } | null;
  readonly clients: {
    readonly distinct: number;
    readonly connections: number;
    readonly top: { readonly client: string; readonly share: number; readonly se: number } | null;
    readonly bySource: Readonly<
      Record<
        string,
        {
          readonly connections: number;
          readonly share: number;
          /** Its connections per real server. */
          readonly servers?: Readonly<Record<string, number>>;
        }
      >
    >;
  };
  readonly bytesPerConn: {
    readonly requestsPerConn: number;
    readonly inPayload: number;
    readonly outPayload: number;
  };
  readonly phases?: { readonly before: Phase; readonly out: Phase; readonly back: Phase };
}

export interface Recording {
  readonly truth: Truth;
  readonly history: History;
  readonly model: WorkloadModel;
  readonly service: ServiceModel;
  /** A real server's model by address (the truth's key). */
  server(addr: string): ServerModel;
  /** Wall-clock ms (the capture's time) of a lab instant (the guest's monotonic ms). */
  wallMs(monotonicMs: number): number;
}

export function readTruth(name: string): Truth {
  return JSON.parse(readFileSync(join(RECORDINGS, name, 'truth.json'), 'utf8')) as Truth;
}

/** Fits `pool` (a --pool value) on the recording's capture, as `lvs-analyze workload` does. */
export async function loadRecording(name: string, pool: string): Promise<Recording> {
  const truth = readTruth(name);
  const loaded = await loadPoolHistory({ capture: [join(RECORDINGS, name, 'capture')], pool });
  const model = fitWorkload(loaded.history, loaded.pool.name, loaded.pool);
  const service = model.services[0];
  if (!service || model.services.length !== 1)
    throw new Error(`${name}: ${model.services.length} services for ${pool}`);
  return {
    truth,
    history: loaded.history,
    model,
    service,
    server(addr) {
      const found = service.servers.find((s) => s.server.split(':')[0] === addr);
      if (!found) throw new Error(`${name}: no real server ${addr} in the model`);
      return found;
    },
    wallMs: (ms) => truth.recording.epochMs + ms,
  };
}
