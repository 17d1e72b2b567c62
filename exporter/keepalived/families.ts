/**
 * keepalived's families (common/metrics/catalog/keepalived.ts) for one snapshot: the
 * keepalived-exporter compatible ones, with `daemon` only when several daemons are configured,
 * and lvscope's own.
 */
import type { FamilySpec, MetricFamily } from '../../common/metrics/family.js';
import {
  KEEPALIVED_FAMILIES,
  KEEPALIVED_GRATUITOUS_ARP_DELAY_TOTAL,
  KEEPALIVED_SCRIPT_STATE,
  KEEPALIVED_SCRIPT_STATUS,
  KEEPALIVED_UP,
  KEEPALIVED_VRRP_EXCLUDED_STATE,
  KEEPALIVED_VRRP_STATE,
  KEEPALIVED_VRRP_STATS,
  LVSCOPE_KEEPALIVED_CHECKER_RS_ALIVE,
  LVSCOPE_KEEPALIVED_CHECKER_RS_EFFECTIVE_WEIGHT,
  LVSCOPE_KEEPALIVED_CHECKER_RS_WEIGHT,
  LVSCOPE_KEEPALIVED_CHECKER_UP,
  LVSCOPE_KEEPALIVED_CHECKER_VS_QUORUM,
  LVSCOPE_KEEPALIVED_CHECKER_VS_QUORUM_UP,
  LVSCOPE_KEEPALIVED_DUMP_AGE_SECONDS,
  LVSCOPE_KEEPALIVED_DUMP_UP,
  LVSCOPE_KEEPALIVED_FIFO_LAST_TRANSITION_TIMESTAMP_SECONDS,
  LVSCOPE_KEEPALIVED_FIFO_LINES_TOTAL,
  LVSCOPE_KEEPALIVED_FIFO_OPEN,
  LVSCOPE_KEEPALIVED_FIFO_PRIORITY,
  LVSCOPE_KEEPALIVED_FIFO_STATE,
  LVSCOPE_KEEPALIVED_FIFO_TRANSITIONS_TOTAL,
  LVSCOPE_KEEPALIVED_SIGNAL_DURATION_SECONDS,
  LVSCOPE_KEEPALIVED_TRACK_PROCESS_COUNT,
  LVSCOPE_KEEPALIVED_TRACK_PROCESS_QUORUM,
  LVSCOPE_KEEPALIVED_VIP_PRESENT,
  LVSCOPE_KEEPALIVED_VRRP_ADVERT_INTERVAL_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_BASE_PRIORITY,
  LVSCOPE_KEEPALIVED_VRRP_EFFECTIVE_PRIORITY,
  LVSCOPE_KEEPALIVED_VRRP_GARP_DELAY_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_LAST_TRANSITION_TIMESTAMP_SECONDS,
  LVSCOPE_KEEPALIVED_VRRP_MASTER_PRIORITY,
  LVSCOPE_KEEPALIVED_VRRP_NOPREEMPT,
  LVSCOPE_KEEPALIVED_VRRP_STATE,
  LVSCOPE_KEEPALIVED_VRRP_WANTED_STATE,
} from '../../common/metrics/catalog/keepalived.js';
import { FamilySamples } from '../core/family-builder.js';
import { vrrpView, type VrrpView } from '../../common/keepalived/merge.js';
import type { KeepalivedDaemon, VrrpInstance, VrrpStats } from '../../common/keepalived/model.js';
import type { KeepalivedSnapshot } from '../../common/snapshot.js';
import { addressLabel, serviceLabels } from '../../common/ipvs/vocabulary.js';

const VRRP_STATS = Object.entries(KEEPALIVED_VRRP_STATS) as [keyof VrrpStats, FamilySpec][];

const SCRIPT_STATUS = ['BAD', 'GOOD'];
const SCRIPT_STATE = ['idle', 'running', 'requested termination', 'forcing termination'];
const bool = (b: boolean | undefined) => (b === undefined ? undefined : b ? 1 : 0);

function vrrpFamilies(
  f: FamilySamples,
  d: KeepalivedDaemon,
  view: VrrpView,
  nowMs: number,
  multi: boolean,
): void {
  const extra = multi ? [d.name] : [];
  f.add(KEEPALIVED_UP, extra, view.up ? 1 : 0);
  f.add(LVSCOPE_KEEPALIVED_DUMP_UP, [d.name], view.up ? 1 : 0);
  if (view.mtimeMs !== undefined)
    f.add(LVSCOPE_KEEPALIVED_DUMP_AGE_SECONDS, [d.name], Math.max(0, (nowMs - view.mtimeMs) / 1000));
  if (view.up) f.add(LVSCOPE_KEEPALIVED_SIGNAL_DURATION_SECONDS, [d.name], d.signalSeconds);
  for (const i of view.instances) instanceFamilies(f, d, i, extra);
  for (const s of view.scripts) {
    const status = s.status === undefined ? -1 : SCRIPT_STATUS.indexOf(s.status);
    const state = s.state === undefined ? -1 : SCRIPT_STATE.indexOf(s.state);
    if (status >= 0) f.add(KEEPALIVED_SCRIPT_STATUS, [s.name, ...extra], status);
    if (state >= 0) f.add(KEEPALIVED_SCRIPT_STATE, [s.name, ...extra], state);
  }
  for (const p of view.trackedProcesses) {
    f.add(LVSCOPE_KEEPALIVED_TRACK_PROCESS_QUORUM, [d.name, p.name], bool(p.haveQuorum));
    f.add(LVSCOPE_KEEPALIVED_TRACK_PROCESS_COUNT, [d.name, p.name], p.currentProcesses);
  }
}

