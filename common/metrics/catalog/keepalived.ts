/**
 * keepalived's families: keepalived-exporter's (mehdy) names, labels and encoding, so its
 * dashboards keep working, then lvscope's own `lvscope_keepalived_*`. The compatible families
 * carry `daemon` only when several daemons are configured (optionalLabels); the lvscope ones
 * always do. Where an lvscope family carries the same figure, the compatible one is an alias
 * (Prometheus only).
 */
import type { VrrpStats } from '../../keepalived/model.js';
import type { FamilySpec } from '../family.js';
import { counter, gauge } from './define.js';

const COMMON = ['iname', 'intf', 'vrid'];
const VIP = [...COMMON, 'ip_address'];
const DAEMON = ['daemon'];
const INSTANCE = ['daemon', ...COMMON];
const PROCESS = ['daemon', 'process'];
const FIFO_INSTANCE = ['daemon', 'kind', 'iname'];
const VS = ['daemon', 'proto', 'local_address', 'local_port', 'local_mark', 'vs_group'];
const RS = [...VS, 'remote_address', 'remote_port'];

// keepalived-exporter compatible

export const KEEPALIVED_UP = gauge({
  name: 'keepalived_up',
  help: 'Whether keepalived dumps could be read (keepalived-exporter compatible)',
  unit: '1',
  labelNames: [],
  optionalLabels: DAEMON,
  otelName: null,
  influx: null,
});
export const KEEPALIVED_VRRP_STATE = gauge({
  name: 'keepalived_vrrp_state',
  help: 'VRRP state per VIP: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT',
  unit: '1',
  labelNames: VIP,
  optionalLabels: DAEMON,
  otelName: null,
  influx: null,
});
export const KEEPALIVED_VRRP_EXCLUDED_STATE = gauge({
  name: 'keepalived_vrrp_excluded_state',
  help: 'VRRP state per excluded VIP: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT',
  unit: '1',
  labelNames: VIP,
  optionalLabels: DAEMON,
  otelName: null,
  influx: null,
});
/**
 * A configuration value that keepalived-exporter exposes as a counter: pushed as the
 * lvscope_keepalived_vrrp_garp_delay_seconds gauge instead.
 */
export const KEEPALIVED_GRATUITOUS_ARP_DELAY_TOTAL = counter({
  name: 'keepalived_gratuitous_arp_delay_total',
  help: 'Gratuitous ARP delay (a configuration value, named as keepalived-exporter does)',
  unit: 's',
  labelNames: COMMON,
  optionalLabels: DAEMON,
  otelName: null,
  influx: null,
});

const stat = (name: string, help: string, otel: string, field: string, unit = '{packet}'): FamilySpec =>
  counter({
    name,
    help,
    unit,
    labelNames: COMMON,
    optionalLabels: DAEMON,
    otelName: `keepalived.vrrp.${otel}`,
    influx: ['keepalived_vrrp', field],
  });

