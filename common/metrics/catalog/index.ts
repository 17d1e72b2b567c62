/**
 * Every metric family lvs-exporter can emit, as static data: importing the catalog gives the
 * full list without running a collection. The exporter's family builders fill these specs with
 * samples; the README's name mapping (exporter/tools/name-mapping.ts) is printed from this list,
 * and test/metrics/catalog.test.ts checks it against what the fixtures yield and against the
 * names dashboards/ uses.
 */
import type { FamilySpec } from '../family.js';
import { CAPTURE_FAMILIES } from './capture.js';
import { IPVS_FAMILIES } from './ipvs.js';
import { KEEPALIVED_FAMILIES } from './keepalived.js';
import { NODE_IPVS_FAMILIES } from './node-ipvs.js';
import { RECOMMENDATION_FAMILIES } from './recommendation.js';
import { SELF_FAMILIES } from './self.js';
import { SINK_FAMILIES } from './sinks.js';
import { VRRP_WIRE_FAMILIES } from './vrrp-wire.js';

/**
 * One entry per domain, one file per domain (`<domain>.ts`, exporting `<DOMAIN>_FAMILIES` in the
 * order the exporter emits them), listed in exposition order. A new domain adds its file and one
 * line here.
 */
export const DOMAINS = {
  self: SELF_FAMILIES,
  'node-ipvs': NODE_IPVS_FAMILIES,
  ipvs: IPVS_FAMILIES,
  keepalived: KEEPALIVED_FAMILIES,
  'vrrp-wire': VRRP_WIRE_FAMILIES,
  sinks: SINK_FAMILIES,
  capture: CAPTURE_FAMILIES,
  recommendation: RECOMMENDATION_FAMILIES,
} as const satisfies Readonly<Record<string, readonly FamilySpec[]>>;

export type Domain = keyof typeof DOMAINS;

export const CATALOG: readonly FamilySpec[] = Object.values(DOMAINS).flat();

const BY_NAME = new Map<string, FamilySpec>();
for (const spec of CATALOG) {
  if (BY_NAME.has(spec.name)) throw new Error(`metric family ${spec.name} declared twice in the catalog`);
  BY_NAME.set(spec.name, spec);
}

/** The spec of a family by its Prometheus name; undefined when lvs-exporter has no such family. */
export function familySpec(name: string): FamilySpec | undefined {
  return BY_NAME.get(name);
}
