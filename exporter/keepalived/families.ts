import type { MetricFamily } from '../../common/metrics/family.js';
import { type FamilySpec, FamilySamples } from '../core/family-builder.js';
import { vrrpView, type VrrpView } from '../../common/keepalived/merge.js';
import type { KeepalivedDaemon, VrrpInstance, VrrpStats } from '../../common/keepalived/model.js';
import type { KeepalivedSnapshot } from '../../common/snapshot.js';
import { addressLabel, serviceLabels } from '../../common/ipvs/vocabulary.js';

const INSTANCE = ['daemon', 'iname', 'intf', 'vrid'];
const COMMON = ['iname', 'intf', 'vrid'];
const VS = ['daemon', 'proto', 'local_address', 'local_port', 'local_mark', 'vs_group'];
const RS = [...VS, 'remote_address', 'remote_port'];

/** A family spec in one line: name, help, unit, labels, OTel name and InfluxDB measurement.field. */
const spec =
  (type: FamilySpec['type']) =>
  (
    name: string,
    help: string,
    unit: string,
    labelNames: readonly string[],
    otelName: string | null,
    influx: [string, string] | null,
  ): FamilySpec => ({
    name,
    help,
    type,
    unit,
    labelNames,
    otelName,
    influx: influx && { measurement: influx[0], field: influx[1] },
  });
const gauge = spec('gauge');
const counter = spec('counter');

/** keepalived-exporter (mehdy) names, labels and encoding; `daemon` is appended only with several daemons. */
function compatSpecs(multi: boolean) {
  const extra = multi ? ['daemon'] : [];
  const common = [...COMMON, ...extra];
  const vip = [...COMMON, 'ip_address', ...extra];
  const stat = (
    name: string,
    help: string,
    field: keyof VrrpStats,
    otel: string,
    influxField: string,
    unit = '{packet}',
  ) =>
    [
      counter(name, help, unit, common, `keepalived.vrrp.${otel}`, ['keepalived_vrrp', influxField]),
      field,
    ] as const;
  return {
    up: gauge(
      'keepalived_up',
      'Whether keepalived dumps could be read (keepalived-exporter compatible)',
      '1',
      extra,
      null,
      null,
    ),
    state: gauge(
      'keepalived_vrrp_state',
      'VRRP state per VIP: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT',
      '1',
      vip,
      null,
      null,
    ),
    excluded: gauge(
      'keepalived_vrrp_excluded_state',
      'VRRP state per excluded VIP: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT',
      '1',
      vip,
      null,
      null,
    ),
    // A configuration value that keepalived-exporter exposes as a counter: pushed as the
    // lvscope_keepalived_vrrp_garp_delay_seconds gauge instead.
    garp: counter(
      'keepalived_gratuitous_arp_delay_total',
      'Gratuitous ARP delay (a configuration value, named as keepalived-exporter does)',
      's',
      common,
      null,
      null,
    ),
    stats: [
      stat(
        'keepalived_advertisements_received_total',
        'Advertisements received',
        'advertRcvd',
        'advertisement.received',
        'advertisements_received',
      ),
      stat(
        'keepalived_advertisements_sent_total',
        'Advertisements sent',
        'advertSent',
        'advertisement.sent',
        'advertisements_sent',
      ),
      stat(
        'keepalived_become_master_total',
        'Times the instance became MASTER',
        'becomeMaster',
        'master.became',
        'become_master',
        '{transition}',
      ),
      stat(
        'keepalived_release_master_total',
        'Times the instance released MASTER',
        'releaseMaster',
        'master.released',
        'release_master',
        '{transition}',
      ),
      stat(
        'keepalived_packet_length_errors_total',
        'Packet length errors',
        'packetLenErr',
        'error.packet_length',
        'packet_length_errors',
      ),
      stat(
        'keepalived_advertisements_interval_errors_total',
        'Advertisement interval errors',
        'advertIntervalErr',
        'error.advertisement_interval',
        'advertisement_interval_errors',
      ),
      stat('keepalived_ip_ttl_errors_total', 'IP TTL errors', 'ipTtlErr', 'error.ip_ttl', 'ip_ttl_errors'),
      stat(
        'keepalived_invalid_type_received_total',
        'Invalid type received',
        'invalidTypeRcvd',
        'error.invalid_type',
        'invalid_type_received',
      ),
      stat(
        'keepalived_address_list_errors_total',
        'Address list errors',
        'addrListErr',
        'error.address_list',
        'address_list_errors',
      ),
      stat(
        'keepalived_authentication_invalid_total',
        'Invalid authentication type',
        'invalidAuthtype',
        'error.auth_invalid',
        'authentication_invalid',
      ),
      stat(
        'keepalived_authentication_mismatch_total',
        'Authentication type mismatch',
        'authtypeMismatch',
        'error.auth_mismatch',
        'authentication_mismatch',
      ),
      stat(
        'keepalived_authentication_failure_total',
        'Authentication failures',
        'authFailure',
        'error.auth_failure',
        'authentication_failure',
      ),
      stat(
        'keepalived_priority_zero_received_total',
        'Priority zero advertisements received',
        'priZeroRcvd',
        'priority_zero.received',
        'priority_zero_received',
      ),
      stat(
        'keepalived_priority_zero_sent_total',
        'Priority zero advertisements sent',
        'priZeroSent',
        'priority_zero.sent',
        'priority_zero_sent',
      ),
    ],
    scriptStatus: gauge(
      'keepalived_script_status',
      'vrrp_script status: 0 BAD, 1 GOOD (text dumps)',
      '1',
      ['name', ...extra],
      'keepalived.vrrp.script.status',
      ['keepalived_script', 'status'],
    ),
    scriptState: gauge(
      'keepalived_script_state',
      'vrrp_script state: 0 idle, 1 running, 2 requested termination, 3 forcing termination',
      '1',
      ['name', ...extra],
      'keepalived.vrrp.script.state',
      ['keepalived_script', 'state'],
    ),
  };
}