/** The VRRP counters of keepalived's stats dump, by field of VrrpStats (in the dump's order). */
export const KEEPALIVED_VRRP_STATS: Readonly<Record<keyof VrrpStats, FamilySpec>> = Object.freeze({
  advertRcvd: stat(
    'keepalived_advertisements_received_total',
    'Advertisements received',
    'advertisement.received',
    'advertisements_received',
  ),
  advertSent: stat(
    'keepalived_advertisements_sent_total',
    'Advertisements sent',
    'advertisement.sent',
    'advertisements_sent',
  ),
  becomeMaster: stat(
    'keepalived_become_master_total',
    'Times the instance became MASTER',
    'master.became',
    'become_master',
    '{transition}',
  ),
  releaseMaster: stat(
    'keepalived_release_master_total',
    'Times the instance released MASTER',
    'master.released',
    'release_master',
    '{transition}',
  ),
  packetLenErr: stat(
    'keepalived_packet_length_errors_total',
    'Packet length errors',
    'error.packet_length',
    'packet_length_errors',
  ),
  advertIntervalErr: stat(
    'keepalived_advertisements_interval_errors_total',
    'Advertisement interval errors',
    'error.advertisement_interval',
    'advertisement_interval_errors',
  ),
  ipTtlErr: stat('keepalived_ip_ttl_errors_total', 'IP TTL errors', 'error.ip_ttl', 'ip_ttl_errors'),
  invalidTypeRcvd: stat(
    'keepalived_invalid_type_received_total',
    'Invalid type received',
    'error.invalid_type',
    'invalid_type_received',
  ),
  addrListErr: stat(
    'keepalived_address_list_errors_total',
    'Address list errors',
    'error.address_list',
    'address_list_errors',
  ),
  invalidAuthtype: stat(
    'keepalived_authentication_invalid_total',
    'Invalid authentication type',
    'error.auth_invalid',
    'authentication_invalid',
  ),
  authtypeMismatch: stat(
    'keepalived_authentication_mismatch_total',
    'Authentication type mismatch',
    'error.auth_mismatch',
    'authentication_mismatch',
  ),
  authFailure: stat(
    'keepalived_authentication_failure_total',
    'Authentication failures',
    'error.auth_failure',
    'authentication_failure',
  ),
  priZeroRcvd: stat(
    'keepalived_priority_zero_received_total',
    'Priority zero advertisements received',
    'priority_zero.received',
    'priority_zero_received',
  ),
  priZeroSent: stat(
    'keepalived_priority_zero_sent_total',
    'Priority zero advertisements sent',
    'priority_zero.sent',
    'priority_zero_sent',
  ),
});

export const KEEPALIVED_SCRIPT_STATUS = gauge({
  name: 'keepalived_script_status',
  help: 'vrrp_script status: 0 BAD, 1 GOOD (text dumps)',
  unit: '1',
  labelNames: ['name'],
  optionalLabels: DAEMON,
  otelName: 'keepalived.vrrp.script.status',
  influx: ['keepalived_script', 'status'],
});
export const KEEPALIVED_SCRIPT_STATE = gauge({
  name: 'keepalived_script_state',
  help: 'vrrp_script state: 0 idle, 1 running, 2 requested termination, 3 forcing termination',
  unit: '1',
  labelNames: ['name'],
  optionalLabels: DAEMON,
  otelName: 'keepalived.vrrp.script.state',
  influx: ['keepalived_script', 'state'],
});

// lvscope: the dump itself

export const LVSCOPE_KEEPALIVED_DUMP_UP = gauge({
  name: 'lvscope_keepalived_dump_up',
  help: 'Whether a fresh, complete and consistent VRRP dump was read this collection',
  unit: '1',
  labelNames: DAEMON,
  otelName: 'keepalived.dump.up',
  influx: ['keepalived_daemon', 'dump_up'],
});
export const LVSCOPE_KEEPALIVED_DUMP_AGE_SECONDS = gauge({
  name: 'lvscope_keepalived_dump_age_seconds',
  help: 'Age of the newest VRRP dump file at collection time (also when it could not be refreshed)',
  unit: 's',
  labelNames: DAEMON,
  otelName: 'keepalived.dump.age',
  influx: ['keepalived_daemon', 'dump_age_seconds'],
});
export const LVSCOPE_KEEPALIVED_SIGNAL_DURATION_SECONDS = gauge({
  name: 'lvscope_keepalived_signal_duration_seconds',
  help: 'Time from the dump signal to a fresh dump file',
  unit: 's',
  labelNames: DAEMON,
  otelName: 'keepalived.signal.duration',
  influx: ['keepalived_daemon', 'signal_duration_seconds'],
});

// lvscope: VRRP instances