function instanceFamilies(f: FamilySamples, d: KeepalivedDaemon, i: VrrpInstance, extra: string[]): void {
  const common = [i.iname, i.intf, String(i.vrid)];
  const labels = [d.name, ...common];
  // keepalived-exporter: one series per VIP with intf from the VIP's dev, one with ip_address="" without VIPs.
  if (i.vips.length === 0) f.add(KEEPALIVED_VRRP_STATE, [...common, '', ...extra], i.state);
  for (const v of i.vips)
    f.add(KEEPALIVED_VRRP_STATE, [i.iname, v.dev || i.intf, String(i.vrid), v.raw, ...extra], i.state);
  for (const v of i.excludedVips)
    f.add(
      KEEPALIVED_VRRP_EXCLUDED_STATE,
      [i.iname, v.dev || i.intf, String(i.vrid), v.raw, ...extra],
      i.state,
    );
  f.add(KEEPALIVED_GRATUITOUS_ARP_DELAY_TOTAL, [...common, ...extra], i.garpDelay);
  if (i.stats) for (const [field, spec] of VRRP_STATS) f.add(spec, [...common, ...extra], i.stats[field]);
  f.add(LVSCOPE_KEEPALIVED_VRRP_STATE, labels, i.state);
  f.add(LVSCOPE_KEEPALIVED_VRRP_WANTED_STATE, labels, i.wantState);
  f.add(LVSCOPE_KEEPALIVED_VRRP_BASE_PRIORITY, labels, i.basePriority);
  f.add(LVSCOPE_KEEPALIVED_VRRP_EFFECTIVE_PRIORITY, labels, i.effectivePriority);
  f.add(LVSCOPE_KEEPALIVED_VRRP_MASTER_PRIORITY, labels, i.masterPriority);
  f.add(LVSCOPE_KEEPALIVED_VRRP_LAST_TRANSITION_TIMESTAMP_SECONDS, labels, i.lastTransition);
  f.add(LVSCOPE_KEEPALIVED_VRRP_ADVERT_INTERVAL_SECONDS, labels, i.advertIntervalSeconds);
  f.add(LVSCOPE_KEEPALIVED_VRRP_GARP_DELAY_SECONDS, labels, i.garpDelay);
  f.add(LVSCOPE_KEEPALIVED_VRRP_NOPREEMPT, labels, bool(i.nopreempt));
}

function daemonFamilies(f: FamilySamples, d: KeepalivedDaemon, nowMs: number, multi: boolean): void {
  const view = vrrpView(d);
  if (view) vrrpFamilies(f, d, view, nowMs, multi);
  if (d.checker) {
    f.add(LVSCOPE_KEEPALIVED_CHECKER_UP, [d.name], d.checker.value ? 1 : 0);
    for (const vs of d.checker.value ?? []) {
      // A group has no single service: keepalived prints only its name.
      const service = vs.service ? serviceLabels(vs.service) : ['GROUP', '', '0', ''];
      const vsLabels = [d.name, ...service, vs.group];
      f.add(LVSCOPE_KEEPALIVED_CHECKER_VS_QUORUM_UP, vsLabels, bool(vs.quorumUp));
      f.add(LVSCOPE_KEEPALIVED_CHECKER_VS_QUORUM, vsLabels, vs.quorum);
      for (const rs of vs.realServers) {
        const rsLabels = [...vsLabels, addressLabel(rs.addr), String(rs.port)];
        f.add(LVSCOPE_KEEPALIVED_CHECKER_RS_ALIVE, rsLabels, rs.alive ? 1 : 0);
        f.add(LVSCOPE_KEEPALIVED_CHECKER_RS_WEIGHT, rsLabels, rs.weight);
        f.add(LVSCOPE_KEEPALIVED_CHECKER_RS_EFFECTIVE_WEIGHT, rsLabels, rs.effectiveWeight);
      }
    }
  }
  if (d.fifo) {
    f.add(LVSCOPE_KEEPALIVED_FIFO_OPEN, [d.name], d.fifo.open ? 1 : 0);
    f.add(LVSCOPE_KEEPALIVED_FIFO_LINES_TOTAL, [d.name], d.fifo.linesRead);
    for (const e of d.fifo.instances) {
      const labels = [d.name, e.type.toLowerCase(), e.name];
      for (const [to, n] of Object.entries(e.transitions))
        f.add(LVSCOPE_KEEPALIVED_FIFO_TRANSITIONS_TOTAL, [...labels, to], n);
      if (e.state >= 0) f.add(LVSCOPE_KEEPALIVED_FIFO_STATE, labels, e.state);
      if (e.lastTransitionMs > 0)
        f.add(LVSCOPE_KEEPALIVED_FIFO_LAST_TRANSITION_TIMESTAMP_SECONDS, labels, e.lastTransitionMs / 1000);
      f.add(LVSCOPE_KEEPALIVED_FIFO_PRIORITY, labels, e.priority);
    }
  }
  for (const v of d.vips ?? []) {
    f.add(
      LVSCOPE_KEEPALIVED_VIP_PRESENT,
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
  // keepalived-exporter's names carry their optional `daemon` label only with several daemons.
  const f = new FamilySamples(multi ? ['daemon'] : []);
  for (const d of daemons) daemonFamilies(f, d, snapshot.takenAtMs, multi);
  return f.build(KEEPALIVED_FAMILIES);
}