const L = {
  dumpUp: gauge(
    'lvscope_keepalived_dump_up',
    'Whether a fresh, complete and consistent VRRP dump was read this collection',
    '1',
    ['daemon'],
    'keepalived.dump.up',
    ['keepalived_daemon', 'dump_up'],
  ),
  dumpAge: gauge(
    'lvscope_keepalived_dump_age_seconds',
    'Age of the newest VRRP dump file at collection time (also when it could not be refreshed)',
    's',
    ['daemon'],
    'keepalived.dump.age',
    ['keepalived_daemon', 'dump_age_seconds'],
  ),
  signal: gauge(
    'lvscope_keepalived_signal_duration_seconds',
    'Time from the dump signal to a fresh dump file',
    's',
    ['daemon'],
    'keepalived.signal.duration',
    ['keepalived_daemon', 'signal_duration_seconds'],
  ),
  state: gauge(
    'lvscope_keepalived_vrrp_state',
    'VRRP instance state: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT (97 DELETED, 98 STOP)',
    '1',
    INSTANCE,
    'keepalived.vrrp.state',
    ['keepalived_vrrp', 'state'],
  ),
  wanted: gauge(
    'lvscope_keepalived_vrrp_wanted_state',
    'State keepalived is moving the instance to (same encoding)',
    '1',
    INSTANCE,
    'keepalived.vrrp.wanted_state',
    ['keepalived_vrrp', 'wanted_state'],
  ),
  base: gauge(
    'lvscope_keepalived_vrrp_base_priority',
    'Configured priority',
    '1',
    INSTANCE,
    'keepalived.vrrp.priority.base',
    ['keepalived_vrrp', 'base_priority'],
  ),
  effective: gauge(
    'lvscope_keepalived_vrrp_effective_priority',
    'Priority after track weights',
    '1',
    INSTANCE,
    'keepalived.vrrp.priority.effective',
    ['keepalived_vrrp', 'effective_priority'],
  ),
  master: gauge(
    'lvscope_keepalived_vrrp_master_priority',
    'Priority of the master this BACKUP hears (0 when MASTER)',
    '1',
    INSTANCE,
    'keepalived.vrrp.priority.master',
    ['keepalived_vrrp', 'master_priority'],
  ),
  lastTransition: gauge(
    'lvscope_keepalived_vrrp_last_transition_timestamp_seconds',
    'When the instance last changed state (epoch seconds)',
    's',
    INSTANCE,
    'keepalived.vrrp.last_transition',
    ['keepalived_vrrp', 'last_transition_timestamp_seconds'],
  ),
  advert: gauge(
    'lvscope_keepalived_vrrp_advert_interval_seconds',
    'Configured advertisement interval',
    's',
    INSTANCE,
    'keepalived.vrrp.advert_interval',
    ['keepalived_vrrp', 'advert_interval_seconds'],
  ),
  garpDelay: gauge(
    'lvscope_keepalived_vrrp_garp_delay_seconds',
    'Configured delay of the second set of gratuitous ARPs after becoming MASTER (garp_master_delay)',
    's',
    INSTANCE,
    'keepalived.vrrp.garp.delay',
    ['keepalived_vrrp', 'garp_delay_seconds'],
  ),
  nopreempt: gauge(
    'lvscope_keepalived_vrrp_nopreempt',
    '1 when the instance is configured nopreempt',
    '1',
    INSTANCE,
    'keepalived.vrrp.nopreempt',
    ['keepalived_vrrp', 'nopreempt'],
  ),
  processQuorum: gauge(
    'lvscope_keepalived_track_process_quorum',
    '1 when a tracked process has its quorum (json_version 2)',
    '1',
    ['daemon', 'process'],
    'keepalived.track_process.quorum',
    ['keepalived_track_process', 'quorum'],
  ),
  processCount: gauge(
    'lvscope_keepalived_track_process_count',
    'Running processes of a tracked process (json_version 2)',
    '{process}',
    ['daemon', 'process'],
    'keepalived.track_process.count',
    ['keepalived_track_process', 'count'],
  ),
  fifoOpen: gauge(
    'lvscope_keepalived_fifo_open',
    'Whether the notify FIFO is open for reading',
    '1',
    ['daemon'],
    'keepalived.fifo.open',
    ['keepalived_fifo', 'open'],
  ),
  fifoLines: counter(
    'lvscope_keepalived_fifo_lines_total',
    'Lines read from the notify FIFO',
    '{line}',
    ['daemon'],
    'keepalived.fifo.lines',
    ['keepalived_fifo', 'lines'],
  ),
  fifoTransitions: counter(
    'lvscope_keepalived_fifo_transitions_total',
    'State transitions reported by the notify FIFO since the exporter started, by target state',
    '{transition}',
    ['daemon', 'kind', 'iname', 'to_state'],
    'keepalived.fifo.transitions',
    ['keepalived_fifo_instance', 'transitions'],
  ),
  fifoState: gauge(
    'lvscope_keepalived_fifo_state',
    'Last state the notify FIFO reported (VRRP state encoding)',
    '1',
    ['daemon', 'kind', 'iname'],
    'keepalived.fifo.state',
    ['keepalived_fifo_instance', 'state'],
  ),
  fifoLast: gauge(
    'lvscope_keepalived_fifo_last_transition_timestamp_seconds',
    'When the exporter read the last transition from the notify FIFO (epoch seconds)',
    's',
    ['daemon', 'kind', 'iname'],
    'keepalived.fifo.last_transition',
    ['keepalived_fifo_instance', 'last_transition_timestamp_seconds'],
  ),
  fifoPriority: gauge(
    'lvscope_keepalived_fifo_priority',
    'Priority in the last notify FIFO line of the instance',
    '1',
    ['daemon', 'kind', 'iname'],
    'keepalived.fifo.priority',
    ['keepalived_fifo_instance', 'priority'],
  ),
  vip: gauge(
    'lvscope_keepalived_vip_present',
    '1 when a configured VIP is on an interface of this host (read from the host, not from keepalived)',
    '1',
    ['daemon', 'iname', 'vrid', 'ip_address', 'intf', 'excluded'],
    'keepalived.vip.present',
    ['keepalived_vip', 'present'],
  ),
  checkerUp: gauge(
    'lvscope_keepalived_checker_up',
    'Whether a fresh checker dump (keepalived_check.data) was read',
    '1',
    ['daemon'],
    'keepalived.checker.up',
    ['keepalived_checker', 'up'],
  ),
  vsQuorumUp: gauge(
    'lvscope_keepalived_checker_vs_quorum_up',
    '1 when the virtual server has its quorum of live real servers',
    '1',
    VS,
    'keepalived.checker.vs.quorum_up',
    ['keepalived_checker_vs', 'quorum_up'],
  ),
  vsQuorum: gauge(
    'lvscope_keepalived_checker_vs_quorum',
    'Configured quorum (sum of live weights needed)',
    '1',
    VS,
    'keepalived.checker.vs.quorum',
    ['keepalived_checker_vs', 'quorum'],
  ),
  rsAlive: gauge(
    'lvscope_keepalived_checker_rs_alive',
    '1 when the health checks consider the real server alive',
    '1',
    RS,
    'keepalived.checker.rs.alive',
    ['keepalived_checker_rs', 'alive'],
  ),
  rsWeight: gauge(
    'lvscope_keepalived_checker_rs_weight',
    'Configured real server weight',
    '1',
    RS,
    'keepalived.checker.rs.weight',
    ['keepalived_checker_rs', 'weight'],
  ),
  rsEffective: gauge(
    'lvscope_keepalived_checker_rs_effective_weight',
    "keepalived's effective weight of the real server",
    '1',
    RS,
    'keepalived.checker.rs.effective_weight',
    ['keepalived_checker_rs', 'effective_weight'],
  ),
};

