/**
 * For directors that run only node_exporter: the same questions answered from its `node_ipvs_*`
 * families (director totals, and per backend weight and active/inactive connections).
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { Config } from './config.js';
import {
  buildDashboard,
  datasourceVariable,
  labelValuesVariable,
  serviceVariable,
  statPanel,
  tablePanel,
  textPanel,
  timeseriesPanel,
} from './grafana.js';
import { DESTINATION_LEGEND as D, DESTINATION_ONLY, SERVICE_BY } from './promql.js';

const I = 'instance="$instance"';
const S = 'instance="$instance",${service:raw}';
const RATE = '[$__rate_interval]';
const share = (expr: string): string =>
  `${expr} / ignoring (${DESTINATION_ONLY}) group_left sum without (${DESTINATION_ONLY}) (${expr})`;

const NOTE = [
  "node_exporter's ipvs collector reports director totals and, per backend, weight and active/inactive connections only.",
  'Per-service and per-backend rates, thresholds, persistence, the connection table and keepalived come from lvs-exporter',
  '(same label names, so these queries keep working when it replaces node_exporter): see the other lvscope dashboards.',
  'With `--collector.ipvs.backend-labels` set, the labels it drops read as empty here.',
].join(' ');

export function nodeIpvs(config: Config): dashboard.Dashboard {
  const { imbalance } = config;
  const normalised =
    `(node_ipvs_backend_connections_active{${S}} / (node_ipvs_backend_weight{${S}} > 0))` +
    ` / ignoring (${DESTINATION_ONLY}) group_left ()` +
    ` ((sum without (${DESTINATION_ONLY}) (node_ipvs_backend_connections_active{${S}} and node_ipvs_backend_weight{${S}} > 0)` +
    ` / sum without (${DESTINATION_ONLY}) (node_ipvs_backend_weight{${S}} > 0)) > 0)`;
  return buildDashboard(
    {
      uid: 'lvscope-node-ipvs',
      title: 'lvscope / IPVS (node_exporter only)',
      description:
        "IPVS from node_exporter's node_ipvs_* families alone, for directors without lvs-exporter: totals, backends in rotation, and per service the backends' share of connections against their weights.",
      variables: [
        datasourceVariable(),
        labelValuesVariable(
          'instance',
          'instance',
          'node_ipvs_backend_weight',
          'node_exporter target (director).',
        ),
        serviceVariable(`node_ipvs_backend_weight{${I}}`, 'Virtual service of that director.'),
      ],
      rows: [
        {
          title: '',
          panels: [
            statPanel({
              title: 'Virtual services',
              description:
                'Virtual services with at least one backend (node_exporter does not list empty ones).',
              unit: 'none',
              w: 4,
              h: 4,
              queries: [
                {
                  expr: `count(count by (${SERVICE_BY}) (node_ipvs_backend_weight{${I}})) or vector(0)`,
                  instant: true,
                },
              ],
            }),
            statPanel({
              title: 'Backends',
              description: 'Backends (real servers) of all services.',
              unit: 'none',
              w: 4,
              h: 4,
              queries: [{ expr: `count(node_ipvs_backend_weight{${I}}) or vector(0)`, instant: true }],
            }),
            statPanel({
              title: 'At weight 0',
              description: 'Backends drained or quiesced (weight 0).',
              unit: 'none',
              w: 4,
              h: 4,
              steps: [
                [null, 'green'],
                [1, 'orange'],
              ],
              queries: [{ expr: `count(node_ipvs_backend_weight{${I}} == 0) or vector(0)`, instant: true }],
            }),
            statPanel({
              title: 'Active connections',
              description: 'Active connections of all backends.',
              unit: 'short',
              w: 4,
              h: 4,
              queries: [{ expr: `sum(node_ipvs_backend_connections_active{${I}})`, instant: true }],
            }),
            statPanel({
              title: 'New connections now',
              description: 'Connections scheduled per second, all services together.',
              unit: 'cps',
              w: 4,
              h: 4,
              queries: [{ expr: `sum(rate(node_ipvs_connections_total{${I}}${RATE}))`, instant: true }],
            }),
            textPanel('What node_exporter does not show', NOTE, 24, 3),
          ],
        },
        {
          title: 'Director traffic',
          panels: [
            timeseriesPanel({
              title: 'New connections',
              description: 'Connections scheduled per second (node_ipvs_connections_total).',
              unit: 'cps',
              w: 8,
              h: 8,
              queries: [{ expr: `rate(node_ipvs_connections_total{${I}}${RATE})`, legend: 'connections' }],
            }),
            timeseriesPanel({
              title: 'Packets',
              description: 'Packets per second through the director, incoming and outgoing.',
              unit: 'pps',
              w: 8,
              h: 8,
              queries: [
                { expr: `rate(node_ipvs_incoming_packets_total{${I}}${RATE})`, legend: 'in' },
                { expr: `rate(node_ipvs_outgoing_packets_total{${I}}${RATE})`, legend: 'out' },
              ],
            }),
            timeseriesPanel({
              title: 'Bytes',
              description: 'Bytes per second through the director, incoming and outgoing.',
              unit: 'Bps',
              w: 8,
              h: 8,
              queries: [
                { expr: `rate(node_ipvs_incoming_bytes_total{${I}}${RATE})`, legend: 'in' },
                { expr: `rate(node_ipvs_outgoing_bytes_total{${I}}${RATE})`, legend: 'out' },
              ],
            }),
            tablePanel({
              title: 'Services',
              description:
                'One row per virtual service: backends, backends in rotation, active and inactive connections.',
              unit: 'short',
              w: 24,
              h: 8,
              columns: {
                proto: 'Proto',
                local_address: 'Address',
                local_port: 'Port',
                local_mark: 'Mark',
                'Value #A': 'Backends',
                'Value #B': 'In rotation',
                'Value #C': 'Active',
                'Value #D': 'Inactive',
              },
              queries: [
                {
                  expr: `count without (${DESTINATION_ONLY}) (node_ipvs_backend_weight{${I}})`,
                  instant: true,
                },
                {
                  expr: `sum without (${DESTINATION_ONLY}) (node_ipvs_backend_weight{${I}} > bool 0)`,
                  instant: true,
                },
                {
                  expr: `sum without (${DESTINATION_ONLY}) (node_ipvs_backend_connections_active{${I}})`,
                  instant: true,
                },
                {
                  expr: `sum without (${DESTINATION_ONLY}) (node_ipvs_backend_connections_inactive{${I}})`,
                  instant: true,
                },
              ],
            }),
          ],
        },
        {
          title: 'Selected service',
          panels: [
            timeseriesPanel({
              title: 'Share of active connections vs share of weight',
              description:
                "Each backend's share of the service's active connections (solid) next to its share of the weight (dashed). node_exporter has no per-backend connection counter, so this is the share of open connections, not of new ones.",
              unit: 'percentunit',
              min: 0,
              w: 12,
              h: 9,
              dashed: '/weight$/',
              queries: [
                {
                  expr: share(`node_ipvs_backend_connections_active{${S}}`),
                  legend: `${D} active connections`,
                },
                { expr: share(`node_ipvs_backend_weight{${S}}`), legend: `${D} weight` },
              ],
            }),
            timeseriesPanel({
              title: 'Weight-normalised load',
              description: `Active connections per unit of weight of each backend relative to the service's mean (1 = its share by weight; lvscope's recording rule computes the same from ipvs_*). The dashed lines are IpvsRealServerImbalanced's bounds (${imbalance.low}, ${imbalance.high}).`,
              unit: 'none',
              decimals: 2,
              min: 0,
              w: 12,
              h: 9,
              thresholdLines: true,
              steps: [
                [null, 'orange'],
                [imbalance.low, 'green'],
                [imbalance.high, 'orange'],
              ],
              queries: [{ expr: normalised, legend: D }],
            }),
            timeseriesPanel({
              title: 'Active connections per backend',
              description: 'Active connections of each backend, stacked.',
              unit: 'short',
              w: 8,
              h: 8,
              stack: true,
              queries: [{ expr: `node_ipvs_backend_connections_active{${S}}`, legend: D }],
            }),
            timeseriesPanel({
              title: 'Inactive connections per backend',
              description: 'Inactive connections of each backend, stacked.',
              unit: 'short',
              w: 8,
              h: 8,
              stack: true,
              queries: [{ expr: `node_ipvs_backend_connections_inactive{${S}}`, legend: D }],
            }),
            timeseriesPanel({
              title: 'Weights',
              description: 'Weight of each backend (0 = drained or quiesced).',
              unit: 'none',
              min: 0,
              w: 8,
              h: 8,
              queries: [{ expr: `node_ipvs_backend_weight{${S}}`, legend: D }],
            }),
          ],
        },
      ],
    },
    config,
  );
}