export const LVSCOPE_KEEPALIVED_VRRP_STATE = gauge({
  name: 'lvscope_keepalived_vrrp_state',
  help: 'VRRP instance state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (97 DELETED, 98 STOP)',
  unit: '1',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.state',
  influx: ['keepalived_vrrp', 'state'],
});
export const LVSCOPE_KEEPALIVED_VRRP_WANTED_STATE = gauge({
  name: 'lvscope_keepalived_vrrp_wanted_state',
  help: 'State keepalived is moving the instance to (same encoding)',
  unit: '1',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.wanted_state',
  influx: ['keepalived_vrrp', 'wanted_state'],
});
export const LVSCOPE_KEEPALIVED_VRRP_BASE_PRIORITY = gauge({
  name: 'lvscope_keepalived_vrrp_base_priority',
  help: 'Configured priority',
  unit: '1',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.priority.base',
  influx: ['keepalived_vrrp', 'base_priority'],
});
export const LVSCOPE_KEEPALIVED_VRRP_EFFECTIVE_PRIORITY = gauge({
  name: 'lvscope_keepalived_vrrp_effective_priority',
  help: 'Priority after track weights',
  unit: '1',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.priority.effective',
  influx: ['keepalived_vrrp', 'effective_priority'],
});
export const LVSCOPE_KEEPALIVED_VRRP_MASTER_PRIORITY = gauge({
  name: 'lvscope_keepalived_vrrp_master_priority',
  help: 'Priority of the master this BACKUP hears (0 when MASTER)',
  unit: '1',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.priority.master',
  influx: ['keepalived_vrrp', 'master_priority'],
});
export const LVSCOPE_KEEPALIVED_VRRP_LAST_TRANSITION_TIMESTAMP_SECONDS = gauge({
  name: 'lvscope_keepalived_vrrp_last_transition_timestamp_seconds',
  help: 'When the instance last changed state (epoch seconds)',
  unit: 's',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.last_transition',
  influx: ['keepalived_vrrp', 'last_transition_timestamp_seconds'],
});
export const LVSCOPE_KEEPALIVED_VRRP_ADVERT_INTERVAL_SECONDS = gauge({
  name: 'lvscope_keepalived_vrrp_advert_interval_seconds',
  help: 'Configured advertisement interval',
  unit: 's',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.advert_interval',
  influx: ['keepalived_vrrp', 'advert_interval_seconds'],
});
export const LVSCOPE_KEEPALIVED_VRRP_GARP_DELAY_SECONDS = gauge({
  name: 'lvscope_keepalived_vrrp_garp_delay_seconds',
  help: 'Configured delay of the second set of gratuitous ARPs after becoming MASTER (garp_master_delay)',
  unit: 's',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.garp.delay',
  influx: ['keepalived_vrrp', 'garp_delay_seconds'],
});
export const LVSCOPE_KEEPALIVED_VRRP_NOPREEMPT = gauge({
  name: 'lvscope_keepalived_vrrp_nopreempt',
  help: '1 when the instance is configured nopreempt',
  unit: '1',
  labelNames: INSTANCE,
  otelName: 'keepalived.vrrp.nopreempt',
  influx: ['keepalived_vrrp', 'nopreempt'],
});

// lvscope: tracked processes (json_version 2)

export const LVSCOPE_KEEPALIVED_TRACK_PROCESS_QUORUM = gauge({
  name: 'lvscope_keepalived_track_process_quorum',
  help: '1 when a tracked process has its quorum (json_version 2)',
  unit: '1',
  labelNames: PROCESS,
  otelName: 'keepalived.track_process.quorum',
  influx: ['keepalived_track_process', 'quorum'],
});
export const LVSCOPE_KEEPALIVED_TRACK_PROCESS_COUNT = gauge({
  name: 'lvscope_keepalived_track_process_count',
  help: 'Running processes of a tracked process (json_version 2)',
  unit: '{process}',
  labelNames: PROCESS,
  otelName: 'keepalived.track_process.count',
  influx: ['keepalived_track_process', 'count'],
});

// lvscope: the notify FIFO