const SCRIPT_STATUS = ['BAD', 'GOOD'];
const SCRIPT_STATE = ['idle', 'running', 'requested termination', 'forcing termination'];
const bool = (b: boolean | undefined) => (b === undefined ? undefined : b ? 1 : 0);

function vrrpFamilies(
  f: FamilySamples,
  d: KeepalivedDaemon,
  view: VrrpView,
  nowMs: number,
  multi: boolean,
  compat: ReturnType<typeof compatSpecs>,
): void {
  const extra = multi ? [d.name] : [];
  f.add(compat.up, extra, view.up ? 1 : 0);
  f.add(L.dumpUp, [d.name], view.up ? 1 : 0);
  if (view.mtimeMs !== undefined) f.add(L.dumpAge, [d.name], Math.max(0, (nowMs - view.mtimeMs) / 1000));
  if (view.up) f.add(L.signal, [d.name], d.signalSeconds);
  for (const i of view.instances) instanceFamilies(f, d, i, extra, compat);
  for (const s of view.scripts) {
    const status = s.status === undefined ? -1 : SCRIPT_STATUS.indexOf(s.status);
    const state = s.state === undefined ? -1 : SCRIPT_STATE.indexOf(s.state);
    if (status >= 0) f.add(compat.scriptStatus, [s.name, ...extra], status);
    if (state >= 0) f.add(compat.scriptState, [s.name, ...extra], state);
  }
  for (const p of view.trackedProcesses) {
    f.add(L.processQuorum, [d.name, p.name], bool(p.haveQuorum));
    f.add(L.processCount, [d.name, p.name], p.currentProcesses);
  }
}

