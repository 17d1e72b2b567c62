/**
 * The one shape every sink renders. Each domain (IPVS, keepalived, self-metrics) turns its part
 * of a Snapshot into MetricFamily values once per collection; the Prometheus, OTLP and InfluxDB
 * sinks only format these, so the three outputs always carry the same numbers.
 */
export type MetricType = 'counter' | 'gauge';

export interface Sample {
  /** Label values, in the order of MetricFamily.labelNames. */
  readonly labels: readonly string[];
  readonly value: number;
}

export interface MetricFamily {
  /** Prometheus family name; counters end in `_total`. */
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  /** UCUM unit for OTLP (`1`, `s`, `By`, `By/s`, `{connection}`, `{packet}/s`, ...). */
  readonly unit: string;
  readonly labelNames: readonly string[];
  readonly samples: readonly Sample[];
  /**
   * OTel instrument name (dotted). `null` keeps a family out of OTLP and InfluxDB: used for the
   * node_exporter/keepalived-exporter compatibility aliases, whose numbers also appear under an
   * lvscope family, so push sinks are not sent the same figure twice.
   */
  readonly otelName: string | null;
  /** InfluxDB measurement and field this family is written to (tags = labels). */
  readonly influx: { readonly measurement: string; readonly field: string } | null;
}

/**
 * Everything about a family but its samples: declared once in common/metrics/catalog/, filled on
 * every collection.
 */
export interface FamilySpec extends Omit<MetricFamily, 'samples'> {
  /**
   * Labels the family carries only in some configurations, after `labelNames` and in this order
   * (any subset of them): keepalived-exporter's names get `daemon` only when several daemons are
   * configured, node_exporter's backend families keep the labels --collector.ipvs.backend-labels
   * lists. The emitted MetricFamily has no optional labels, only the resulting `labelNames`.
   */
  readonly optionalLabels?: readonly string[];
}