export const LVSCOPE_KEEPALIVED_FIFO_OPEN = gauge({
  name: 'lvscope_keepalived_fifo_open',
  help: 'Whether the notify FIFO is open for reading',
  unit: '1',
  labelNames: DAEMON,
  otelName: 'keepalived.fifo.open',
  influx: ['keepalived_fifo', 'open'],
});
export const LVSCOPE_KEEPALIVED_FIFO_LINES_TOTAL = counter({
  name: 'lvscope_keepalived_fifo_lines_total',
  help: 'Lines read from the notify FIFO',
  unit: '{line}',
  labelNames: DAEMON,
  otelName: 'keepalived.fifo.lines',
  influx: ['keepalived_fifo', 'lines'],
});
export const LVSCOPE_KEEPALIVED_FIFO_TRANSITIONS_TOTAL = counter({
  name: 'lvscope_keepalived_fifo_transitions_total',
  help: 'State transitions reported by the notify FIFO since the exporter started, by target state',
  unit: '{transition}',
  labelNames: [...FIFO_INSTANCE, 'to_state'],
  otelName: 'keepalived.fifo.transitions',
  influx: ['keepalived_fifo_instance', 'transitions'],
});
export const LVSCOPE_KEEPALIVED_FIFO_STATE = gauge({
  name: 'lvscope_keepalived_fifo_state',
  help: 'Last state the notify FIFO reported (VRRP state encoding)',
  unit: '1',
  labelNames: FIFO_INSTANCE,
  otelName: 'keepalived.fifo.state',
  influx: ['keepalived_fifo_instance', 'state'],
});
export const LVSCOPE_KEEPALIVED_FIFO_LAST_TRANSITION_TIMESTAMP_SECONDS = gauge({
  name: 'lvscope_keepalived_fifo_last_transition_timestamp_seconds',
  help: 'When the exporter read the last transition from the notify FIFO (epoch seconds)',
  unit: 's',
  labelNames: FIFO_INSTANCE,
  otelName: 'keepalived.fifo.last_transition',
  influx: ['keepalived_fifo_instance', 'last_transition_timestamp_seconds'],
});
export const LVSCOPE_KEEPALIVED_FIFO_PRIORITY = gauge({
  name: 'lvscope_keepalived_fifo_priority',
  help: 'Priority in the last notify FIFO line of the instance',
  unit: '1',
  labelNames: FIFO_INSTANCE,
  otelName: 'keepalived.fifo.priority',
  influx: ['keepalived_fifo_instance', 'priority'],
});

// lvscope: VIP presence (read from the host)

export const LVSCOPE_KEEPALIVED_VIP_PRESENT = gauge({
  name: 'lvscope_keepalived_vip_present',
  help: '1 when a configured VIP is on an interface of this host (read from the host, not from keepalived)',
  unit: '1',
  labelNames: ['daemon', 'iname', 'vrid', 'ip_address', 'intf', 'excluded'],
  otelName: 'keepalived.vip.present',
  influx: ['keepalived_vip', 'present'],
});

// lvscope: the LVS checker dump (keepalived_check.data)

