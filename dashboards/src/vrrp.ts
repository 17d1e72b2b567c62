/** The keepalived VRRP pair: who is MASTER, priorities, transitions, VIPs, adverts, split brain. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type { Config } from './config.js';
import {
  buildDashboard,
  datasourceVariable,
  labelValuesVariable,
  stateTimelinePanel,
  statPanel,
  timeseriesPanel,
} from './grafana.js';

const I = 'instance=~"$instance"';
const RATE = '[$__rate_interval]';
/** keepalived's state encoding, as keepalived-exporter and lvs-exporter share it. */
const STATES = {
  '0': { text: 'INIT', color: 'blue' },
  '1': { text: 'BACKUP', color: 'yellow' },
  '2': { text: 'MASTER', color: 'green' },
  '3': { text: 'FAULT', color: 'red' },
};
const INSTANCE = '{{instance}} {{iname}} (vrid {{vrid}})';
const firing = (alerts: string): string =>
  `count(ALERTS{alertname=~"${alerts}", alertstate="firing"}) or vector(0)`;

const ERRORS: readonly [string, string][] = [
  ['keepalived_packet_length_errors_total', 'packet length'],
  ['keepalived_ip_ttl_errors_total', 'IP TTL'],
  ['keepalived_invalid_type_received_total', 'invalid type'],
  ['keepalived_advertisements_interval_errors_total', 'advert interval'],
  ['keepalived_address_list_errors_total', 'address list'],
  ['keepalived_authentication_invalid_total', 'auth invalid'],
  ['keepalived_authentication_mismatch_total', 'auth mismatch'],
  ['keepalived_authentication_failure_total', 'auth failure'],
  ['keepalived_priority_zero_received_total', 'priority 0 received'],
];

