/**
 * What `lvs-analyze recommend --textfile FILE` writes for Prometheus (node_exporter's textfile
 * collector, or any scrape of the file): the figures of the last recommendation, per virtual
 * service and per real server, with the IPVS label conventions (proto, local_address, local_port,
 * local_mark; remote_address, remote_port), so they join with `ipvs_*` and `node_ipvs_*` series.
 * lvs-exporter never emits these families; the capacity dashboard and the
 * IpvsSchedulerWeightMismatch alert (dashboards/) read them.
 *
 * Utilisation is the expected load at the peak of the analysed history divided by the real
 * server's capacity (the pool file's `capacity`: workers for active connections, or
 * conns_per_second; the upper threshold `-x` when the pool gives none). Headroom is 1 minus the
 * utilisation of the busiest real server of the service: the fraction of its capacity still free
 * at the expected peak (negative when a server would be over capacity).
 */
import { DESTINATION_LABELS, SERVICE_LABELS } from '../../ipvs/vocabulary.js';
import type { FamilySpec } from '../family.js';
import { gauge } from './define.js';

const RUN = 'ipvs_recommendation';
const SERVICE = 'ipvs_recommendation_service';
const DESTINATION = 'ipvs_recommendation_destination';

export const LVSCOPE_RECOMMENDATION_TIMESTAMP_SECONDS = gauge({
  name: 'lvscope_recommendation_timestamp_seconds',
  help: 'When the recommendation was computed (Unix time).',
  unit: 's',
  labelNames: [],
  otelName: 'ipvs.recommendation.timestamp',
  influx: [RUN, 'timestamp_seconds'],
});
export const LVSCOPE_RECOMMENDATION_HISTORY_WINDOW_SECONDS = gauge({
  name: 'lvscope_recommendation_history_window_seconds',
  help: 'Length of the recorded history the recommendation was computed from.',
  unit: 's',
  labelNames: [],
  otelName: 'ipvs.recommendation.history_window',
  influx: [RUN, 'history_window_seconds'],
});
export const LVSCOPE_RECOMMENDATION_SERVICE_INFO = gauge({
  name: 'lvscope_recommendation_service_info',
  help: 'Scheduler recommended for a virtual service (label scheduler); always 1.',
  unit: '1',
  labelNames: [...SERVICE_LABELS, 'scheduler'],
  otelName: 'ipvs.recommendation.service.info',
  influx: [`${SERVICE}_info`, 'value'],
});
export const LVSCOPE_RECOMMENDATION_SERVICE_MISMATCH = gauge({
  name: 'lvscope_recommendation_service_mismatch',
  help: "1 when the service's running scheduler or weights differ from the recommended ones by more than the analyzer's tolerance, else 0.",
  unit: '1',
  labelNames: SERVICE_LABELS,
  otelName: 'ipvs.recommendation.service.mismatch',
  influx: [SERVICE, 'mismatch'],
});
export const LVSCOPE_RECOMMENDATION_SERVICE_PEAK_CONNECTIONS_PER_SECOND = gauge({
  name: 'lvscope_recommendation_service_peak_connections_per_second',
  help: 'Expected peak of new connections per second of the service (the peak of the analysed history).',
  unit: '{connection}/s',
  labelNames: SERVICE_LABELS,
  otelName: 'ipvs.recommendation.service.peak_connection.rate',
  influx: [SERVICE, 'peak_cps'],
});
export const LVSCOPE_RECOMMENDATION_SERVICE_CURRENT_HEADROOM_RATIO = gauge({
  name: 'lvscope_recommendation_service_current_headroom_ratio',
  help: 'Headroom of the service at the expected peak with the running scheduler and weights: 1 minus the utilisation of its busiest real server.',
  unit: '1',
  labelNames: SERVICE_LABELS,
  otelName: 'ipvs.recommendation.service.headroom.current',
  influx: [SERVICE, 'current_headroom'],
});
export const LVSCOPE_RECOMMENDATION_SERVICE_RECOMMENDED_HEADROOM_RATIO = gauge({
  name: 'lvscope_recommendation_service_recommended_headroom_ratio',
  help: 'Headroom of the service at the expected peak with the recommended scheduler and weights.',
  unit: '1',
  labelNames: SERVICE_LABELS,
  otelName: 'ipvs.recommendation.service.headroom.recommended',
  influx: [SERVICE, 'recommended_headroom'],
});
export const LVSCOPE_RECOMMENDATION_DESTINATION_CURRENT_WEIGHT = gauge({
  name: 'lvscope_recommendation_destination_current_weight',
  help: 'Weight of the real server in the configuration the recommendation analysed.',
  unit: '1',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.recommendation.destination.weight.current',
  influx: [DESTINATION, 'current_weight'],
});
export const LVSCOPE_RECOMMENDATION_DESTINATION_RECOMMENDED_WEIGHT = gauge({
  name: 'lvscope_recommendation_destination_recommended_weight',
  help: 'Weight recommended for the real server.',
  unit: '1',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.recommendation.destination.weight.recommended',
  influx: [DESTINATION, 'recommended_weight'],
});
export const LVSCOPE_RECOMMENDATION_DESTINATION_CURRENT_PEAK_UTILISATION_RATIO = gauge({
  name: 'lvscope_recommendation_destination_current_peak_utilisation_ratio',
  help: 'Expected utilisation of the real server at the peak with the running scheduler and weights (1 = at capacity).',
  unit: '1',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.recommendation.destination.peak_utilisation.current',
  influx: [DESTINATION, 'current_peak_utilisation'],
});
export const LVSCOPE_RECOMMENDATION_DESTINATION_RECOMMENDED_PEAK_UTILISATION_RATIO = gauge({
  name: 'lvscope_recommendation_destination_recommended_peak_utilisation_ratio',
  help: 'Expected utilisation of the real server at the peak with the recommended scheduler and weights.',
  unit: '1',
  labelNames: DESTINATION_LABELS,
  otelName: 'ipvs.recommendation.destination.peak_utilisation.recommended',
  influx: [DESTINATION, 'recommended_peak_utilisation'],
});

/** In the order lvs-analyze writes them: the run, then per service, then per real server. */
export const RECOMMENDATION_FAMILIES: readonly FamilySpec[] = [
  LVSCOPE_RECOMMENDATION_TIMESTAMP_SECONDS,
  LVSCOPE_RECOMMENDATION_HISTORY_WINDOW_SECONDS,
  LVSCOPE_RECOMMENDATION_SERVICE_INFO,
  LVSCOPE_RECOMMENDATION_SERVICE_MISMATCH,
  LVSCOPE_RECOMMENDATION_SERVICE_PEAK_CONNECTIONS_PER_SECOND,
  LVSCOPE_RECOMMENDATION_SERVICE_CURRENT_HEADROOM_RATIO,
  LVSCOPE_RECOMMENDATION_SERVICE_RECOMMENDED_HEADROOM_RATIO,
  LVSCOPE_RECOMMENDATION_DESTINATION_CURRENT_WEIGHT,
  LVSCOPE_RECOMMENDATION_DESTINATION_RECOMMENDED_WEIGHT,
  LVSCOPE_RECOMMENDATION_DESTINATION_CURRENT_PEAK_UTILISATION_RATIO,
  LVSCOPE_RECOMMENDATION_DESTINATION_RECOMMENDED_PEAK_UTILISATION_RATIO,
];
