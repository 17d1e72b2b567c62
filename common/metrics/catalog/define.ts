/**
 * How the catalog files declare a family: the FamilySpec fields, the type given by the helper
 * and the InfluxDB target written `[measurement, field]`. Specs are frozen (every collection
 * shares them); label lists are kept as given, so families of one scope share one array and the
 * Prometheus renderer formats a label set once for all of them.
 */
import type { FamilySpec, MetricType } from '../family.js';

export interface Declaration {
  readonly name: string;
  readonly help: string;
  readonly unit: string;
  readonly labelNames: readonly string[];
  readonly optionalLabels?: readonly string[];
  readonly otelName: string | null;
  /** `[measurement, field]`; null (with otelName null) for the compatibility aliases. */
  readonly influx: readonly [measurement: string, field: string] | null;
}

function declare(type: MetricType, { influx, ...rest }: Declaration): FamilySpec {
  return Object.freeze({
    ...rest,
    type,
    influx: influx && Object.freeze({ measurement: influx[0], field: influx[1] }),
  });
}

export const gauge = (declaration: Declaration): FamilySpec => declare('gauge', declaration);
export const counter = (declaration: Declaration): FamilySpec => declare('counter', declaration);