export function vrrp(config: Config): dashboard.Dashboard {
  return buildDashboard(
    {
      uid: 'lvscope-vrrp',
      title: 'lvscope / keepalived VRRP pair',
      description:
        "keepalived's VRRP instances on each director: state, priorities, transitions, VIPs on the interfaces, adverts (counted by keepalived and heard on the wire), and the split-brain and no-master checks with their alerts.",
      variables: [
        datasourceVariable(),
        labelValuesVariable(
          'instance',
          'instance',
          'lvscope_keepalived_vrrp_state',
          'lvs-exporter targets with the keepalived module (directors).',
          { multi: true },
        ),
      ],
      rows: [
        {
          title: '',
          panels: [
            statPanel({
              title: 'Split brain: VIPs on several directors',
              description:
                'VIPs configured on the interfaces of more than one director, read from the hosts (ip addr), so it also counts a frozen keepalived. Over every director this Prometheus scrapes, whatever instance is selected.',
              unit: 'none',
              w: 6,
              h: 4,
              background: true,
              steps: [
                [null, 'green'],
                [1, 'red'],
              ],
              queries: [
                {
                  expr: 'count(count by (ip_address) (lvscope_keepalived_vip_present == 1) > 1) or vector(0)',
                  instant: true,
                },
              ],
            }),
            statPanel({
              title: 'Split-brain alerts firing',
              description:
                'KeepalivedSplitBrainVIP, KeepalivedMultipleMasters and VrrpMultipleAdvertisers (two routers advertising a VRID on one link) firing now.',
              unit: 'none',
              w: 6,
              h: 4,
              background: true,
              steps: [
                [null, 'green'],
                [1, 'red'],
              ],
              queries: [
                {
                  expr: firing('KeepalivedSplitBrainVIP|KeepalivedMultipleMasters|VrrpMultipleAdvertisers'),
                  instant: true,
                },
              ],
            }),
            statPanel({
              title: 'VRRP instances without MASTER',
              description:
                'VRRP instances (iname, vrid) for which no reporting keepalived is MASTER: their VIPs are not served. Over every director this Prometheus scrapes.',
              unit: 'none',
              w: 6,
              h: 4,
              background: true,
              steps: [
                [null, 'green'],
                [1, 'red'],
              ],
              queries: [
                {
                  expr: 'count(max by (iname, vrid) (lvscope_keepalived_vrrp_state == bool 2) == 0) or vector(0)',
                  instant: true,
                },
              ],
            }),
            statPanel({
              title: 'No-master and fault alerts firing',
              description: 'KeepalivedNoMaster, KeepalivedFault and KeepalivedDown firing now.',
              unit: 'none',
              w: 6,
              h: 4,
              background: true,
              steps: [
                [null, 'green'],
                [1, 'red'],
              ],
              queries: [{ expr: firing('KeepalivedNoMaster|KeepalivedFault|KeepalivedDown'), instant: true }],
            }),
          ],
        },
        {
          title: 'State',
          panels: [
            stateTimelinePanel({
              title: 'VRRP state per instance and director',
              description: 'INIT, BACKUP, MASTER or FAULT of every VRRP instance on every director.',
              unit: 'none',
              w: 24,
              h: 7,
              mappings: STATES,
              queries: [{ expr: `lvscope_keepalived_vrrp_state{${I}}`, legend: INSTANCE }],
            }),
            timeseriesPanel({
              title: 'Priorities',
              description:
                'Configured (base) and effective priority of each instance (a failing weighted track script lowers the effective one), and the priority of the MASTER it hears (BACKUPs only).',
              unit: 'none',
              w: 12,
              h: 8,
              dashed: '/(base|master)$/',
              queries: [
                { expr: `lvscope_keepalived_vrrp_effective_priority{${I}}`, legend: `${INSTANCE} effective` },
                { expr: `lvscope_keepalived_vrrp_base_priority{${I}}`, legend: `${INSTANCE} base` },
                { expr: `lvscope_keepalived_vrrp_master_priority{${I}} > 0`, legend: `${INSTANCE} master` },
              ],
            }),
            timeseriesPanel({
              title: 'Transitions',
              description:
                "Times an instance became or stopped being MASTER (keepalived's counters), and every transition the notify FIFO reported (--keepalived.notify-fifo, which also catches flaps between two scrapes).",
              unit: 'short',
              w: 12,
              h: 8,
              queries: [
                {
                  expr: `increase(keepalived_become_master_total{${I}}${RATE})`,
                  legend: `${INSTANCE} became master`,
                },
                {
                  expr: `increase(keepalived_release_master_total{${I}}${RATE})`,
                  legend: `${INSTANCE} released master`,
                },
                {
                  expr: `sum by (instance, iname, to_state) (increase(lvscope_keepalived_fifo_transitions_total{${I}}${RATE}))`,
                  legend: '{{instance}} {{iname}} → {{to_state}} (FIFO)',
                },
              ],
            }),
            statPanel({
              title: 'Time since the last transition',
              description:
                'Since each instance last changed state (KeepalivedFailover fires for 5 minutes after one to MASTER).',
              unit: 's',
              w: 12,
              h: 6,
              text: 'value_and_name',
              queries: [
                {
                  expr: `time() - lvscope_keepalived_vrrp_last_transition_timestamp_seconds{${I}}`,
                  legend: INSTANCE,
                  instant: true,
                },
              ],
            }),
            stateTimelinePanel({
              title: 'VIPs present on the interfaces',
              description:
                "Whether each configured VIP is on this director's interfaces (ip -j addr; --keepalived.config or --keepalived.vips), independent of keepalived.",
              unit: 'none',
              w: 12,
              h: 6,
              mappings: {
                '1': { text: 'present', color: 'green' },
                '0': { text: 'absent', color: 'transparent' },
              },
              queries: [
                { expr: `lvscope_keepalived_vip_present{${I}}`, legend: '{{ip_address}} on {{instance}}' },
              ],
            }),
          ],
        },
        {
          title: 'Adverts',
          panels: [
            timeseriesPanel({
              title: 'Adverts counted by keepalived',
              description: 'VRRP adverts received and sent per second (a MASTER sends, a BACKUP receives).',
              unit: 'pps',
              w: 12,
              h: 8,
              queries: [
                {
                  expr: `rate(keepalived_advertisements_received_total{${I}}${RATE})`,
                  legend: `${INSTANCE} received`,
                },
                {
                  expr: `rate(keepalived_advertisements_sent_total{${I}}${RATE})`,
                  legend: `${INSTANCE} sent`,
                },
              ],
            }),
            timeseriesPanel({
              title: 'Advert errors',
              description:
                'Adverts keepalived rejected per second, by reason, and priority-0 adverts (a MASTER resigning).',
              unit: 'pps',
              w: 12,
              h: 8,
              queries: ERRORS.map(([metric, what]) => ({
                expr: `rate(${metric}{${I}}${RATE})`,
                legend: `${INSTANCE} ${what}`,
              })),
            }),
            timeseriesPanel({
              title: 'Routers advertising, heard on the wire',
              description:
                "Routers sending adverts for each VRID on each link, decoded by the passive listener (--keepalived.vrrp-listen): more than 1 means several MASTERs, even when the other director's exporter is down (VrrpMultipleAdvertisers).",
              unit: 'none',
              min: 0,
              w: 12,
              h: 8,
              thresholdLines: true,
              steps: [
                [null, 'green'],
                [2, 'red'],
              ],
              queries: [
                {
                  expr: `lvscope_keepalived_vrrp_wire_advertisers{${I}}`,
                  legend: '{{instance}} {{intf}} vrid {{vrid}} ({{address_family}})',
                },
              ],
            }),
            timeseriesPanel({
              title: 'Advertised priority, heard on the wire',
              description:
                "Priority in each router's last advert, per VRID and source address (0: a MASTER resigning).",
              unit: 'none',
              w: 12,
              h: 8,
              queries: [
                {
                  expr: `lvscope_keepalived_vrrp_wire_priority{${I}}`,
                  legend: '{{instance}} {{intf}} vrid {{vrid}} from {{source_address}}',
                },
              ],
            }),
          ],
        },
        {
          title: 'lvs-exporter keepalived inputs',
          panels: [
            stateTimelinePanel({
              title: 'keepalived answering',
              description: 'keepalived_up: a fresh dump was read (KeepalivedDown fires after 5 s without).',
              unit: 'none',
              w: 8,
              h: 6,
              mappings: { '1': { text: 'up', color: 'green' }, '0': { text: 'down', color: 'red' } },
              queries: [{ expr: `keepalived_up{${I}}`, legend: '{{instance}}' }],
            }),
            timeseriesPanel({
              title: 'Dump age',
              description: 'Age of the newest keepalived dump read (KeepalivedDumpStale fires above 120 s).',
              unit: 's',
              w: 8,
              h: 6,
              queries: [
                { expr: `lvscope_keepalived_dump_age_seconds{${I}}`, legend: '{{instance}} {{daemon}}' },
              ],
            }),
            stateTimelinePanel({
              title: 'Wire listener',
              description: "Whether the passive listener's tcpdump is capturing on each interface.",
              unit: 'none',
              w: 8,
              h: 6,
              mappings: { '1': { text: 'capturing', color: 'green' }, '0': { text: 'down', color: 'red' } },
              queries: [
                { expr: `lvscope_keepalived_vrrp_wire_listener_up{${I}}`, legend: '{{instance}} {{intf}}' },
              ],
            }),
          ],
        },
      ],
    },
    config,
  );
}
