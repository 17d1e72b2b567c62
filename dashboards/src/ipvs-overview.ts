/** IPVS overview: every virtual service and real server of the selected directors. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { Config } from './config.js';
import {
  barGaugePanel,
  buildDashboard,
  datasourceVariable,
  labelValuesVariable,
  stateTimelinePanel,
  statPanel,
  tablePanel,
  timeseriesPanel,
} from './grafana.js';
import { DESTINATION_ONLY, RECORD, SERVICE_BY, SERVICE_LEGEND, SERVICE_SETTINGS } from './promql.js';

const I = 'instance=~"$instance"';
const RATE = '[$__rate_interval]';

/** Sums a per-destination expression per service, with the service's scheduler as a label. */
function perService(expr: string): string {
  return `sum by (instance, ${SERVICE_BY}, scheduler) (${expr} * on (instance, ${SERVICE_BY}) group_left (scheduler) ipvs_service_info{${I}})`;
}

const UP_DOWN = { '1': { text: 'up', color: 'green' }, '0': { text: 'down', color: 'red' } };

export function ipvsOverview(config: Config): dashboard.Dashboard {
  const limit = Math.round(config.connectionTable.maxEntries * config.connectionTable.warnRatio);
  return buildDashboard(
    {
      uid: 'lvscope-ipvs-overview',
      title: 'lvscope / IPVS overview',
      description:
        'Virtual services and real servers of the IPVS directors lvs-exporter watches: rotation, overload, traffic, connection table and the exporter itself.',
      variables: [
        datasourceVariable(),
        labelValuesVariable(
          'instance',
          'instance',
          'ipvs_service_info',
          'lvs-exporter targets (directors).',
          {
            multi: true,
          },
        ),
      ],
      rows: [
        {
          title: '',
          panels: [
            statPanel({
              title: 'Virtual services',
              description: 'Virtual services in the IPVS tables of the selected directors.',
              unit: 'none',
              w: 4,
              h: 4,
              queries: [{ expr: `count(ipvs_service_info{${I}}) or vector(0)`, instant: true }],
            }),
            statPanel({
              title: 'Real servers',
              description:
                'Real servers (destinations) of all those services; one server in two services counts twice.',
              unit: 'none',
              w: 4,
              h: 4,
              queries: [{ expr: `count(ipvs_destination_weight{${I}}) or vector(0)`, instant: true }],
            }),
            statPanel({
              title: 'In rotation',
              description: 'Real servers with a non-zero weight: the scheduler sends them new connections.',
              unit: 'none',
              w: 4,
              h: 4,
              queries: [{ expr: `count(ipvs_destination_weight{${I}} > 0) or vector(0)`, instant: true }],
            }),
            statPanel({
              title: 'At weight 0',
              description:
                'Real servers drained or quiesced (weight 0): they keep their connections but get no new ones. Alert IpvsRealServerWeightZero after ' +
                `${config.realServerOutFor}.`,
              unit: 'none',
              w: 4,
              h: 4,
              steps: [
                [null, 'green'],
                [1, 'orange'],
              ],
              queries: [{ expr: `count(ipvs_destination_weight{${I}} == 0) or vector(0)`, instant: true }],
            }),
            statPanel({
              title: 'Overloaded',
              description:
                'Real servers at their upper connection threshold (ipvsadm -x): active + inactive connections >= the threshold, so the kernel marks them OVERLOADED and schedules no new connections to them.',
              unit: 'none',
              w: 4,
              h: 4,
              steps: [
                [null, 'green'],
                [1, 'red'],
              ],
              queries: [
                {
                  expr: `count((ipvs_destination_connections_active{${I}} + ipvs_destination_connections_inactive{${I}}) >= (ipvs_destination_upper_threshold{${I}} > 0)) or vector(0)`,
                  instant: true,
                },
              ],
            }),
            statPanel({
              title: 'Services without a usable real server',
              description:
                'Virtual services whose real servers are all at weight 0 (or that have none): new connections fail. Alert IpvsServiceNoUsableRealServer.',
              unit: 'none',
              w: 4,
              h: 4,
              steps: [
                [null, 'green'],
                [1, 'red'],
              ],
              queries: [
                {
                  expr: `count(group without (${SERVICE_SETTINGS}) (ipvs_service_info{${I}}) unless group without (${DESTINATION_ONLY}) (ipvs_destination_weight{${I}} > 0)) or vector(0)`,
                  instant: true,
                },
              ],
            }),
          ],
        },
        {
          title: 'Director traffic',
          panels: [
            timeseriesPanel({
              title: 'New connections',
              description:
                'Connections scheduled per second, all services together: rate of the kernel counter, and the kernel estimator (ip_vs_stats, a 2 s moving average).',
              unit: 'cps',
              w: 8,
              h: 8,
              dashed: '/estimator/',
              queries: [
                {
                  expr: `sum by (instance) (rate(ipvs_connections_total{${I}}${RATE}))`,
                  legend: '{{instance}}',
                },
                { expr: `ipvs_connections_per_second{${I}}`, legend: '{{instance}} (kernel estimator)' },
              ],
            }),
            timeseriesPanel({
              title: 'Packets',
              description:
                'Packets per second through the director, incoming (client → real server) and outgoing (replies; 0 with direct routing or tunnelling).',
              unit: 'pps',
              w: 8,
              h: 8,
              queries: [
                {
                  expr: `sum by (instance) (rate(ipvs_incoming_packets_total{${I}}${RATE}))`,
                  legend: '{{instance}} in',
                },
                {
                  expr: `sum by (instance) (rate(ipvs_outgoing_packets_total{${I}}${RATE}))`,
                  legend: '{{instance}} out',
                },
              ],
            }),
            timeseriesPanel({
              title: 'Bytes',
              description: 'Bytes per second through the director, incoming and outgoing.',
              unit: 'Bps',
              w: 8,
              h: 8,
              queries: [
                {
                  expr: `sum by (instance) (rate(ipvs_incoming_bytes_total{${I}}${RATE}))`,
                  legend: '{{instance}} in',
                },
                {
                  expr: `sum by (instance) (rate(ipvs_outgoing_bytes_total{${I}}${RATE}))`,
                  legend: '{{instance}} out',
                },
              ],
            }),
            timeseriesPanel({
              title: 'Active and inactive connections',
              description:
                'Connections of all real servers: active (TCP ESTABLISHED) and inactive (every other state, UDP included), as /proc/net/ip_vs counts them.',
              unit: 'short',
              w: 12,
              h: 8,
              queries: [
                {
                  expr: `sum by (instance) (ipvs_destination_connections_active{${I}})`,
                  legend: '{{instance}} active',
                },
                {
                  expr: `sum by (instance) (ipvs_destination_connections_inactive{${I}})`,
                  legend: '{{instance}} inactive',
                },
              ],
            }),
            statPanel({
              title: 'Director totals',
              description: 'The kernel counters of /proc/net/ip_vs_stats since the ip_vs module was loaded.',
              unit: 'short',
              w: 12,
              h: 8,
              text: 'value_and_name',
              queryUnits: { D: 'decbytes', E: 'decbytes' },
              queries: [
                { expr: `sum(ipvs_connections_total{${I}})`, legend: 'connections', instant: true },
                { expr: `sum(ipvs_incoming_packets_total{${I}})`, legend: 'packets in', instant: true },
                { expr: `sum(ipvs_outgoing_packets_total{${I}})`, legend: 'packets out', instant: true },
                { expr: `sum(ipvs_incoming_bytes_total{${I}})`, legend: 'bytes in', instant: true },
                { expr: `sum(ipvs_outgoing_bytes_total{${I}})`, legend: 'bytes out', instant: true },
              ],
            }),
          ],
        },
        {
          title: 'Virtual services',
          panels: [
            tablePanel({
              title: 'Services',
              description:
                'One row per virtual service: scheduler, real servers (all, and in rotation), connections, and new connections per second (kernel estimator, needs ipvsadm). Open "lvscope / IPVS service" for one of them.',
              unit: 'short',
              w: 24,
              h: 8,
              columns: {
                instance: 'Director',
                proto: 'Proto',
                local_address: 'Address',
                local_port: 'Port',
                local_mark: 'Mark',
                scheduler: 'Scheduler',
                'Value #A': 'Real servers',
                'Value #B': 'In rotation',
                'Value #C': 'Active',
                'Value #D': 'Inactive',
                'Value #E': 'New conn/s',
              },
              queries: [
                { expr: perService(`(ipvs_destination_weight{${I}} >= bool 0)`), instant: true },
                { expr: perService(`(ipvs_destination_weight{${I}} > bool 0)`), instant: true },
                { expr: perService(`ipvs_destination_connections_active{${I}}`), instant: true },
                { expr: perService(`ipvs_destination_connections_inactive{${I}}`), instant: true },
                { expr: perService(`ipvs_destination_connections_per_second{${I}}`), instant: true },
              ],
            }),
            timeseriesPanel({
              title: 'New connections per service (top 10)',
              description:
                'Connections scheduled per second to each virtual service (rate of the ipvsadm --stats counter).',
              unit: 'cps',
              w: 12,
              h: 8,
              queries: [
                {
                  expr: `topk(10, rate(ipvs_service_connections_total{${I}}${RATE}))`,
                  legend: `{{instance}} ${SERVICE_LEGEND}`,
                },
              ],
            }),
            timeseriesPanel({
              title: 'Active connections per service (top 10)',
              description: 'Active connections of each virtual service, all its real servers together.',
              unit: 'short',
              w: 12,
              h: 8,
              queries: [
                {
                  expr: `topk(10, sum without (${DESTINATION_ONLY}) (ipvs_destination_connections_active{${I}}))`,
                  legend: `{{instance}} ${SERVICE_LEGEND}`,
                },
              ],
            }),
            timeseriesPanel({
              title: 'Weight-normalised load, farthest from fair (top 10)',
              description:
                `A real server's active connections per unit of weight, divided by its service's (recording rule ${RECORD.normalisedLoad}): 1 is exactly its share by weight. ` +
                `IpvsRealServerImbalanced fires outside ${config.imbalance.low}–${config.imbalance.high} for ${config.imbalance.for} (dashed lines).`,
              unit: 'none',
              decimals: 2,
              w: 24,
              h: 8,
              thresholdLines: true,
              steps: [
                [null, 'orange'],
                [config.imbalance.low, 'green'],
                [config.imbalance.high, 'orange'],
              ],
              queries: [
                {
                  expr: `${RECORD.normalisedLoad}{${I}} and topk(10, abs(${RECORD.normalisedLoad}{${I}} - 1))`,
                  legend: `{{instance}} ${SERVICE_LEGEND} → {{remote_address}}:{{remote_port}}`,
                },
              ],
            }),
          ],
        },
        {
          title: 'Connection table (--collector.ipvs.conn)',
          panels: [
            timeseriesPanel({
              title: 'Connection table entries',
              description: `Entries of /proc/net/ip_vs_conn (connections and persistence templates). The dashed line is IpvsConnectionTableNearLimit's threshold: ${Math.round(config.connectionTable.warnRatio * 100)}% of the ${config.connectionTable.maxEntries} entries budgeted in dashboards/src/config.ts.`,
              unit: 'short',
              w: 8,
              h: 8,
              thresholdLines: true,
              steps: [
                [null, 'green'],
                [limit, 'orange'],
              ],
              queries: [{ expr: `ipvs_connection_table_size{${I}}`, legend: '{{instance}}' }],
            }),
            timeseriesPanel({
              title: 'Connections by state',
              description: 'Connection-table entries by TCP/UDP/SCTP state, templates excluded.',
              unit: 'short',
              w: 8,
              h: 8,
              stack: true,
              queries: [
                {
                  expr: `sum by (instance, state) (ipvs_connection_table_entries{${I}})`,
                  legend: '{{instance}} {{state}}',
                },
              ],
            }),
            timeseriesPanel({
              title: 'Persistence templates',
              description:
                'Persistence templates in the connection table: clients pinned to a real server for the persistence timeout.',
              unit: 'short',
              w: 8,
              h: 8,
              queries: [
                { expr: `sum by (instance) (ipvs_connection_table_templates{${I}})`, legend: '{{instance}}' },
              ],
            }),
            barGaugePanel({
              title: 'Top clients by connection entries',
              description:
                'Clients with the most connection-table entries (--collector.ipvs.conn.top-clients).',
              unit: 'short',
              w: 12,
              h: 8,
              queries: [
                {
                  expr: `topk(10, ipvs_connection_table_top_client_entries{${I}})`,
                  legend: '{{client_address}} ({{instance}})',
                  instant: true,
                },
              ],
            }),
            timeseriesPanel({
              title: 'New connections per CPU',
              description:
                'Connections scheduled per second on each CPU (/proc/net/ip_vs_stats_percpu): a single busy CPU points at RSS/RPS steering.',
              unit: 'cps',
              w: 12,
              h: 8,
              queries: [
                { expr: `rate(ipvs_cpu_connections_total{${I}}${RATE})`, legend: '{{instance}} cpu {{cpu}}' },
              ],
            }),
          ],
        },
        {
          title: 'lvs-exporter',
          panels: [
            stateTimelinePanel({
              title: 'Sources',
              description:
                'Whether each input of lvs-exporter (a /proc file, an ipvsadm listing, a keepalived dump) could be read. Alert LvscopeSourceDown after ' +
                `${config.sourceDownFor}.`,
              unit: 'none',
              w: 16,
              h: 8,
              mappings: UP_DOWN,
              queries: [{ expr: `lvscope_source_up{${I}}`, legend: '{{instance}} {{source}}' }],
            }),
            timeseriesPanel({
              title: 'Collection duration',
              description: 'Time one collection took, all sources together.',
              unit: 's',
              w: 8,
              h: 8,
              queries: [{ expr: `lvscope_collection_duration_seconds{${I}}`, legend: '{{instance}}' }],
            }),
          ],
        },
      ],
    },
    config,
  );
}
