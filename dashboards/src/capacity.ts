/**
 * Capacity: headroom and the figures of the last `lvs-analyze recommend` run (the
 * lvscope_recommendation_* textfile, scraped through node_exporter's textfile collector or any
 * other target), next to the live state of the director.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { Config } from './config.js';
import {
  barGaugePanel,
  buildDashboard,
  datasourceVariable,
  labelValuesVariable,
  serviceVariable,
  statPanel,
  tablePanel,
  timeseriesPanel,
} from './grafana.js';
import { DESTINATION_LEGEND as D, DESTINATION_ONLY, SERVICE_BY, SERVICE_LEGEND } from './promql.js';

/** The recommendation's target, its selected service, and the director's selected service. */
const T = 'instance="$textfile"';
const TS = 'instance="$textfile",${service:raw}';
const DS = 'instance="$instance",${service:raw}';
/** Per real server, whatever target the series comes from (to merge textfile and live figures). */
const PER_DESTINATION = `max by (${SERVICE_BY}, ${DESTINATION_ONLY})`;

const HEADROOM_STEPS = [
  [null, 'red'],
  [0.1, 'orange'],
  [0.25, 'green'],
] as const;
const UTILISATION_STEPS = [
  [null, 'green'],
  [0.8, 'orange'],
  [1, 'red'],
] as const;