function instanceFamilies(
  f: FamilySamples,
  d: KeepalivedDaemon,
  i: VrrpInstance,
  extra: string[],
  compat: ReturnType<typeof compatSpecs>,
): void {
  const common = [i.iname, i.intf, String(i.vrid)];
  const labels = [d.name, ...common];
  // keepalived-exporter: one series per VIP with intf from the VIP's dev, one with ip_address="" without VIPs.
  if (i.vips.length === 0) f.add(compat.state, [...common, '', ...extra], i.state);
  for (const v of i.vips)
    f.add(compat.state, [i.iname, v.dev || i.intf, String(i.vrid), v.raw, ...extra], i.state);
  for (const v of i.excludedVips)
    f.add(compat.excluded, [i.iname, v.dev || i.intf, String(i.vrid), v.raw, ...extra], i.state);
  f.add(compat.garp, [...common, ...extra], i.garpDelay);
  if (i.stats) for (const [spec, field] of compat.stats) f.add(spec, [...common, ...extra], i.stats[field]);
  f.add(L.state, labels, i.state);
  f.add(L.wanted, labels, i.wantState);
  f.add(L.base, labels, i.basePriority);
  f.add(L.effective, labels, i.effectivePriority);
  f.add(L.master, labels, i.masterPriority);
  f.add(L.lastTransition, labels, i.lastTransition);
  f.add(L.advert, labels, i.advertIntervalSeconds);
  f.add(L.garpDelay, labels, i.garpDelay);
  f.add(L.nopreempt, labels, bool(i.nopreempt));
}

