import type { ConnectionRow, ReplayWarning, ServiceCounters } from '../replay/trace-replay.js';

export type OutputFormat = 'csv' | 'json';

const CSV_HEADER = 'time_ms,proto,client,service,real_server';

/** Streams rows as they are produced, so a long trace never accumulates in memory. */
export interface RowWriter {
  begin(): void;
  row(r: ConnectionRow): void;
  end(counters: readonly ServiceCounters[], warnings: readonly ReplayWarning[]): void;
}

export function csvWriter(write: (text: string) => void): RowWriter {
  return {
    begin: () => write(`${CSV_HEADER}\n`),
    row: (r) => write(`${r.timeMs},${r.proto},${r.client},${r.service},${r.realServer}\n`),
    end: () => undefined,
  };
}

/**
 * `{"connections": [...], "services": [...], "warnings": [...]}` with the CSV's column names for
 * connections and snake_case counters per destination, written incrementally.
 */
export function jsonWriter(write: (text: string) => void): RowWriter {
  let first = true;
  return {
    begin: () => write('{"connections":['),
    row: (r) => {
      const obj = {
        time_ms: r.timeMs,
        proto: r.proto,
        client: r.client,
        service: r.service,
        real_server: r.realServer,
      };
      write(`${first ? '\n' : ',\n'}${JSON.stringify(obj)}`);
      first = false;
    },
    end: (counters, warnings) => {
      const services = counters.map((s) => ({
        service: s.service,
        protocol: s.protocol,
        scheduler: s.scheduler,
        persistent_timeout_s: s.persistentTimeoutS,
        conns: s.conns,
        destinations: s.destinations.map((d) => ({
          real_server: d.realServer,
          forward: d.forward,
          weight: d.weight,
          active_conns: d.activeConns,
          inactive_conns: d.inactiveConns,
          persistent_conns: d.persistentConns,
          conns: d.conns,
        })),
      }));
      write(
        `\n],\n"services":${JSON.stringify(services, null, 1)},\n"warnings":${JSON.stringify(warnings)}}\n`,
      );
    },
  };
}