export function capacity(config: Config): dashboard.Dashboard {
  return buildDashboard(
    {
      uid: 'lvscope-capacity',
      title: 'lvscope / capacity',
      description:
        "Headroom and the last recommendation of lvs-analyze recommend (lvscope_recommendation_* written with --textfile): weights now and recommended, expected peak utilisation per real server, and the live headroom to the real servers' upper thresholds.",
      variables: [
        datasourceVariable(),
        labelValuesVariable(
          'textfile',
          'instance',
          'lvscope_recommendation_timestamp_seconds',
          'Target that serves the recommendation textfile (node_exporter --collector.textfile.directory, usually on the director).',
        ),
        labelValuesVariable(
          'instance',
          'instance',
          'ipvs_service_info',
          'lvs-exporter target (director) for the live figures.',
        ),
        serviceVariable(
          'lvscope_recommendation_service_mismatch{instance="$textfile"}',
          'Virtual service of the recommendation.',
        ),
      ],
      rows: [
        {
          title: '',
          panels: [
            statPanel({
              title: 'Recommendation age',
              description:
                'Time since lvs-analyze recommend computed the figures below; rerun it after changing weights or schedulers.',
              unit: 's',
              w: 4,
              h: 4,
              steps: [
                [null, 'green'],
                [7 * 86400, 'orange'],
              ],
              queries: [{ expr: `time() - lvscope_recommendation_timestamp_seconds{${T}}`, instant: true }],
            }),
            statPanel({
              title: 'History analysed',
              description: 'Length of the recorded history the recommendation was computed from.',
              unit: 's',
              w: 4,
              h: 4,
              queries: [{ expr: `lvscope_recommendation_history_window_seconds{${T}}`, instant: true }],
            }),
            statPanel({
              title: 'Services flagged',
              description:
                'Services whose scheduler or weights differ from the recommendation beyond its tolerance (IpvsSchedulerWeightMismatch).',
              unit: 'none',
              w: 4,
              h: 4,
              steps: [
                [null, 'green'],
                [1, 'blue'],
              ],
              queries: [
                {
                  expr: `count(lvscope_recommendation_service_mismatch{${T}} == 1) or vector(0)`,
                  instant: true,
                },
              ],
            }),
            statPanel({
              title: 'Lowest headroom now',
              description:
                "The smallest headroom of any service at the expected peak with today's scheduler and weights (1 minus its busiest real server's utilisation).",
              unit: 'percentunit',
              w: 4,
              h: 4,
              steps: HEADROOM_STEPS,
              queries: [
                { expr: `min(lvscope_recommendation_service_current_headroom_ratio{${T}})`, instant: true },
              ],
            }),
            statPanel({
              title: 'Lowest headroom recommended',
              description: 'The same with the recommended schedulers and weights.',
              unit: 'percentunit',
              w: 4,
              h: 4,
              steps: HEADROOM_STEPS,
              queries: [
                {
                  expr: `min(lvscope_recommendation_service_recommended_headroom_ratio{${T}})`,
                  instant: true,
                },
              ],
            }),
            statPanel({
              title: 'Mismatch alerts firing',
              description: 'IpvsSchedulerWeightMismatch alerts firing now.',
              unit: 'none',
              w: 4,
              h: 4,
              steps: [
                [null, 'green'],
                [1, 'blue'],
              ],
              queries: [
                {
                  expr: 'count(ALERTS{alertname="IpvsSchedulerWeightMismatch", alertstate="firing"}) or vector(0)',
                  instant: true,
                },
              ],
            }),
          ],
        },
        {
          title: 'Services',
          panels: [
            tablePanel({
              title: 'Recommendation per service',
              description:
                'Headroom at the expected peak now and with the recommendation, the expected peak of new connections, and the mismatch flag.',
              unit: 'percentunit',
              w: 14,
              h: 8,
              queryUnits: { C: 'cps', D: 'none' },
              columns: {
                proto: 'Proto',
                local_address: 'Address',
                local_port: 'Port',
                local_mark: 'Mark',
                'Value #A': 'Headroom now',
                'Value #B': 'Headroom recommended',
                'Value #C': 'Peak new conn/s',
                'Value #D': 'Mismatch',
              },
              queries: [
                { expr: `lvscope_recommendation_service_current_headroom_ratio{${T}}`, instant: true },
                { expr: `lvscope_recommendation_service_recommended_headroom_ratio{${T}}`, instant: true },
                { expr: `lvscope_recommendation_service_peak_connections_per_second{${T}}`, instant: true },
                { expr: `lvscope_recommendation_service_mismatch{${T}}`, instant: true },
              ],
            }),
            barGaugePanel({
              title: 'Headroom per service',
              description: 'Headroom at the expected peak, now and recommended.',
              unit: 'percentunit',
              min: 0,
              max: 1,
              w: 10,
              h: 8,
              steps: HEADROOM_STEPS,
              queries: [
                {
                  expr: `lvscope_recommendation_service_current_headroom_ratio{${T}}`,
                  legend: `${SERVICE_LEGEND} now`,
                  instant: true,
                },
                {
                  expr: `lvscope_recommendation_service_recommended_headroom_ratio{${T}}`,
                  legend: `${SERVICE_LEGEND} recommended`,
                  instant: true,
                },
              ],
            }),
          ],
        },
        {
          title: 'Selected service',
          panels: [
            statPanel({
              title: 'Scheduler now',
              description: 'Scheduler the director runs for the service.',
              unit: 'none',
              w: 4,
              h: 8,
              text: 'name',
              queries: [{ expr: `ipvs_service_info{${DS}}`, legend: '{{scheduler}}', instant: true }],
            }),
            statPanel({
              title: 'Scheduler recommended',
              description: 'Scheduler lvs-analyze recommends for the service.',
              unit: 'none',
              w: 4,
              h: 8,
              text: 'name',
              queries: [
                {
                  expr: `lvscope_recommendation_service_info{${TS}}`,
                  legend: '{{scheduler}}',
                  instant: true,
                },
              ],
            }),
            tablePanel({
              title: 'Weights',
              description:
                'Per real server: the weight the analysis saw, the recommended one, and the weight the director runs now.',
              unit: 'none',
              w: 16,
              h: 8,
              columns: {
                remote_address: 'Real server',
                remote_port: 'Port',
                'Value #A': 'Analysed weight',
                'Value #B': 'Recommended weight',
                'Value #C': 'Live weight',
              },
              queries: [
                {
                  expr: `${PER_DESTINATION} (lvscope_recommendation_destination_current_weight{${TS}})`,
                  instant: true,
                },
                {
                  expr: `${PER_DESTINATION} (lvscope_recommendation_destination_recommended_weight{${TS}})`,
                  instant: true,
                },
                { expr: `${PER_DESTINATION} (ipvs_destination_weight{${DS}})`, instant: true },
              ],
            }),
            barGaugePanel({
              title: 'Expected peak utilisation per real server',
              description:
                "Expected load at the peak divided by the real server's capacity (the pool file's capacity, or its upper threshold): with the running weights and with the recommended ones.",
              unit: 'percentunit',
              min: 0,
              max: 1.2,
              w: 8,
              h: 8,
              steps: UTILISATION_STEPS,
              queries: [
                {
                  expr: `lvscope_recommendation_destination_current_peak_utilisation_ratio{${TS}}`,
                  legend: `${D} now`,
                  instant: true,
                },
                {
                  expr: `lvscope_recommendation_destination_recommended_peak_utilisation_ratio{${TS}}`,
                  legend: `${D} recommended`,
                  instant: true,
                },
              ],
            }),
            timeseriesPanel({
              title: 'Live headroom to the upper threshold',
              description:
                '1 minus (active + inactive connections) / upper threshold (ipvsadm -x) of each real server with a threshold: at 0 the kernel marks it OVERLOADED.',
              unit: 'percentunit',
              max: 1,
              w: 8,
              h: 8,
              steps: HEADROOM_STEPS,
              thresholdLines: true,
              queries: [
                {
                  expr: `1 - (ipvs_destination_connections_active{${DS}} + ipvs_destination_connections_inactive{${DS}}) / (ipvs_destination_upper_threshold{${DS}} > 0)`,
                  legend: D,
                },
              ],
            }),
            timeseriesPanel({
              title: 'New connections: live and expected peak',
              description:
                'New connections per second of the service now (kernel estimator, ipvsadm --rate) against the peak the recommendation expects.',
              unit: 'cps',
              w: 8,
              h: 8,
              dashed: '/peak$/',
              queries: [
                { expr: `sum(ipvs_service_connections_per_second{${DS}})`, legend: 'live' },
                {
                  expr: `max(lvscope_recommendation_service_peak_connections_per_second{${TS}})`,
                  legend: 'expected peak',
                },
              ],
            }),
          ],
        },
      ],
    },
    config,
  );
}
