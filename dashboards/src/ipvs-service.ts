/** One virtual service in detail: how its real servers share the load against their weights. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { Config } from './config.js';
import {
  buildDashboard,
  datasourceVariable,
  labelValuesVariable,
  serviceVariable,
  stateTimelinePanel,
  statPanel,
  tablePanel,
  timeseriesPanel,
} from './grafana.js';
import { DESTINATION_LEGEND as D, DESTINATION_ONLY, RECORD, SERVICE_BY } from './promql.js';

/** The selected service of the selected director. */
const S = 'instance="$instance",${service:raw}';

/** A per-destination expression divided by its sum over the service: the destination's share. */
function share(expr: string): string {
  return `${expr} / ignoring (${DESTINATION_ONLY}) group_left sum without (${DESTINATION_ONLY}) (${expr})`;
}

/** Adds the forwarding method (ipvs_destination_info's `forward`) to a per-destination expression. */
function withForward(expr: string): string {
  return `${expr} * on (instance, ${SERVICE_BY}, ${DESTINATION_ONLY}) group_left (forward) ipvs_destination_info{${S}}`;
}

export function ipvsService(config: Config): dashboard.Dashboard {
  const { imbalance } = config;
  return buildDashboard(
    {
      uid: 'lvscope-ipvs-service',
      title: 'lvscope / IPVS service',
      description:
        "One virtual service: its real servers' shares of new connections against their shares of weight, weight-normalised load, rates, persistence, thresholds and keepalived's checker.",
      variables: [
        datasourceVariable(),
        labelValuesVariable('instance', 'instance', 'ipvs_service_info', 'lvs-exporter target (director).'),
        serviceVariable('ipvs_service_info{instance="$instance"}', 'Virtual service of that director.'),
      ],
      rows: [
        {
          title: '',
          panels: [
            statPanel({
              title: 'Scheduler',
              description: 'Scheduler of the service, and its flags (ops, sh-fallback, sh-port, mh-*).',
              unit: 'none',
              w: 4,
              h: 4,
              text: 'name',
              queries: [
                { expr: `ipvs_service_info{${S}}`, legend: '{{scheduler}} {{flags}}', instant: true },
              ],
            }),
            statPanel({
              title: 'Persistence',
              description:
                'Persistence timeout (ipvsadm -p): a client returns to the same real server within it. "off" when the service is not persistent.',
              unit: 's',
              w: 4,
              h: 4,
              mappings: { '0': { text: 'off', color: 'text' } },
              queries: [
                { expr: `max(ipvs_service_persistence_timeout_seconds{${S}}) or vector(0)`, instant: true },
              ],
            }),
            statPanel({
              title: 'Real servers in rotation',
              description: 'Real servers with a non-zero weight. 0 fires IpvsServiceNoUsableRealServer.',
              unit: 'none',
              w: 4,
              h: 4,
              steps: [
                [null, 'red'],
                [1, 'green'],
              ],
              queries: [{ expr: `count(ipvs_destination_weight{${S}} > 0) or vector(0)`, instant: true }],
            }),
            statPanel({
              title: 'Active connections',
              description: 'Active connections of the service, all real servers together.',
              unit: 'short',
              w: 4,
              h: 4,
              queries: [{ expr: `sum(ipvs_destination_connections_active{${S}})`, instant: true }],
            }),
            statPanel({
              title: 'New connections',
              description: 'New connections per second to the service (kernel estimator, ipvsadm --rate).',
              unit: 'cps',
              w: 4,
              h: 4,
              queries: [{ expr: `sum(ipvs_service_connections_per_second{${S}})`, instant: true }],
            }),
            statPanel({
              title: 'Highest weight-normalised load',
              description: `The largest weight-normalised load among the service's real servers (1 = its share by weight). IpvsRealServerImbalanced fires above ${imbalance.high} or below ${imbalance.low} for ${imbalance.for}.`,
              unit: 'none',
              decimals: 2,
              w: 4,
              h: 4,
              steps: [
                [null, 'green'],
                [imbalance.high, 'orange'],
              ],
              queries: [{ expr: `max(${RECORD.normalisedLoad}{${S}})`, instant: true }],
            }),
          ],
        },
        {
          title: 'Balance',
          panels: [
            timeseriesPanel({
              title: 'Share of new connections vs share of weight',
              description:
                "Each real server's share of the service's new connections (solid; kernel estimator, ipvsadm --rate) next to its share of the service's weight (dashed). A scheduler honouring the weights keeps each pair together; persistence, source hashing and long-lived connections pull them apart.",
              unit: 'percentunit',
              min: 0,
              w: 12,
              h: 9,
              dashed: '/weight$/',
              queries: [
                {
                  expr: share(`ipvs_destination_connections_per_second{${S}}`),
                  legend: `${D} new connections`,
                },
                { expr: share(`ipvs_destination_weight{${S}}`), legend: `${D} weight` },
              ],
            }),
            timeseriesPanel({
              title: 'Weight-normalised load',
              description: `Active connections per unit of weight of each real server, relative to the service's mean (${RECORD.normalisedLoad}). 1 = its share by weight; the dashed lines are the alert's bounds (${imbalance.low}, ${imbalance.high}). Servers at weight 0 have no value.`,
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
              queries: [{ expr: `${RECORD.normalisedLoad}{${S}}`, legend: D }],
            }),
            timeseriesPanel({
              title: 'Active connections per real server',
              description: 'Active connections (TCP ESTABLISHED) of each real server, stacked.',
              unit: 'short',
              w: 8,
              h: 8,
              stack: true,
              queries: [{ expr: `ipvs_destination_connections_active{${S}}`, legend: D }],
            }),
            timeseriesPanel({
              title: 'Inactive connections per real server',
              description:
                'Inactive connections (every other state, UDP included) of each real server, stacked.',
              unit: 'short',
              w: 8,
              h: 8,
              stack: true,
              queries: [{ expr: `ipvs_destination_connections_inactive{${S}}`, legend: D }],
            }),
            timeseriesPanel({
              title: 'Weights',
              description: 'Scheduling weight of each real server (0 = drained or quiesced).',
              unit: 'none',
              min: 0,
              w: 8,
              h: 8,
              queries: [{ expr: `ipvs_destination_weight{${S}}`, legend: D }],
            }),
          ],
        },
        {
          title: 'Rates (ipvsadm --rate)',
          panels: [
            timeseriesPanel({
              title: 'New connections per real server',
              description: 'New connections per second scheduled to each real server (kernel estimator).',
              unit: 'cps',
              w: 8,
              h: 8,
              queries: [{ expr: `ipvs_destination_connections_per_second{${S}}`, legend: D }],
            }),
            timeseriesPanel({
              title: 'Packets per real server',
              description: 'Packets per second to (in) and from (out) each real server.',
              unit: 'pps',
              w: 8,
              h: 8,
              queries: [
                { expr: `ipvs_destination_incoming_packets_per_second{${S}}`, legend: `${D} in` },
                { expr: `ipvs_destination_outgoing_packets_per_second{${S}}`, legend: `${D} out` },
              ],
            }),
            timeseriesPanel({
              title: 'Bytes per real server',
              description: 'Bytes per second to (in) and from (out) each real server.',
              unit: 'Bps',
              w: 8,
              h: 8,
              queries: [
                { expr: `ipvs_destination_incoming_bytes_per_second{${S}}`, legend: `${D} in` },
                { expr: `ipvs_destination_outgoing_bytes_per_second{${S}}`, legend: `${D} out` },
              ],
            }),
          ],
        },
        {
          title: 'Persistence and thresholds',
          panels: [
            timeseriesPanel({
              title: 'Persistence templates',
              description:
                'Persistence templates pointing at each real server: counted in /proc/net/ip_vs_conn (--collector.ipvs.conn) and as ipvsadm prints them (PersistConn). A server with many templates stays busy after its weight is lowered.',
              unit: 'short',
              w: 8,
              h: 8,
              dashed: '/PersistConn/',
              queries: [
                { expr: `ipvs_connection_table_templates{${S}}`, legend: `${D} templates` },
                { expr: `ipvs_destination_connections_persistent{${S}}`, legend: `${D} PersistConn` },
              ],
            }),
            timeseriesPanel({
              title: 'Connections against thresholds',
              description:
                'Active + inactive connections of each real server against its upper and lower thresholds (ipvsadm -x/-y, shown when set): at the upper one the kernel stops scheduling to it until it drops below the lower one.',
              unit: 'short',
              w: 8,
              h: 8,
              dashed: '/threshold$/',
              queries: [
                {
                  expr: `ipvs_destination_connections_active{${S}} + ipvs_destination_connections_inactive{${S}}`,
                  legend: `${D} connections`,
                },
                { expr: `ipvs_destination_upper_threshold{${S}} > 0`, legend: `${D} upper threshold` },
                { expr: `ipvs_destination_lower_threshold{${S}} > 0`, legend: `${D} lower threshold` },
              ],
            }),
            timeseriesPanel({
              title: 'Connections by state',
              description:
                'Connection-table entries of the service by state (--collector.ipvs.conn). For firewall-mark services the kernel keeps no mark per connection: their entries are filed under the packet destination.',
              unit: 'short',
              w: 8,
              h: 8,
              stack: true,
              queries: [
                { expr: `sum by (state) (ipvs_connection_table_entries{${S}})`, legend: '{{state}}' },
              ],
            }),
            tablePanel({
              title: 'Real servers',
              description:
                'Each real server now: forwarding method, weight, connections, persistence templates (ipvsadm) and thresholds.',
              unit: 'short',
              w: 24,
              h: 7,
              columns: {
                remote_address: 'Real server',
                remote_port: 'Port',
                forward: 'Forward',
                'Value #A': 'Weight',
                'Value #B': 'Active',
                'Value #C': 'Inactive',
                'Value #D': 'PersistConn',
                'Value #E': 'Upper threshold',
                'Value #F': 'Lower threshold',
              },
              queries: [
                { expr: withForward(`ipvs_destination_weight{${S}}`), instant: true },
                { expr: withForward(`ipvs_destination_connections_active{${S}}`), instant: true },
                { expr: withForward(`ipvs_destination_connections_inactive{${S}}`), instant: true },
                { expr: withForward(`ipvs_destination_connections_persistent{${S}}`), instant: true },
                { expr: withForward(`ipvs_destination_upper_threshold{${S}}`), instant: true },
                { expr: withForward(`ipvs_destination_lower_threshold{${S}}`), instant: true },
              ],
            }),
          ],
        },
        {
          title: "keepalived's checker (--keepalived.check-data-file or --keepalived.checker)",
          panels: [
            stateTimelinePanel({
              title: 'Real servers alive',
              description:
                "keepalived's health check of each real server of this virtual server. KeepalivedRealServerDown fires after " +
                `${config.realServerOutFor} dead.`,
              unit: 'none',
              w: 8,
              h: 8,
              mappings: { '1': { text: 'alive', color: 'green' }, '0': { text: 'dead', color: 'red' } },
              queries: [{ expr: `lvscope_keepalived_checker_rs_alive{${S}}`, legend: D }],
            }),
            timeseriesPanel({
              title: 'Checker weights',
              description:
                'Configured and effective weight keepalived gives each real server (the effective one follows dynamic weights of MISC_CHECK and the like).',
              unit: 'none',
              w: 8,
              h: 8,
              dashed: '/configured$/',
              queries: [
                { expr: `lvscope_keepalived_checker_rs_effective_weight{${S}}`, legend: `${D} effective` },
                { expr: `lvscope_keepalived_checker_rs_weight{${S}}`, legend: `${D} configured` },
              ],
            }),
            statPanel({
              title: 'Quorum',
              description:
                "Whether the live real servers' weights reach the virtual server's quorum. KeepalivedCheckerQuorumLost fires after " +
                `${config.checkerQuorumLostFor} without it.`,
              unit: 'none',
              w: 4,
              h: 8,
              background: true,
              mappings: { '1': { text: 'up', color: 'green' }, '0': { text: 'lost', color: 'red' } },
              queries: [{ expr: `max(lvscope_keepalived_checker_vs_quorum_up{${S}})`, instant: true }],
            }),
            statPanel({
              title: 'Alive weight and quorum',
              description:
                'The weights of the real servers keepalived finds alive, added up, and the quorum they must reach.',
              unit: 'none',
              w: 4,
              h: 8,
              text: 'value_and_name',
              queries: [
                {
                  expr: `sum(lvscope_keepalived_checker_rs_weight{${S}} * lvscope_keepalived_checker_rs_alive{${S}})`,
                  legend: 'alive weight',
                  instant: true,
                },
                { expr: `max(lvscope_keepalived_checker_vs_quorum{${S}})`, legend: 'quorum', instant: true },
              ],
            }),
          ],
        },
      ],
    },
    config,
  );
}
