/**
 * Shared pieces for the in-process sink tests: a collector that hands out snapshots of a
 * replaceable MetricFamily list (counting collections, like the real single-flight collector
 * honouring maxAge), a quiet logger that keeps its lines, and families shaped like the real ones.
 */
import type { MetricFamily } from '../../common/metrics/family.js';
import { createLogger, type Logger } from '../../exporter/core/log.js';
import type { Collector } from '../../exporter/core/module.js';
import type { Snapshot } from '../../common/snapshot.js';
import { emptyDraft, finishSnapshot } from '../../exporter/core/draft.js';
import type { InfluxConfig } from '../../exporter/outputs/influx/options.js';
import { createWriter, InfluxSink } from '../../exporter/outputs/influx/sink.js';
import { DESTINATION_LABELS, SERVICE_LABELS } from '../../common/ipvs/vocabulary.js';
import { SinkHealthRegistry } from '../../exporter/outputs/health/health.js';

export class FamilyFeed {
  families: MetricFamily[];
  collections = 0;
  /** takenAtMs of every collection, in order. */
  readonly takenAt: number[] = [];
  private latest: Snapshot | undefined;
  private readonly bySnapshot = new WeakMap<Snapshot, MetricFamily[]>();

  /** `generate`, when given, builds the families of collection number n (1-based). */
  constructor(
    families: MetricFamily[],
    private readonly generate?: (collection: number) => MetricFamily[],
  ) {
    this.families = families;
  }

  readonly collector: Collector = {
    collect: (maxAgeMs = 0) => {
      const now = Date.now();
      if (this.latest && now - this.latest.takenAtMs <= maxAgeMs) return Promise.resolve(this.latest);
      this.collections += 1;
      if (this.generate) this.families = this.generate(this.collections);
      const snapshot = finishSnapshot(emptyDraft(), now, 0, []);
      this.takenAt.push(now);
      this.bySnapshot.set(snapshot, this.families);
      this.latest = snapshot;
      return Promise.resolve(snapshot);
    },
    // The sinks under test only ask for snapshots; none subscribes.
    subscribe: () => () => undefined,
  };

  /** The families as they were when the snapshot was taken. */
  readonly familiesOf = (snapshot: Snapshot): MetricFamily[] => this.bySnapshot.get(snapshot) ?? [];
}

export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger('debug', (line) => lines.push(line)), lines };
}

/** An InfluxDB sink fed by `feed`, with its own health entry and a logger that keeps its lines; not started. */
export async function influxSink(config: InfluxConfig, feed: FamilyFeed) {
  const health = new SinkHealthRegistry().register('influx');
  const { log, lines } = memoryLogger();
  const sink = new InfluxSink(config, await createWriter(config), {
    collector: feed.collector,
    families: feed.familiesOf,
    log,
    health,
  });
  return { sink, health, lines };
}

/**
 * MetricFamily values shaped like the IPVS and keepalived families, with the numbers of the
 * node_exporter /proc/net/ip_vs fixture (two backends of 192.168.0.22:3306 and the FWM service).
 */
export function syntheticFamilies(): MetricFamily[] {
  return [
    {
      name: 'lvs_destination_weight',
      help: 'Weight of the real server.',
      type: 'gauge',
      unit: '1',
      labelNames: DESTINATION_LABELS,
      samples: [
        { labels: ['TCP', '192.168.0.22', '3306', '', '192.168.82.22', '3306'], value: 100 },
        { labels: ['TCP', '192.168.0.22', '3306', '', '192.168.83.24', '3306'], value: 100 },
        { labels: ['FWM', '', '0', '10001000', '192.168.50.26', '3306'], value: 20 },
      ],
      otelName: 'ipvs.destination.connection.weight',
      influx: { measurement: 'ipvs_destination', field: 'weight' },
    },
    {
      name: 'lvs_destination_connections_active',
      help: 'Active connections to the real server.',
      type: 'gauge',
      unit: '{connection}',
      labelNames: DESTINATION_LABELS,
      samples: [
        { labels: ['TCP', '192.168.0.22', '3306', '', '192.168.82.22', '3306'], value: 248 },
        { labels: ['TCP', '192.168.0.22', '3306', '', '192.168.83.24', '3306'], value: 248 },
        { labels: ['FWM', '', '0', '10001000', '192.168.50.26', '3306'], value: 64 },
      ],
      otelName: 'ipvs.destination.connection.active.count',
      influx: { measurement: 'ipvs_destination', field: 'active_connections' },
    },
    {
      name: 'lvs_connections_total',
      help: 'Connections scheduled since the module was loaded.',
      type: 'counter',
      unit: '{connection}',
      labelNames: [],
      samples: [{ labels: [], value: 23765872 }],
      otelName: 'ipvs.connection.total',
      influx: { measurement: 'ipvs_stats', field: 'connections' },
    },
    {
      name: 'lvs_service_info',
      help: 'Scheduler and flags of the virtual service.',
      type: 'gauge',
      unit: '1',
      labelNames: [...SERVICE_LABELS, 'scheduler', 'flags'],
      samples: [{ labels: ['TCP', '2620:0:0:0:0:0:0:1', '80', '', 'sh', 'persistent'], value: 1 }],
      otelName: 'ipvs.service.info',
      influx: { measurement: 'ipvs_service', field: 'info' },
    },
    {
      name: 'node_ipvs_backend_weight',
      help: 'node_exporter compatibility alias of lvs_destination_weight.',
      type: 'gauge',
      unit: '1',
      labelNames: DESTINATION_LABELS,
      samples: [{ labels: ['TCP', '192.168.0.22', '3306', '', '192.168.82.22', '3306'], value: 100 }],
      otelName: null,
      influx: null,
    },
    {
      name: 'keepalived_vrrp_instance_state',
      help: 'VRRP state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT.',
      type: 'gauge',
      unit: '1',
      labelNames: ['iname', 'intf', 'vrid'],
      samples: [{ labels: ['VI_1', 'eth0', '52'], value: 2 }],
      otelName: 'keepalived.vrrp.state',
      influx: { measurement: 'keepalived_vrrp', field: 'state' },
    },
  ];
}

/** syntheticFamilies() with lvs_connections_total set to the collection number, so every collection is recognisable. */
export function numberedFamilies(collection: number): MetricFamily[] {
  return syntheticFamilies().map((family) =>
    family.name === 'lvs_connections_total'
      ? { ...family, samples: [{ labels: [], value: collection }] }
      : family,
  );
}

/** InfluxDB points per collection of syntheticFamilies(): 3 destinations, 1 stats, 1 service, 1 VRRP instance. */
export const POINTS_PER_COLLECTION = 6;