function daemonFamilies(
  f: FamilySamples,
  d: KeepalivedDaemon,
  nowMs: number,
  multi: boolean,
  compat: ReturnType<typeof compatSpecs>,
): void {
  const view = vrrpView(d);
  if (view) vrrpFamilies(f, d, view, nowMs, multi, compat);
  if (d.checker) {
    f.add(L.checkerUp, [d.name], d.checker.value ? 1 : 0);
    for (const vs of d.checker.value ?? []) {
      // A group has no single service: keepalived prints only its name.
      const service = vs.service ? serviceLabels(vs.service) : ['GROUP', '', '0', ''];
      const vsLabels = [d.name, ...service, vs.group];
      f.add(L.vsQuorumUp, vsLabels, bool(vs.quorumUp));
      f.add(L.vsQuorum, vsLabels, vs.quorum);
      for (const rs of vs.realServers) {
        const rsLabels = [...vsLabels, addressLabel(rs.addr), String(rs.port)];
        f.add(L.rsAlive, rsLabels, rs.alive ? 1 : 0);
        f.add(L.rsWeight, rsLabels, rs.weight);
        f.add(L.rsEffective, rsLabels, rs.effectiveWeight);
      }
    }
  }
  if (d.fifo) {
    f.add(L.fifoOpen, [d.name], d.fifo.open ? 1 : 0);
    f.add(L.fifoLines, [d.name], d.fifo.linesRead);
    for (const e of d.fifo.instances) {
      const labels = [d.name, e.type.toLowerCase(), e.name];
      for (const [to, n] of Object.entries(e.transitions)) f.add(L.fifoTransitions, [...labels, to], n);
      if (e.state >= 0) f.add(L.fifoState, labels, e.state);
      if (e.lastTransitionMs > 0) f.add(L.fifoLast, labels, e.lastTransitionMs / 1000);
      f.add(L.fifoPriority, labels, e.priority);
    }
  }
  for (const v of d.vips ?? []) {
    f.add(
      L.vip,
      [d.name, v.iname, v.vrid === undefined ? '' : String(v.vrid), v.address, v.intf, String(v.excluded)],
      v.present ? 1 : 0,
    );
  }
}

/**
 * Every keepalived family for one snapshot: the keepalived-exporter compatible ones (no
 * OTLP/InfluxDB name where an lvscope family carries the same figure) and lvscope's own.
 */
export function keepalivedFamilies(snapshot: {
  readonly keepalived: KeepalivedSnapshot;
  readonly takenAtMs: number;
}): MetricFamily[] {
  const { daemons } = snapshot.keepalived;
  const multi = daemons.length > 1;
  const compat = compatSpecs(multi);
  const f = new FamilySamples();
  for (const d of daemons) daemonFamilies(f, d, snapshot.takenAtMs, multi, compat);
  const order = [
    compat.up,
    compat.state,
    compat.excluded,
    compat.garp,
    ...compat.stats.map(([spec]) => spec),
    compat.scriptStatus,
    compat.scriptState,
    ...Object.values(L),
  ];
  return f.build(order);
}