export const LVSCOPE_KEEPALIVED_CHECKER_UP = gauge({
  name: 'lvscope_keepalived_checker_up',
  help: 'Whether a fresh checker dump (keepalived_check.data) was read',
  unit: '1',
  labelNames: DAEMON,
  otelName: 'keepalived.checker.up',
  influx: ['keepalived_checker', 'up'],
});
export const LVSCOPE_KEEPALIVED_CHECKER_VS_QUORUM_UP = gauge({
  name: 'lvscope_keepalived_checker_vs_quorum_up',
  help: '1 when the virtual server has its quorum of live real servers',
  unit: '1',
  labelNames: VS,
  otelName: 'keepalived.checker.vs.quorum_up',
  influx: ['keepalived_checker_vs', 'quorum_up'],
});
export const LVSCOPE_KEEPALIVED_CHECKER_VS_QUORUM = gauge({
  name: 'lvscope_keepalived_checker_vs_quorum',
  help: 'Configured quorum (sum of live weights needed)',
  unit: '1',
  labelNames: VS,
  otelName: 'keepalived.checker.vs.quorum',
  influx: ['keepalived_checker_vs', 'quorum'],
});
export const LVSCOPE_KEEPALIVED_CHECKER_RS_ALIVE = gauge({
  name: 'lvscope_keepalived_checker_rs_alive',
  help: '1 when the health checks consider the real server alive',
  unit: '1',
  labelNames: RS,
  otelName: 'keepalived.checker.rs.alive',
  influx: ['keepalived_checker_rs', 'alive'],
});
export const LVSCOPE_KEEPALIVED_CHECKER_RS_WEIGHT = gauge({
  name: 'lvscope_keepalived_checker_rs_weight',
  help: 'Configured real server weight',
  unit: '1',
  labelNames: RS,
  otelName: 'keepalived.checker.rs.weight',
  influx: ['keepalived_checker_rs', 'weight'],
});
export const LVSCOPE_KEEPALIVED_CHECKER_RS_EFFECTIVE_WEIGHT = gauge({
  name: 'lvscope_keepalived_checker_rs_effective_weight',
  help: "keepalived's effective weight of the real server",
  unit: '1',
  labelNames: RS,
  otelName: 'keepalived.checker.rs.effective_weight',
  influx: ['keepalived_checker_rs', 'effective_weight'],
});

/** In the order the exporter emits them. */
export const KEEPALIVED_FAMILIES: readonly FamilySpec[] = [
  KEEPALIVED_UP,
  KEEPALIVED_VRRP_STATE,
  KEEPALIVED_VRRP_EXCLUDED_STATE,
  KEEPALIVED_GRATUITOUS_ARP_DELAY_TOTAL,
  ...Object.values(KEEPALIVED_VRRP_STATS),
  KEEPALIVED_SCRIPT_STATUS,
  KEEPALIVED_SCRIPT_STATE,
  LVSCOPE_KEEPALIVED_DUMP_UP,
  LVSCOPE_KEEPALIVED_DUMP_AGE_SECONDS,
  LVSCOPE_KEEPALIVED_SIGNAL_DURATION_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_STATE,
  LVSCOPE_KEEPALIVED_VRRP_WANTED_STATE,
  LVSCOPE_KEEPALIVED_VRRP_BASE_PRIORITY,
  LVSCOPE_KEEPALIVED_VRRP_EFFECTIVE_PRIORITY,
  LVSCOPE_KEEPALIVED_VRRP_MASTER_PRIORITY,
  LVSCOPE_KEEPALIVED_VRRP_LAST_TRANSITION_TIMESTAMP_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_ADVERT_INTERVAL_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_GARP_DELAY_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_NOPREEMPT,
  LVSCOPE_KEEPALIVED_TRACK_PROCESS_QUORUM,
  LVSCOPE_KEEPALIVED_TRACK_PROCESS_COUNT,
  LVSCOPE_KEEPALIVED_FIFO_OPEN,
  LVSCOPE_KEEPALIVED_FIFO_LINES_TOTAL,
  LVSCOPE_KEEPALIVED_FIFO_TRANSITIONS_TOTAL,
  LVSCOPE_KEEPALIVED_FIFO_STATE,
  LVSCOPE_KEEPALIVED_FIFO_LAST_TRANSITION_TIMESTAMP_SECONDS,
  LVSCOPE_KEEPALIVED_FIFO_PRIORITY,
  LVSCOPE_KEEPALIVED_VIP_PRESENT,
  LVSCOPE_KEEPALIVED_CHECKER_UP,
  LVSCOPE_KEEPALIVED_CHECKER_VS_QUORUM_UP,
  LVSCOPE_KEEPALIVED_CHECKER_VS_QUORUM,
  LVSCOPE_KEEPALIVED_CHECKER_RS_ALIVE,
  LVSCOPE_KEEPALIVED_CHECKER_RS_WEIGHT,
  LVSCOPE_KEEPALIVED_CHECKER_RS_EFFECTIVE_WEIGHT,
];
